"""Item Lists: every operation delegates to the standalone node with mapped parameters."""

from __future__ import annotations

import pytest
from helpers_agg import PEOPLE, run_node, run_single

from hetumind.errors import NodeExecutionError
from hetumind.nodes.builtin.item_lists import ItemLists, delegate_for
from hetumind.nodes.builtin.remove_duplicates import RemoveDuplicates
from hetumind.nodes.builtin.summarize import Summarize


def fields(*names: str) -> dict[str, list[dict[str, str]]]:
    return {"fields": [{"fieldName": n} for n in names]}


def test_split_out_items_is_the_default_operation() -> None:
    out = run_node(ItemLists(), {"fieldToSplitOut": "tags"}, PEOPLE[:2], type_version=3.1)[0]
    assert out == [{"tags": "math"}, {"tags": "code"}, {"tags": "navy"}]


def test_version_1_field_collections_become_name_lists() -> None:
    params = {
        "fieldToSplitOut": "tags",
        "include": "selectedOtherFields",
        "fieldsToInclude": fields("name"),
    }
    out = run_node(ItemLists(), params, PEOPLE[:1], type_version=1)[0]
    assert out == [{"tags": "math", "name": "Ada"}, {"tags": "code", "name": "Ada"}]


def test_aggregate_items_and_concatenate_items() -> None:
    old = {
        "operation": "aggregateItems",
        "aggregate": "aggregateAllItemData",
        "include": "specifiedFields",
        "fieldsToInclude": fields("name"),
    }
    assert run_node(ItemLists(), old, PEOPLE[:2], type_version=1)[0] == [
        {"data": [{"name": "Ada"}, {"name": "Grace"}]}
    ]
    new = {
        "operation": "concatenateItems",
        "fieldsToAggregate": {"fieldToAggregate": [{"fieldToAggregate": "id"}]},
    }
    assert run_node(ItemLists(), new, PEOPLE, type_version=3)[0] == [{"id": [1, 2, 3, 4, 5, 6]}]


def test_remove_duplicates_sort_limit_summarize() -> None:
    dedupe = {
        "operation": "removeDuplicates",
        "compare": "selectedFields",
        "fieldsToCompare": fields("city"),
    }
    assert [r["id"] for r in run_node(ItemLists(), dedupe, PEOPLE, type_version=2)[0]] == [
        1,
        2,
        4,
        5,
    ]
    sort = {
        "operation": "sort",
        "sortFieldsUi": {"sortField": [{"fieldName": "age", "order": "descending"}]},
    }
    assert [r["age"] for r in run_node(ItemLists(), sort, PEOPLE, type_version=3)[0]][:2] == [
        72,
        45,
    ]
    limit = {"operation": "limit", "maxItems": 2, "keep": "lastItems"}
    assert [r["id"] for r in run_node(ItemLists(), limit, PEOPLE, type_version=3.1)[0]] == [5, 6]
    summ = {
        "operation": "summarize",
        "fieldsToSummarize": {"values": [{"aggregation": "sum", "field": "age"}]},
    }
    assert run_node(ItemLists(), summ, PEOPLE, type_version=3.1)[0] == [{"sum_age": 259}]


def test_summarize_checks_fields_before_version_3_only() -> None:
    summ = {
        "operation": "summarize",
        "fieldsToSummarize": {"values": [{"aggregation": "sum", "field": "nope"}]},
    }
    with pytest.raises(NodeExecutionError, match="The field 'nope' does not exist in any items"):
        run_node(ItemLists(), summ, PEOPLE, type_version=2)
    assert run_node(ItemLists(), summ, PEOPLE, type_version=3) == [[{"sum_nope": 0}]]


def test_delegation_picks_node_versions() -> None:
    node, version, _ = delegate_for("removeDuplicates", 3.1, {})
    assert isinstance(node, RemoveDuplicates) and version == 1.1
    node, _, params = delegate_for("summarize", 3, {"options": {"x": 1}})
    assert isinstance(node, Summarize) and params["options"] == {
        "x": 1,
        "continueIfFieldNotFound": True,
    }


def test_errors_name_the_node_and_empty_input_passes() -> None:
    with pytest.raises(
        NodeExecutionError, match=r"node 'Node': The operation \"nope\" is not supported"
    ):
        run_node(ItemLists(), {"operation": "nope"}, PEOPLE)
    with pytest.raises(NodeExecutionError, match="No sorting specified"):
        run_node(ItemLists(), {"operation": "sort"}, PEOPLE, type_version=3)
    assert run_node(ItemLists(), {"operation": "limit", "maxItems": 1}, []) == [[]]


def test_item_lists_in_a_workflow() -> None:
    result = run_single(PEOPLE, "itemLists", 3.1, {"operation": "limit", "maxItems": 1})
    assert result["runData"]["Node"][0]["outputs"][0] == [PEOPLE[0]]

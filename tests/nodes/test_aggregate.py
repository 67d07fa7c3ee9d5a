"""Aggregate: individual fields (typed and row paths) and all item data."""

from __future__ import annotations

import pytest
from helpers_agg import PEOPLE, FakeContext, run_node, run_single

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.aggregate import Aggregate


def fields(*specs: str | dict[str, object]) -> dict[str, object]:
    return {
        "fieldToAggregate": [{"fieldToAggregate": s} if isinstance(s, str) else s for s in specs]
    }


MIXED = [
    {"n": 3, "e": "a", "l": [1, None], "i": {"t": "x"}},
    {"n": None, "e": None, "l": []},
    {"e": "", "l": [2], "i": {"t": "y"}},
]


def test_individual_fields_typed_and_renamed() -> None:
    params = {
        "fieldsToAggregate": fields(
            "name", {"fieldToAggregate": "age", "renameField": True, "outputFieldName": "ages"}
        )
    }
    out = run_node(Aggregate(), params, PEOPLE)[0]
    assert out == [
        {
            "name": ["Ada", "Grace", "alan", "Edsger", "Barbara", "Ken"],
            "ages": [36, 45, 41, 72, 29, 36],
        }
    ]


def test_merge_lists_flattens_list_fields() -> None:
    params = {"fieldsToAggregate": fields("tags"), "options": {"mergeLists": True}}
    out = run_node(Aggregate(), params, PEOPLE)[0]
    assert out == [{"tags": ["math", "code", "navy", "algo", "ds", "unix"]}]


def test_missing_and_null_values_dropped_unless_keep_missing() -> None:
    params = {"fieldsToAggregate": fields("n", "e", "l", "i.t")}
    assert run_node(Aggregate(), params, MIXED)[0] == [
        {"n": [3], "e": ["a", ""], "l": [[1], [], [2]], "t": ["x", "y"]}
    ]
    params["options"] = {"keepMissing": True}
    assert run_node(Aggregate(), params, MIXED)[0] == [
        {
            "n": [3, None, None],
            "e": ["a", None, ""],
            "l": [[1, None], [], [2]],
            "t": ["x", None, "y"],
        }
    ]


def test_dotted_output_name_is_nested_with_lodash_set() -> None:
    spec = {"fieldToAggregate": "i.t", "renameField": True, "outputFieldName": "out.ts"}
    out = run_node(Aggregate(), {"fieldsToAggregate": fields(spec)}, MIXED)[0]
    assert out == [{"out": {"ts": ["x", "y"]}}]


def test_output_field_used_twice_is_an_error() -> None:
    spec = {"fieldToAggregate": "city", "renameField": True, "outputFieldName": "name"}
    with pytest.raises(NodeExecutionError, match="'name' output field is used more than once"):
        run_node(Aggregate(), {"fieldsToAggregate": fields("name", spec)}, PEOPLE)


def test_all_item_data_typed_and_filtered() -> None:
    params = {"aggregate": "aggregateAllItemData", "destinationFieldName": "all"}
    assert run_node(Aggregate(), params, PEOPLE)[0] == [{"all": PEOPLE}]
    params = {
        "aggregate": "aggregateAllItemData",
        "include": "specifiedFields",
        "fieldsToInclude": "n, i",
    }
    # an item left empty by the filter is dropped, as n8n does
    assert run_node(Aggregate(), params, MIXED)[0] == [
        {"data": [{"n": 3, "i": {"t": "x"}}, {"n": None}, {"i": {"t": "y"}}]}
    ]
    params = {
        "aggregate": "aggregateAllItemData",
        "include": "allFieldsExcept",
        "fieldsToExclude": "l, i, e",
    }
    assert run_node(Aggregate(), params, MIXED)[0] == [{"data": [{"n": 3}, {"n": None}]}]


def test_output_is_one_unpaired_item_and_binaries_merge() -> None:
    batch = ItemBatch.from_json(
        [{"a": 1}, {"a": 2}],
        binary=[{"file": {"mimeType": "text/plain"}}, {"file": {"mimeType": "text/csv"}}],
    )
    ctx = FakeContext({"fieldsToAggregate": fields("a"), "options": {"includeBinaries": True}})
    out = Aggregate().run(ctx, [batch])[0]
    assert out.to_json() == [{"a": [1, 2]}]
    assert out.paired is not None and out.paired.to_pylist() == [None]
    assert out.binary == [{"file": {"mimeType": "text/plain"}, "file_1": {"mimeType": "text/csv"}}]


def test_aggregate_in_a_workflow() -> None:
    result = run_single(PEOPLE, "aggregate", 1, {"fieldsToAggregate": fields("city")})
    assert result["runData"]["Node"][0]["outputs"][0] == [
        {"city": ["London", "New York", "London", "Austin", "Boston", "New York"]}
    ]

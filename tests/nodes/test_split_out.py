"""Split Out: lists, objects, primitives, include modes, the whole-column fast path."""

from __future__ import annotations

import pytest
from helpers_agg import PEOPLE, FakeContext, run_node, run_single

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.split_out import SplitOut


def test_list_of_objects_becomes_items_typed_fast_path() -> None:
    batch = ItemBatch.from_json([{"rows": PEOPLE[:3]}, {"rows": PEOPLE[3:]}])
    out = SplitOut().run(FakeContext({"fieldToSplitOut": "rows"}), [batch])[0]
    assert out.to_json() == PEOPLE
    assert out.paired is not None and out.paired.to_pylist() == [0, 0, 0, 1, 1, 1]
    assert out.typed_column("age") is not None


def test_ragged_objects_take_the_row_path() -> None:
    rows = [{"rows": [{"a": 1}, {"b": "x"}, 5, None]}]
    out = run_node(SplitOut(), {"fieldToSplitOut": "rows"}, rows)[0]
    assert out == [{"a": 1}, {"b": "x"}, {"rows": 5}, {"rows": None}]


def test_all_other_fields_puts_elements_under_the_field() -> None:
    params = {"fieldToSplitOut": "tags", "include": "allOtherFields"}
    out = run_node(SplitOut(), params, PEOPLE[:2])[0]
    assert [(r["name"], r["tags"]) for r in out] == [
        ("Ada", "math"),
        ("Ada", "code"),
        ("Grace", "navy"),
    ]
    assert out[0]["city"] == "London"


def test_selected_other_fields_and_destination() -> None:
    params = {
        "fieldToSplitOut": "tags",
        "include": "selectedOtherFields",
        "fieldsToInclude": "name, nope",
        "options": {"destinationFieldName": "tag"},
    }
    out = run_node(SplitOut(), params, PEOPLE[:2])[0]
    assert out == [
        {"tag": "math", "name": "Ada"},
        {"tag": "code", "name": "Ada"},
        {"tag": "navy", "name": "Grace"},
    ]


def test_object_field_splits_into_its_values_and_missing_gives_nothing() -> None:
    rows = [{"o": {"x": 1, "y": 2}}, {"p": 1}, {"o": "solo"}]
    out = run_node(SplitOut(), {"fieldToSplitOut": "o"}, rows)[0]
    assert out == [{"o": 1}, {"o": 2}, {"o": "solo"}]


def test_several_fields_zip_by_position() -> None:
    rows = [{"a": [1, 2, 3], "b": ["x", "y"], "c": 0}]
    params = {
        "fieldToSplitOut": "a, b",
        "include": "allOtherFields",
        "options": {"destinationFieldName": "aa, bb"},
    }
    out = run_node(SplitOut(), params, rows)[0]
    assert out == [
        {"c": 0, "aa": 1, "bb": "x"},
        {"c": 0, "aa": 2, "bb": "y"},
        {"c": 0, "aa": 3},
    ]


def test_destination_count_mismatch_is_an_error() -> None:
    params = {"fieldToSplitOut": "a, b", "options": {"destinationFieldName": "x"}}
    with pytest.raises(NodeExecutionError, match="same number of destination fields"):
        run_node(SplitOut(), params, [{"a": [1], "b": [2]}])


def test_split_out_in_a_workflow_nested_path() -> None:
    rows = [{"o": {"list": [1, 2]}}, {"o": {"list": [3]}}]
    result = run_single(rows, "splitOut", 1, {"fieldToSplitOut": "o.list"})
    assert result["runData"]["Node"][0]["outputs"][0] == [
        {"o.list": 1},
        {"o.list": 2},
        {"o.list": 3},
    ]

"""Remove Duplicates: compare modes, validation errors, typed fast path vs row path."""

from __future__ import annotations

import pytest
from helpers_agg import PEOPLE, FakeContext, run_node, run_single

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.remove_duplicates import RemoveDuplicates, flatten_keys

DUPS = [
    {"a": 1, "b": "x", "c": True},
    {"a": 1, "b": "x", "c": False},
    {"a": 2, "b": "y", "c": True},
    {"a": 1, "b": "x", "c": True},
    {"a": 2, "b": "Y", "c": True},
]


def test_all_fields_keeps_first_of_each() -> None:
    out = run_node(RemoveDuplicates(), {}, DUPS, type_version=2)[0]
    assert out == [DUPS[0], DUPS[1], DUPS[2], DUPS[4]]


def test_selected_fields_and_pairing() -> None:
    batch = ItemBatch.from_json(DUPS)
    params = {"compare": "selectedFields", "fieldsToCompare": "a, b"}
    out = RemoveDuplicates().run(FakeContext(params, type_version=2), [batch])[0]
    assert out.to_json() == [DUPS[0], DUPS[2], DUPS[4]]
    assert out.paired is not None and out.paired.to_pylist() == [0, 2, 4]


def test_all_fields_except_with_remove_other_fields() -> None:
    params = {
        "compare": "allFieldsExcept",
        "fieldsToExclude": "c",
        "options": {"removeOtherFields": True},
    }
    out = run_node(RemoveDuplicates(), params, DUPS, type_version=2)[0]
    assert out == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}, {"a": 2, "b": "Y"}]


def test_row_path_matches_fast_path_on_json_encoded_columns() -> None:
    rows = [*DUPS, {"a": 1.5, "b": "x", "c": True}, {"a": 1, "b": "x", "c": True}]
    fast = run_node(RemoveDuplicates(), {}, rows, type_version=2)[0]
    # a column mixing ints and floats is JSON-encoded, so this one takes the row path
    assert fast == [rows[0], rows[1], rows[2], rows[4], rows[5]]


def test_nested_selected_field_dot_notation() -> None:
    rows = [{"i": {"t": "x"}, "n": 1}, {"i": {"t": "y"}, "n": 2}, {"i": {"t": "x"}, "n": 3}]
    params = {
        "compare": "selectedFields",
        "fieldsToCompare": "i.t",
        "options": {"removeOtherFields": True},
    }
    assert run_node(RemoveDuplicates(), params, rows, type_version=2)[0] == [
        {"i": {"t": "x"}},
        {"i": {"t": "y"}},
    ]


def test_missing_field_and_mixed_types_are_errors() -> None:
    with pytest.raises(NodeExecutionError, match=r"'tags\.0' field is missing"):
        run_node(RemoveDuplicates(), {}, PEOPLE, type_version=2)
    params = {"compare": "selectedFields", "fieldsToCompare": "v"}
    with pytest.raises(NodeExecutionError, match="'v' isn't always the same type"):
        run_node(RemoveDuplicates(), params, [{"v": 1}, {"v": "1"}], type_version=2)


def test_null_is_tolerated_after_version_1() -> None:
    rows = [{"v": 1}, {"v": None}, {"v": None}]
    params = {"compare": "selectedFields", "fieldsToCompare": "v"}
    assert run_node(RemoveDuplicates(), params, rows, type_version=2)[0] == rows[:2]
    with pytest.raises(NodeExecutionError, match="isn't always the same type"):
        run_node(RemoveDuplicates(), params, rows, type_version=1)


def test_flatten_keys_drops_empty_containers() -> None:
    assert flatten_keys({"a": {"b": 1, "c": []}, "d": [1, {"e": 2}]}) == ["a.b", "d.0", "d.1.e"]


def test_remove_duplicates_in_a_workflow() -> None:
    result = run_single(
        DUPS, "removeDuplicates", 2, {"compare": "selectedFields", "fieldsToCompare": "b"}
    )
    assert [r["b"] for r in result["runData"]["Node"][0]["outputs"][0]] == ["x", "y", "Y"]

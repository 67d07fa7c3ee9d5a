"""Merge 3.x: append, combine by fields / position / all, choose branch, lodash merging."""

from __future__ import annotations

from typing import Any

import pytest
from helpers_agg import PEOPLE
from helpers_agg import FakeContext as _FakeContext
from helpers_agg import run_node as _run_node

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.merge import Merge, fuzzy_equal, input_count, select_merge

V3 = 3.2  # this file tests Merge 3.x; Merge 1/2 are in test_merge_v1.py


def FakeContext(parameters: Any = None, **kw: Any) -> Any:
    return _FakeContext(parameters, **{"type_version": V3, **kw})


def run_node(node: Any, parameters: Any, *inputs: Any, **kw: Any) -> list[list[dict[str, Any]]]:
    return _run_node(node, parameters, *inputs, **{"type_version": V3, **kw})


ORDERS = [
    {"orderId": "A1", "id": 1, "total": 120.0},
    {"orderId": "A2", "id": 2, "total": 15.5},
    {"orderId": "A3", "id": 1, "total": 42.0},
    {"orderId": "A4", "id": 9, "total": 7.25},
]


def combine(**kw: Any) -> dict[str, Any]:
    return {"mode": "combine", "fieldsToMatchString": "id", **kw}


def ids(rows: list[dict[str, Any]], key: str = "orderId") -> list[Any]:
    return [r.get(key) for r in rows]


def test_append_pairs_each_item_to_its_input_port() -> None:
    a, b = ItemBatch.from_json(PEOPLE[:2]), ItemBatch.from_json(ORDERS[:1])
    out = Merge().run(FakeContext({}), [a, b])[0]
    assert out.to_json() == [*PEOPLE[:2], *ORDERS[:1]]
    assert out.paired is not None and out.paired.to_pylist() == [0, 1, 0]
    assert out.paired_input is not None and out.paired_input.to_pylist() == [0, 0, 1]


def test_input_count_follows_number_inputs_where_shown() -> None:
    assert input_count({}) == 2
    assert input_count({"numberInputs": 4}) == 4
    assert input_count({"mode": "combine", "combineBy": "combineByFields", "numberInputs": 4}) == 2
    assert (
        input_count({"mode": "combine", "combineBy": "combineByPosition", "numberInputs": 3}) == 3
    )


def test_inner_join_order_is_input1_then_its_matches() -> None:
    out = run_node(Merge(), combine(), PEOPLE, ORDERS)[0]
    assert [(r["name"], r["orderId"]) for r in out] == [
        ("Ada", "A1"),
        ("Ada", "A3"),
        ("Grace", "A2"),
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (combine(outputDataFrom="input1"), [1, 2]),
        (combine(outputDataFrom="input2"), ["A1", "A2", "A3"]),
        (combine(options={"multipleMatches": "first"}), ["A1", "A2"]),
        (combine(joinMode="keepNonMatches", outputDataFrom="input2"), ["A4"]),
        (combine(joinMode="enrichInput2"), ["A1", "A3", "A2", "A4"]),
    ],
)
def test_join_modes(params: dict[str, Any], expected: list[Any]) -> None:
    out = run_node(Merge(), params, PEOPLE, ORDERS)[0]
    key = "id" if params.get("outputDataFrom") == "input1" else "orderId"
    assert ids(out, key) == expected


def test_keep_non_matches_both_tags_source() -> None:
    out = run_node(Merge(), combine(joinMode="keepNonMatches"), PEOPLE, ORDERS)[0]
    assert [(r["id"], r["_source"]) for r in out] == [
        (3, "input1"),
        (4, "input1"),
        (5, "input1"),
        (6, "input1"),
        (9, "input2"),
    ]


def test_keep_everything_with_suffix() -> None:
    clash = {"clashHandling": {"values": {"resolveClash": "addSuffix"}}}
    out = run_node(Merge(), combine(joinMode="keepEverything", options=clash), PEOPLE[:3], ORDERS)[
        0
    ]
    assert out[0]["name_1"] == "Ada" and out[0]["orderId_2"] == "A1"
    assert out[-1] == {"orderId_2": "A4", "id_2": 9, "total_2": 7.25}
    assert len(out) == 3 + 1 + 1  # two Ada matches, Grace, alan unmatched, A4 unmatched


def test_empty_input_behaviour() -> None:
    assert run_node(Merge(), combine(), PEOPLE, [])[0] == []
    assert run_node(Merge(), combine(joinMode="enrichInput1"), PEOPLE[:1], [])[0] == PEOPLE[:1]
    assert run_node(Merge(), combine(joinMode="keepEverything"), [], ORDERS[:1])[0] == ORDERS[:1]


def test_fields_to_match_required() -> None:
    with pytest.raises(NodeExecutionError, match="at least one pair of fields"):
        run_node(Merge(), combine(fieldsToMatchString=""), PEOPLE, ORDERS)


def test_fuzzy_compare() -> None:
    assert fuzzy_equal(1, "1") and fuzzy_equal(True, "true") and fuzzy_equal(None, "")
    assert not fuzzy_equal(1, "2")
    rows2 = [{"personId": "1", "x": 1}]
    params = {
        "mode": "combine",
        "advanced": True,
        "mergeByFields": {"values": [{"field1": "id", "field2": "personId"}]},
        "options": {"fuzzyCompare": True},
    }
    assert len(run_node(Merge(), params, PEOPLE, rows2)[0]) == 1
    params["options"] = {}
    assert run_node(Merge(), params, PEOPLE, rows2)[0] == []


def test_lodash_merge_semantics() -> None:
    deep = select_merge({})
    assert deep({"a": {"x": 1, "l": [1, 2, 3]}}, {"a": {"y": 2, "l": [9]}}) == {
        "a": {"x": 1, "y": 2, "l": [9, 2, 3]}
    }
    minimize = select_merge({"mergeMode": "deepMerge", "overrideEmpty": True})
    assert minimize({"e": "keep", "n": 1}, {"e": "", "n": None, "m": None}) == {
        "e": "keep",
        "n": 1,
        "m": None,
    }
    shallow = select_merge({"mergeMode": "shallowMerge"})
    assert shallow({"a": {"x": 1}}, {"a": {"y": 2}}) == {"a": {"y": 2}}


def test_combine_by_position_and_unpaired() -> None:
    params = {"mode": "combine", "combineBy": "combineByPosition"}
    out = run_node(Merge(), params, PEOPLE, ORDERS)[0]
    assert len(out) == 4 and out[0]["orderId"] == "A1" and out[0]["name"] == "Ada"
    params["options"] = {
        "includeUnpaired": True,
        "clashHandling": {"values": {"resolveClash": "preferInput1"}},
    }
    out = run_node(Merge(), params, PEOPLE, ORDERS)[0]
    assert len(out) == 6 and out[1]["id"] == 2 and out[5] == PEOPLE[5]


def test_combine_all_cross_join_order() -> None:
    params = {"mode": "combine", "combineBy": "combineAll"}
    out = run_node(Merge(), params, PEOPLE[:2], ORDERS[:2])[0]
    assert [(r["name"], r["orderId"]) for r in out] == [
        ("Ada", "A1"),
        ("Ada", "A2"),
        ("Grace", "A1"),
        ("Grace", "A2"),
    ]


def test_choose_branch() -> None:
    assert (
        run_node(Merge(), {"mode": "chooseBranch", "useDataOfInput": 2}, PEOPLE, ORDERS)[0]
        == ORDERS
    )
    assert run_node(Merge(), {"mode": "chooseBranch", "output": "empty"}, PEOPLE, ORDERS)[0] == [{}]
    # n8n needs data on both inputs in this mode
    assert run_node(Merge(), {"mode": "chooseBranch"}, PEOPLE, [])[0] == []


def test_sql_mode_is_refused_clearly() -> None:
    with pytest.raises(NodeExecutionError, match="not supported"):
        run_node(Merge(), {"mode": "combineBySql"}, PEOPLE, ORDERS)

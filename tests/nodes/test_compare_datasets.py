"""Compare Datasets: the four outputs, resolve modes, fuzzy compare, skipped fields, errors."""

from __future__ import annotations

from typing import Any

import pytest
from helpers_agg import run_node

from hetumind.engine import run_workflow
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.compare_datasets import CompareDatasets, entries_equal
from tests.engine.workflows import data, node, split, start, workflow
from tests.nodes.context import node_context

A: list[dict[str, Any]] = [
    {"id": 1, "name": "Ada", "city": "London"},
    {"id": 2, "name": "Grace", "city": "New York"},
    {"id": 3, "name": "Alan", "city": "London"},
]
B: list[dict[str, Any]] = [
    {"id": 1, "name": "Ada", "city": "London"},
    {"id": 2, "name": "Grace", "city": "Boston"},
    {"id": "3", "name": "Alan", "city": "London"},
    {"id": 5, "name": "Barbara", "city": "Boston"},
]
BY_ID = {"mergeByFields": {"values": [{"field1": "id", "field2": "id"}]}}


def compare(
    params: dict[str, Any], a: list[Any] = A, b: list[Any] = B, version: float = 2.3
) -> list[list[Any]]:
    return run_node(CompareDatasets(), {**BY_ID, **params}, a, b, type_version=version)


def test_four_outputs_with_include_both_default() -> None:
    only_a, same, different, only_b = compare({})
    assert only_a == [A[2]] and only_b == [B[2], B[3]] and same == [A[0]]
    assert different == [
        {
            "keys": {"id": 2},
            "same": {"id": 2, "name": "Grace"},
            "different": {"city": {"inputA": "New York", "inputB": "Boston"}},
        }
    ]


def test_version_1_defaults_to_input_b_and_names_inputs_1_and_2() -> None:
    assert compare({}, version=1)[2] == [B[1]]
    diff = compare({"resolve": "includeBoth"}, version=1)[2][0]["different"]
    assert diff == {"city": {"input1": "New York", "input2": "Boston"}}


def test_prefer_input_a_and_mix() -> None:
    assert compare({"resolve": "preferInput1"})[2] == [A[1]]
    mixed = compare({"resolve": "mix", "preferWhenMix": "input1", "exceptWhenMix": "city"})[2]
    assert mixed == [{"id": 2, "name": "Grace", "city": "Boston"}]


def test_fuzzy_compare_matches_number_and_string() -> None:
    only_a, same, _, only_b = compare({"fuzzyCompare": True})
    assert only_a == [] and same == [A[0], A[2]] and only_b == [B[3]]
    # from version 2 fuzzy null also equals 0 and "0"
    assert entries_equal(True, 2)(None, 0) and not entries_equal(True, 1)(None, 0)
    assert entries_equal(True, 2)("true", True) and not entries_equal(False, 2)(1, "1")


def test_all_matches_compares_every_pair() -> None:
    b = [*B, {"id": 2, "name": "Grace", "city": "New York"}]
    _, same, different, _ = compare({"options": {"multipleMatches": "all"}}, b=b)
    assert same == [A[0], A[1]] and len(different) == 1
    assert compare({}, b=b)[1] == [A[0]]


def test_skip_fields_top_level_and_nested() -> None:
    assert compare({"options": {"skipFields": "city"}})[1] == [A[0], A[1]]
    a = [{"k": 1, "info": {"a": 1, "ts": 5}}, {"k": 2, "info": {"a": 2, "ts": 6}}]
    b = [{"k": 1, "info": {"a": 1, "ts": 9}}, {"k": 2, "info": {"a": 3, "ts": 6}}]
    params = {"mergeByFields": {"values": [{"field1": "k", "field2": "k"}]}}
    out = run_node(
        CompareDatasets(), {**params, "options": {"skipFields": "info.ts"}}, a, b, type_version=2.3
    )
    assert out[1] == [a[0]]
    assert out[2][0]["different"] == {"info": {"inputA": {"a": 2}, "inputB": {"a": 3}}}
    assert out[2][0]["skipped"] == {"info": {"inputA": {"ts": 6}, "inputB": {"ts": 6}}}


def test_empty_items_are_dropped_and_one_empty_input_is_fine() -> None:
    only_a, same, different, only_b = compare({}, a=[{}, *A], b=[])
    assert only_a == A and same == different == only_b == []


def test_errors_name_the_node() -> None:
    with pytest.raises(NodeExecutionError, match="at least one pair of fields"):
        run_node(CompareDatasets(), {}, A, B, type_version=2.3)
    with pytest.raises(NodeExecutionError, match="field 1 = 'id' field 2 = ''"):
        run_node(CompareDatasets(), {"mergeByFields": {"values": [{"field1": "id"}]}}, A, B)
    missing = {"mergeByFields": {"values": [{"field1": "nope", "field2": "id"}]}}
    with pytest.raises(
        NodeExecutionError, match=r"node 'Node'.*'nope' is not present in any of items in 'Input A'"
    ):
        run_node(CompareDatasets(), missing, A, B, type_version=2.1)
    assert run_node(CompareDatasets(), missing, A, B, type_version=2.3)[0] == A
    dotted = {**BY_ID, "options": {"disableDotNotation": True, "skipFields": "a.b"}}
    with pytest.raises(NodeExecutionError, match=r"field to skip comparing 'a\.b' contains dot"):
        run_node(CompareDatasets(), dotted, A, B)


def test_pairing_points_into_the_right_input() -> None:
    a, b = ItemBatch.from_json(A), ItemBatch.from_json(B)
    outs = CompareDatasets().run(node_context(BY_ID, [a, b], version=2.3), [a, b])
    assert outs[3].paired is not None and outs[3].paired.to_pylist() == [2, 3]
    assert outs[3].paired_input is not None and outs[3].paired_input.to_pylist() == [1, 1]


def _workflow() -> dict[str, Any]:
    nodes = [
        start(),
        data("DA", A),
        data("DB", B),
        split("IA"),
        split("IB"),
        node("Compare", "compareDatasets", 2.3, parameters=BY_ID),
    ]
    edges = [
        ("Start", 0, "DA", 0),
        ("Start", 0, "DB", 0),
        ("DA", 0, "IA", 0),
        ("DB", 0, "IB", 0),
        ("IA", 0, "Compare", 0),
        ("IB", 0, "Compare", 1),
    ]
    return workflow(nodes, edges, settings={"executionOrder": "v1"})


def test_waits_for_both_inputs_on_every_backend(backend: str) -> None:
    result = run_workflow(_workflow(), backend=backend).to_json()
    runs = result["runData"]["Compare"]
    assert len(runs) == 1
    assert [len(o) for o in runs[0]["outputs"]] == [1, 1, 1, 2]

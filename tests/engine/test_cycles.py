"""Cycles run as n8n runs them (any cycle, not only Loop Over Items), under a per-node run
limit that fails clearly; long chains and repeated edges neither recurse nor multiply."""

from __future__ import annotations

from typing import Any

import pytest

from hetumind.engine import run_workflow
from hetumind.engine.order import DEFAULT_RUN_LIMIT, run_limit
from tests.engine.workflows import assign, chain, condition, node, start, workflow


def outputs(result: Any, name: str) -> list[list[dict[str, Any]]]:
    """Items of output 0 of each run of `name`."""
    return [run["outputs"][0] for run in result.to_json()["runData"][name]]


def counter_loop(until: int, **settings: Any) -> dict[str, Any]:
    """Count -> More? -> back to Count while n < until, then Done."""
    return workflow(
        [
            start(),
            assign("Count", {"n": ("number", "={{ $runIndex }}")}),
            node("More", "if", 2.2, parameters=condition("={{ $json.n }}", "lt", until)),
            node("Done", "noOp"),
        ],
        [
            ("Start", 0, "Count", 0),
            ("Count", 0, "More", 0),
            ("More", 0, "Count", 0),
            ("More", 1, "Done", 0),
        ],
        settings={"executionOrder": "v1", **settings},
    )


def test_a_loop_without_a_loop_node_runs_until_its_condition_ends_it(backend: str) -> None:
    result = run_workflow(counter_loop(3), backend=backend)
    assert result.status == "success"
    assert outputs(result, "Count") == [[{"n": 0}], [{"n": 1}], [{"n": 2}], [{"n": 3}]]
    assert outputs(result, "Done") == [[{"n": 3}]]


def test_a_polling_loop_through_wait_runs(backend: str) -> None:
    """Wait -> Poll -> Ready? -> back to Wait: the shape of 19 public workflows."""
    wf = workflow(
        [
            start(),
            node("Wait", "wait", 1.1, parameters={"amount": 0}),
            assign("Poll", {"attempt": ("number", "={{ $runIndex + 1 }}")}),
            node("Ready", "if", 2.2, parameters=condition("={{ $json.attempt }}", "lt", 3)),
            node("Handle", "noOp"),
        ],
        [
            *chain("Start", "Wait", "Poll", "Ready"),
            ("Ready", 0, "Wait", 0),
            ("Ready", 1, "Handle", 0),
        ],
        settings={"executionOrder": "v1"},
    )
    result = run_workflow(wf, backend=backend)
    assert result.status == "success"
    assert len(result.to_json()["runData"]["Wait"]) == 3
    assert outputs(result, "Handle") == [[{"attempt": 3}]]


def test_a_loop_that_never_ends_fails_naming_the_node_and_the_limit(backend: str) -> None:
    result = run_workflow(counter_loop(10**9, maxRunsPerNode=25), backend=backend)
    assert result.status == "error"
    error = result.to_json()["error"]
    assert error["node"] in ("Count", "More")
    assert "limit of 25 runs" in error["message"] and error["node"] in error["message"]
    assert len(result.to_json()["runData"]["Count"]) == 25


def test_the_run_limit_setting_falls_back_to_the_default_when_malformed() -> None:
    assert DEFAULT_RUN_LIMIT == 10_000
    for bad in ("not a number", 0, -5, True, None):
        assert run_limit({"maxRunsPerNode": bad}) == DEFAULT_RUN_LIMIT
    assert run_limit({"maxRunsPerNode": 3}) == 3


def test_a_chain_of_5000_nodes_validates_and_runs_without_recursion() -> None:
    names = [f"N{i}" for i in range(5000)]
    wf = workflow([start(), *(node(n, "noOp") for n in names)], chain("Start", *names))
    result = run_workflow(wf)
    assert result.status == "success"
    assert result.last_node_executed == "N4999"


@pytest.mark.parametrize("fuse", [True, False])
def test_one_edge_written_5000_times_runs_its_node_once(fuse: bool) -> None:
    wf = workflow([start(), node("Once", "noOp")], [("Start", 0, "Once", 0)] * 5000)
    result = run_workflow(wf, fuse=fuse)
    assert result.status == "success"
    assert len(result.to_json()["runData"]["Once"]) == 1


def test_distinct_connections_to_two_inputs_both_count() -> None:
    """Only identical copies collapse: one output into both inputs of a Merge is two edges."""
    wf = workflow(
        [start(), node("Both", "merge", 3.2)],
        [("Start", 0, "Both", 0), ("Start", 0, "Both", 1), ("Start", 0, "Both", 1)],
    )
    result = run_workflow(wf)
    assert result.status == "success"
    assert outputs(result, "Both") == [[{}, {}]]

"""settings.executionOrder: v0 keeps its own rules (engine/order.py), v1 is the default.
Each case mirrors a conformance case recorded from n8n 1.123 (tests/conformance/cases/load_v*)."""

from __future__ import annotations

from typing import Any

from hetumind.engine import run_workflow
from tests.engine.workflows import condition, data, node, start, workflow


def orphan_parent(order: str | None) -> dict[str, Any]:
    """Start -> A -> Both[0]; Orphan (no input) -> Both[1]."""
    settings = {} if order is None else {"executionOrder": order}
    return workflow(
        [start(), data("A", [{"a": 1}]), data("Orphan", [{"o": 1}]), node("Both", "merge", 3.2)],
        [("Start", 0, "A", 0), ("A", 0, "Both", 0), ("Orphan", 0, "Both", 1)],
        settings=settings,
    )


def run_data(wf: dict[str, Any], backend: str = "inline") -> dict[str, Any]:
    result = run_workflow(wf, backend=backend).to_json()
    assert result["status"] == "success", result["error"]
    run: dict[str, Any] = result["runData"]
    return run


def test_v0_starts_a_parent_that_has_no_input_with_an_empty_item(backend: str) -> None:
    runs = run_data(orphan_parent("v0"), backend)
    assert runs["Orphan"][0]["outputs"][0] == [{"rows": [{"o": 1}]}]
    assert runs["Both"][0]["outputs"][0] == [{"rows": [{"a": 1}]}, {"rows": [{"o": 1}]}]


def test_v1_never_runs_a_node_that_receives_nothing(backend: str) -> None:
    runs = run_data(orphan_parent("v1"), backend)
    assert "Orphan" not in runs
    assert runs["Both"][0]["outputs"][0] == [{"rows": [{"a": 1}]}]


def test_without_the_setting_the_order_is_v1() -> None:
    """n8n runs such a workflow as v0; Hetumind as v1 (docs/compatibility.md)."""
    assert "Orphan" not in run_data(orphan_parent(None))


def empty_second_input(order: str) -> dict[str, Any]:
    """Data -> Both[0]; Data -> Never (If that sends nothing to true) -> Both[1]."""
    return workflow(
        [
            start(),
            data("Data", [{"x": 1}]),
            node("Never", "if", 2.2, parameters=condition("={{ $json.rows.length }}", "lt", 0)),
            node(
                "Both",
                "merge",
                3.2,
                parameters={"mode": "chooseBranch", "chooseBranchMode": "waitForAll"},
            ),
        ],
        [
            ("Start", 0, "Data", 0),
            ("Data", 0, "Both", 0),
            ("Data", 0, "Never", 0),
            ("Never", 0, "Both", 1),
        ],
        settings={"executionOrder": order},
    )


def test_v0_delivers_an_empty_output_to_a_second_input(backend: str) -> None:
    """Merge 3.2's chooseBranch outputs nothing when an input is empty, but it runs; with
    Merge 2.1 it outputs input 1 (conformance case load_v0_empty_second_input)."""
    runs = run_data(empty_second_input("v0"), backend)
    assert len(runs["Both"]) == 1


def test_v1_does_not_run_a_node_waiting_for_both_inputs_when_one_is_empty(backend: str) -> None:
    assert "Both" not in run_data(empty_second_input("v1"), backend)


def test_v0_with_several_triggers_does_not_restart_what_already_ran() -> None:
    """A parent that ran already is not started again with an empty item."""
    wf = orphan_parent("v0")
    wf["connections"]["Start"]["main"][0].append({"node": "Orphan", "type": "main", "index": 0})
    runs = run_data(wf)
    assert len(runs["Orphan"]) == 1

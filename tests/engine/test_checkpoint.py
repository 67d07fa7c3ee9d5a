"""Continuing executions from stored node runs: restore instead of re-run, Wait parking and
resuming, partial runs from a node, and per-node timeouts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hetumind.engine import run_workflow
from hetumind.engine.checkpoint import RUNNING, StoredRun, checkpoint_from_json
from hetumind.engine.node_run import RunMeta
from hetumind.engine.plan import build_plan
from hetumind.workflow import parse_workflow
from tests.engine.workflows import assign, chain, data, node, split, start, workflow


def wait(name: str, **parameters: Any) -> dict[str, Any]:
    return node(name, "wait", 1.1, parameters=parameters)


def pipeline(*middle: dict[str, Any]) -> dict[str, Any]:
    """Start -> Data (3 rows) -> Split -> middle... -> Double (x * 2)."""
    nodes = [
        start(),
        data("Data", [{"x": 1}, {"x": 2}, {"x": 3}]),
        split("Split"),
        *middle,
        assign("Double", {"y": ("number", "={{ $json.x * 2 }}")}),
    ]
    return workflow(nodes, chain(*(n["name"] for n in nodes)))


def outputs(result: Any, name: str, run: int = -1) -> list[dict[str, Any]]:
    return list(result.outputs(name, run)[0])


def test_restored_runs_are_not_run_again(backend: str) -> None:
    wf = pipeline()
    first = run_workflow(wf, backend=backend).to_json()
    # Tamper with the stored items of Split: if it ran again, Double would see 1, 2, 3.
    first["runData"]["Split"][0]["outputs"] = [[{"json": {"x": 10}}, {"json": {"x": 20}}]]
    checkpoint = checkpoint_from_json(first, skip=frozenset({"Double"}))
    again = run_workflow(wf, backend=backend, checkpoint=checkpoint)
    assert again.status == "success"
    assert [i["y"] for i in outputs(again, "Double")] == [20, 40]
    assert [i["x"] for i in outputs(again, "Split")] == [10, 20]


def test_partial_run_from_a_node_reuses_its_parents(backend: str) -> None:
    wf = pipeline()
    first = run_workflow(wf, backend=backend).to_json()
    first["runData"]["Data"][0]["outputs"] = [[{"json": {"rows": [{"x": 7}]}}]]
    plan = build_plan(parse_workflow(wf))
    checkpoint = checkpoint_from_json(first, skip=plan.downstream("Split"))
    again = run_workflow(wf, backend=backend, checkpoint=checkpoint)
    # Split and Double ran again from Data's stored items.
    assert [i["y"] for i in outputs(again, "Double")] == [14]


def test_a_long_wait_parks_and_resumes_where_it_stopped(backend: str) -> None:
    wf = pipeline(wait("Wait", resume="timeInterval", amount=2, unit="hours"))
    before = datetime.now(UTC)
    parked = run_workflow(wf, backend=backend, park_waits=True)
    assert parked.status == "waiting"
    assert "Double" not in parked.run_data
    assert parked.wait_till is not None
    till = datetime.fromisoformat(parked.wait_till.replace("Z", "+00:00"))
    assert before + timedelta(hours=2) <= till <= datetime.now(UTC) + timedelta(hours=2)
    assert parked.to_json()["waitTill"] == parked.wait_till

    resumed = run_workflow(
        wf,
        backend=backend,
        park_waits=True,
        checkpoint=checkpoint_from_json(parked.to_json()),
    )
    assert resumed.status == "success"
    assert [i["y"] for i in outputs(resumed, "Double")] == [2, 4, 6]
    assert resumed.run_data["Wait"][0].meta.status == "success"


def test_a_webhook_wait_resumes_with_the_request_items(backend: str) -> None:
    wf = pipeline(wait("Wait", resume="webhook"))
    parked = run_workflow(wf, backend=backend, park_waits=True)
    assert parked.status == "waiting"
    assert parked.wait_till is None  # only its webhook wakes it
    checkpoint = checkpoint_from_json(parked.to_json())
    checkpoint.resume_items = {"Wait": [{"json": {"x": 50}}]}
    resumed = run_workflow(wf, backend=backend, park_waits=True, checkpoint=checkpoint)
    assert [i["y"] for i in outputs(resumed, "Double")] == [100]


def test_a_short_wait_sleeps_in_place() -> None:
    wf = pipeline(wait("Wait", resume="timeInterval", amount=0.05, unit="seconds"))
    result = run_workflow(wf, park_waits=True)
    assert result.status == "success"
    assert [i["y"] for i in outputs(result, "Double")] == [2, 4, 6]


def test_a_webhook_wait_without_the_server_fails_clearly() -> None:
    result = run_workflow(pipeline(wait("Wait", resume="webhook")))
    assert result.status == "error"
    assert "needs the server" in result.run_data["Wait"][0].meta.error["message"]


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"resume": "timeInterval", "amount": -1, "unit": "seconds"}, "invalid wait amount"),
        ({"resume": "timeInterval", "amount": 1, "unit": "weeks"}, "invalid wait unit"),
        ({"resume": "specificTime", "dateTime": "next tuesday"}, "not a valid date"),
    ],
)
def test_bad_wait_parameters_name_the_parameter(parameters: dict[str, Any], message: str) -> None:
    result = run_workflow(pipeline(wait("Wait", **parameters)))
    error = result.run_data["Wait"][0].meta.error
    assert result.status == "error" and message in error["message"]
    assert error["node"] == "Wait"


def test_a_node_timeout_interrupts_the_node(backend: str) -> None:
    slow = wait("Slow", resume="timeInterval", amount=3, unit="seconds")
    slow["timeout"] = 0.5
    result = run_workflow(pipeline(slow), backend=backend)
    assert result.status == "error"
    error = result.run_data["Slow"][0].meta.error
    assert error["message"] == "node timed out after 0.5s" and error["node"] == "Slow"
    assert "Double" not in result.run_data


def test_a_node_timeout_is_validated() -> None:
    wf = pipeline()
    wf["nodes"][1]["timeout"] = -3
    with pytest.raises(Exception, match="timeout"):
        run_workflow(wf)


def test_a_side_effecting_run_in_flight_is_not_run_again(backend: str) -> None:
    wf = pipeline()
    first = run_workflow(wf, backend=backend).to_json()
    checkpoint = checkpoint_from_json(first, skip=frozenset({"Split", "Double"}))
    # What the recorder leaves when a side-effecting node started and its server died.
    checkpoint.add(StoredRun(RunMeta("Split", 0, RUNNING, "2026-01-01T00:00:00Z", 0.0, []), []))
    again = run_workflow(wf, backend=backend, checkpoint=checkpoint)
    assert again.status == "error"
    error = again.run_data["Split"][0].meta.error
    assert "was running when its server stopped" in error["message"]
    assert error["interrupted"] is True
    assert "Double" not in again.run_data

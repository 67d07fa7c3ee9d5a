"""The profile of an execution (hetumind.observability.profile) against its run data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hetumind.engine import build_plan, make_backend
from hetumind.engine.runtime import Coordinator
from hetumind.observability.profile import (
    RunSample,
    build_profile,
    main_connections,
    samples_from_result,
)
from hetumind.workflow import parse_workflow
from tests.engine.workflows import PEOPLE, chain, data, node, split, start, workflow

WAIT_SECONDS = 0.4


def _waiting_workflow() -> dict:
    return workflow(
        [
            start(),
            data("Data", PEOPLE),
            split("Split"),
            node(
                "Wait",
                "wait",
                1.1,
                parameters={"resume": "timeInterval", "amount": WAIT_SECONDS, "unit": "seconds"},
            ),
            node("Done", "noOp"),
        ],
        chain("Start", "Data", "Split", "Wait", "Done"),
    )


def test_rows_add_up_to_the_run_data_and_the_wait_dominates() -> None:
    plan = build_plan(parse_workflow(_waiting_workflow()))
    result = Coordinator(plan, make_backend("inline")).run()
    assert result.ok
    types = {name: p.node.type for name, p in plan.nodes.items()}
    profile = build_profile(samples_from_result(result, types), main_connections(plan.workflow))

    rows = {row.node: row for row in profile.rows}
    assert set(rows) == set(result.run_data)
    for name, runs in result.run_data.items():
        row = rows[name]
        assert row.runs == len(runs)
        assert row.total_ms == sum(r.meta.execution_time_ms for r in runs)
        assert row.items_out == sum(sum(r.meta.counts) for r in runs)
        assert row.type == types[name]
    assert rows["Split"].items_in == 1 and rows["Split"].items_out == 3
    assert rows["Wait"].items_in == 3 and rows["Done"].items_in == 3
    # the Wait is where the time went: first row, most of the wall time
    assert profile.rows[0].node == "Wait"
    assert rows["Wait"].share > 0.5
    assert rows["Wait"].total_ms > 2 * sum(r.total_ms for r in profile.rows[1:])
    assert sum(r.total_ms for r in profile.rows) <= profile.wall_ms * 1.01

    runs = [e for e in profile.events if e["ph"] == "X"]
    assert [e["name"] for e in runs] == ["Start", "Data", "Split", "Wait", "Done"]
    assert {e["tid"] for e in runs} == {1}  # one after another: one lane
    starts = [e["ts"] for e in runs]
    assert starts == sorted(starts) and starts[0] == 0
    for event in runs:
        assert event["dur"] == round(rows[event["name"]].total_ms * 1000, 1)
        assert event["args"]["status"] == "success"


def _at(ms: float) -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def test_overlapping_runs_get_lanes_and_items_follow_ports() -> None:
    samples = [
        RunSample("If", "if", 0, "success", _at(0), 10, (2, 3)),
        RunSample("Yes", "set", 0, "success", _at(10), 100, (2,)),
        RunSample("No", "set", 0, "success", _at(12), 50, (3,)),
        RunSample("No", "set", 1, "error", _at(70), 30, ()),
    ]
    connections = {"If": {"main": [[{"node": "Yes"}], [{"node": "No"}]]}}
    profile = build_profile(samples, connections, pid=7, process_name="wf")
    rows = {row.node: row for row in profile.rows}
    assert [r.node for r in profile.rows] == ["Yes", "No", "If"]
    assert rows["No"].runs == 2 and rows["No"].mean_ms == 40 and rows["No"].errors == 1
    assert rows["Yes"].items_in == 2 and rows["No"].items_in == 3
    assert profile.wall_ms == 110
    assert rows["Yes"].share == 100 / 110
    # Parallel branches add up past the wall time: shares are per node, not a partition.
    assert sum(r.share for r in profile.rows) > 1
    lanes = {(e["name"], e["args"]["runIndex"]): e["tid"] for e in profile.events if e["ph"] == "X"}
    assert lanes[("If", 0)] == lanes[("Yes", 0)] == 1
    assert lanes[("No", 0)] == 2  # it overlaps Yes
    assert lanes[("No", 1)] == 2  # its lane is free again by then
    meta = [e for e in profile.events if e["ph"] == "M"]
    assert {"process_name", "thread_name"} == {e["name"] for e in meta}
    assert all(e["pid"] == 7 for e in profile.events)
    assert profile.to_json()["nodes"][0]["node"] == "Yes"

"""n8n v1 execution semantics, the same on both backends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hetumind.engine import run_workflow
from tests.engine.workflows import (
    PEOPLE,
    assign,
    chain,
    condition,
    data,
    node,
    split,
    start,
    workflow,
)

BASE = [start(), data("Data", PEOPLE), split("Items")]
BASE_EDGES = chain("Start", "Data", "Items")


def run(doc: dict[str, Any], backend: str) -> dict[str, Any]:
    return run_workflow(doc, backend=backend).to_json()


def out(result: dict[str, Any], name: str, run: int = 0, port: int = 0) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = result["runData"][name][run]["outputs"][port]
    return items


def test_if_routes_and_only_branches_with_items_run(backend: str) -> None:
    doc = workflow(
        [
            *BASE,
            node("Old?", "if", 2.2, parameters=condition("={{ $json.age }}", "gt", 100)),
            node("Old", "noOp"),
            node("Young", "noOp"),
        ],
        [*BASE_EDGES, ("Items", 0, "Old?", 0), ("Old?", 0, "Old", 0), ("Old?", 1, "Young", 0)],
    )
    result = run(doc, backend)
    assert result["status"] == "success"
    assert "Old" not in result["runData"]  # no items on the true branch: n8n does not run it
    assert [i["name"] for i in out(result, "Young")] == ["Ada", "Grace", "Alan"]


def test_merge_waits_for_both_inputs(backend: str) -> None:
    doc = workflow(
        [
            *BASE,
            assign("A", {"src": ("string", "a")}),
            assign("B", {"src": ("string", "b")}),
            node("Both", "merge", 3.2),
        ],
        [
            *BASE_EDGES,
            ("Items", 0, "A", 0),
            ("Items", 0, "B", 0),
            ("A", 0, "Both", 0),
            ("B", 0, "Both", 1),
        ],
    )
    result = run(doc, backend)
    assert len(result["runData"]["Both"]) == 1
    assert [i["src"] for i in out(result, "Both")] == ["a"] * 3 + ["b"] * 3


def test_merge_runs_with_what_it_has_once_nothing_else_can_arrive(backend: str) -> None:
    doc = workflow(
        [
            *BASE,
            node("Never", "if", 2.2, parameters=condition("={{ $json.age }}", "gt", 100)),
            node("Both", "merge", 3.2),
        ],
        [*BASE_EDGES, ("Items", 0, "Never", 0), ("Never", 0, "Both", 0), ("Items", 0, "Both", 1)],
    )
    result = run(doc, backend)
    assert [i["name"] for i in out(result, "Both")] == ["Ada", "Grace", "Alan"]


def test_disabled_nodes_pass_items_through(backend: str) -> None:
    doc = workflow(
        [*BASE, assign("Skip", {"x": ("number", 1)}, disabled=True), node("End", "noOp")],
        [*BASE_EDGES, *chain("Items", "Skip", "End")],
    )
    assert out(run(doc, backend), "End") == PEOPLE


def test_execute_once_uses_only_the_first_item(backend: str) -> None:
    doc = workflow(
        [*BASE, assign("Once", {"x": ("number", 1)}, executeOnce=True)],
        [*BASE_EDGES, ("Items", 0, "Once", 0)],
    )
    assert out(run(doc, backend), "Once") == [{**PEOPLE[0], "x": 1}]


def test_a_failing_node_stops_the_run_and_is_named(backend: str) -> None:
    fail = node("Fail", "stopAndError", parameters={"errorMessage": "=no {{ $json.name }}"})
    doc = workflow(
        [*BASE, fail, node("After", "noOp")], [*BASE_EDGES, *chain("Items", "Fail", "After")]
    )
    result = run(doc, backend)
    assert result["status"] == "error"
    assert result["error"] == {"message": "no Ada", "node": "Fail"}
    assert result["runData"]["Fail"][0]["status"] == "error"
    assert "After" not in result["runData"]


def test_continue_error_output_routes_failed_items(backend: str) -> None:
    fail = node(
        "Fail", "stopAndError", parameters={"errorMessage": "boom"}, onError="continueErrorOutput"
    )
    doc = workflow(
        [*BASE, fail, node("Ok", "noOp"), node("Failed", "noOp")],
        [*BASE_EDGES, ("Items", 0, "Fail", 0), ("Fail", 0, "Ok", 0), ("Fail", 1, "Failed", 0)],
    )
    result = run(doc, backend)
    assert result["status"] == "success"
    assert "Ok" not in result["runData"]
    assert out(result, "Failed") == [{**p, "error": "boom"} for p in PEOPLE]


def test_retry_on_fail_tries_max_tries_times(backend: str) -> None:
    fail = node(
        "Fail",
        "stopAndError",
        parameters={"errorMessage": "flaky"},
        retryOnFail=True,
        maxTries=3,
        waitBetweenTries=100,
    )
    result = run(workflow([*BASE, fail], [*BASE_EDGES, ("Items", 0, "Fail", 0)]), backend)
    assert result["status"] == "error"
    # two waits of 100 ms between three tries
    assert result["runData"]["Fail"][0]["executionTimeMs"] >= 200


def test_pin_data_replaces_a_nodes_output(backend: str) -> None:
    doc = workflow(
        [*BASE, node("End", "noOp")],
        [*BASE_EDGES, ("Items", 0, "End", 0)],
        pinData={"Items": [{"json": {"pinned": True}}]},
    )
    assert out(run(doc, backend), "End") == [{"pinned": True}]


def test_always_output_data_emits_an_empty_item(backend: str) -> None:
    doc = workflow(
        [
            *BASE,
            node(
                "None",
                "if",
                2.2,
                parameters=condition("={{ $json.age }}", "gt", 100),
                alwaysOutputData=True,
            ),
            node("After", "noOp"),
        ],
        [*BASE_EDGES, ("Items", 0, "None", 0), ("None", 0, "After", 0)],
    )
    assert out(run(doc, backend), "After") == [{}]


def test_paired_item_follows_items_through_filters(backend: str) -> None:
    doc = workflow(
        [
            *BASE,
            node("Older", "if", 2.2, parameters=condition("={{ $json.age }}", "gt", 40)),
            assign(
                "Named",
                {
                    "who": ("string", "={{ $('Items').item.json.name }}"),
                    "rank": ("number", "={{ $('Data').item.json.rows.length }}"),
                },
                keep=False,
            ),
        ],
        [*BASE_EDGES, ("Items", 0, "Older", 0), ("Older", 0, "Named", 0)],
    )
    assert out(run(doc, backend), "Named") == [
        {"who": "Grace", "rank": 3},
        {"who": "Alan", "rank": 3},
    ]


def test_loop_runs_its_body_once_per_batch(backend: str) -> None:
    doc = workflow(
        [
            *BASE,
            node("Loop", "splitInBatches", 3, parameters={"batchSize": 2}),
            assign("Body", {"pass": ("number", "={{ $runIndex }}")}),
            node("Done", "noOp"),
        ],
        [
            *BASE_EDGES,
            ("Items", 0, "Loop", 0),
            ("Loop", 1, "Body", 0),
            ("Body", 0, "Loop", 0),
            ("Loop", 0, "Done", 0),
        ],
    )
    result = run(doc, backend)
    assert len(result["runData"]["Body"]) == 2
    assert [i["pass"] for i in out(result, "Done")] == [0, 0, 1]


def test_expression_errors_name_node_parameter_and_item(backend: str) -> None:
    doc = workflow(
        [*BASE, assign("Bad", {"x": ("number", "={{ $json.name.nope() }}")})],
        [*BASE_EDGES, ("Items", 0, "Bad", 0)],
    )
    result = run(doc, backend)
    assert result["status"] == "error"
    message = result["error"]["message"]
    assert "'Bad'" in message and "item 0" in message and "assignments" in message


def test_execution_timeout_cancels_the_run(backend: str) -> None:
    slow = node(
        "Slow",
        "stopAndError",
        parameters={"errorMessage": "x"},
        retryOnFail=True,
        maxTries=5,
        waitBetweenTries=400,
        onError="continueRegularOutput",
    )
    doc = workflow(
        [*BASE, slow, node("After", "noOp")],
        [*BASE_EDGES, *chain("Items", "Slow", "After")],
        settings={"executionTimeout": 1},
    )
    result = run(doc, backend)
    assert result["status"] == "canceled"
    assert "timed out" in result["error"]["message"]


def test_independent_branches_run_at_the_same_time_on_ray(ray_session: None) -> None:
    def slow(name: str) -> dict[str, Any]:
        return node(
            name,
            "stopAndError",
            parameters={"errorMessage": "x"},
            retryOnFail=True,
            maxTries=2,
            # Long enough that a second Ray worker, started on demand on a busy machine,
            # still begins before the first branch ends.
            waitBetweenTries=3000,
            onError="continueRegularOutput",
        )

    doc = workflow(
        [*BASE, slow("Left"), slow("Right")],
        [*BASE_EDGES, ("Items", 0, "Left", 0), ("Items", 0, "Right", 0)],
    )
    result = run(doc, "ray")

    def window(name: str) -> tuple[float, float]:
        r = result["runData"][name][0]
        begin = datetime.fromisoformat(r["startedAt"]).timestamp()
        return begin, begin + r["executionTimeMs"] / 1000

    (a0, a1), (b0, b1) = window("Left"), window("Right")
    assert a0 < b1 and b0 < a1, "the two branches did not overlap"


def test_listeners_see_every_node_start_and_finish_in_order(backend: str) -> None:
    from hetumind.engine.events import Event, Listener

    seen: list[tuple[str, str]] = []

    class Record(Listener):
        def on_event(self, event: Event) -> None:
            seen.append((type(event).__name__, getattr(event, "node", "")))

    doc = workflow([*BASE, node("End", "noOp")], [*BASE_EDGES, ("Items", 0, "End", 0)])
    run_workflow(doc, backend=backend, listeners=[Record()])
    assert seen[0] == ("ExecutionStarted", "") and seen[-1] == ("ExecutionFinished", "")
    for name in ("Start", "Data", "Items", "End"):
        assert seen.index(("NodeStarted", name)) < seen.index(("NodeFinished", name))
    finished = [n for kind, n in seen if kind == "NodeFinished"]
    assert finished == ["Start", "Data", "Items", "End"]

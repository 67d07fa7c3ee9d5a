"""Group commit of checkpoints: node runs share transactions, nothing is lost or late.

The recorder batches the node runs of a window into one transaction and commits at once
what must be durable (the end of the execution, a side-effecting node's start mark).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import event

from hetumind.engine import run_workflow
from hetumind.engine.runtime import new_execution_id
from hetumind.recording import ExecutionRecorder
from hetumind.store import ExecutionData

CHAIN = 40


def _chain(length: int, tail: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [
        {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1}
    ]
    connections: dict[str, Any] = {}
    prev = "Start"
    for i in range(length):
        nodes.append({"name": f"N{i}", "type": "n8n-nodes-base.noOp", "typeVersion": 1})
        connections[prev] = {"main": [[{"node": f"N{i}", "type": "main", "index": 0}]]}
        prev = f"N{i}"
    for node in tail or []:
        nodes.append(node)
        connections[prev] = {"main": [[{"node": node["name"], "type": "main", "index": 0}]]}
        prev = node["name"]
    return {"name": "chain", "nodes": nodes, "connections": connections}


def test_node_runs_share_transactions_and_all_are_recorded(data: ExecutionData) -> None:
    store = data.store
    commits: list[int] = []

    def count(_conn: Any) -> None:
        commits.append(1)

    doc = _chain(CHAIN)
    event.listen(store.engine.sync_engine, "commit", count)
    try:
        result = run_workflow(doc, listeners=[ExecutionRecorder(data, workflow=doc)])
    finally:
        event.remove(store.engine.sync_engine, "commit", count)
    assert result.status == "success"
    # Every run is there, with its items, once run_workflow returns.
    stored = store.run_sync(data.to_json(result.execution_id))
    assert stored == result.to_json()
    assert len(stored["runData"]) == CHAIN + 1
    row = store.run_sync(store.executions.get(result.execution_id))
    assert (row.status, row.last_node_executed, row.data_saved) == (
        "success",
        f"N{CHAIN - 1}",
        True,
    )
    # 41 node runs, far fewer transactions (one per window, and the end).
    assert len(commits) < (CHAIN + 1) // 2, len(commits)


def test_rows_show_up_while_the_execution_runs(data: ExecutionData) -> None:
    """Without any write that waits, the window still commits: a running execution's row
    and finished runs are visible before it ends."""
    store = data.store
    wait = {
        "name": "Wait",
        "type": "n8n-nodes-base.wait",
        "typeVersion": 1.1,
        "parameters": {"resume": "timeInterval", "amount": 3, "unit": "seconds"},
    }
    doc = _chain(2, [wait])
    execution_id = new_execution_id()
    done: list[Any] = []

    def go() -> None:
        recorder = ExecutionRecorder(data, workflow=doc)
        done.append(run_workflow(doc, listeners=[recorder], execution_id=execution_id))

    thread = threading.Thread(target=go)
    thread.start()
    try:
        deadline = time.monotonic() + 2.5
        seen: set[str] = set()
        while time.monotonic() < deadline and not {"Start", "N0", "N1"} <= seen:
            time.sleep(0.05)
            if store.run_sync(store.executions.exists(execution_id)):
                seen = {r.node for r in store.run_sync(store.executions.node_runs(execution_id))}
        assert {"Start", "N0", "N1"} <= seen
        assert not done  # still waiting
        assert store.run_sync(store.executions.get(execution_id)).status == "running"
    finally:
        thread.join(30)
    assert done and done[0].status == "success"
    assert store.run_sync(store.executions.get(execution_id)).status == "success"


def test_a_side_effecting_node_is_marked_before_it_runs(data: ExecutionData) -> None:
    """The start mark of a node that must not run twice is committed before it runs,
    whatever the group-commit window: the node itself finds it in the store."""
    store = data.store
    found: list[str | None] = []
    code = {
        "name": "Send",
        "type": "n8n-nodes-base.httpRequest",
        "typeVersion": 4.2,
        "parameters": {"method": "GET", "url": "http://127.0.0.1:9/unreachable"},
        "onError": "continueRegularOutput",
    }
    doc = _chain(1, [code])
    recorder = ExecutionRecorder(data, workflow=doc)
    original = recorder.on_event

    def spy(ev: Any) -> None:
        original(ev)
        if type(ev).__name__ == "NodeStarted" and ev.node == "Send":
            runs = store.run_sync(store.executions.node_runs(ev.execution_id))
            found.extend(r.status for r in runs if r.node == "Send")

    recorder.on_event = spy  # type: ignore[method-assign,assignment]
    result = run_workflow(doc, listeners=[recorder])
    assert found == ["running"]
    runs = store.run_sync(store.executions.node_runs(result.execution_id))
    assert [r.status for r in runs if r.node == "Send"] == ["success"]

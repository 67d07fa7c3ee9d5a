"""A recorded execution read back as the engine's Checkpoint (hetumind.recording.checkpoints):
what the server's resumer and retry continue from."""

from __future__ import annotations

from typing import Any

from hetumind.engine import run_workflow
from hetumind.engine.checkpoint import RUNNING
from hetumind.recording import ExecutionRecorder, ResumableData, load_checkpoint
from hetumind.store import ExecutionData
from hetumind.store.models import NodeRunRecord

DOC: dict[str, Any] = {
    "name": "checkpointed",
    "nodes": [
        {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "parameters": {}},
        {
            "name": "Set",
            "type": "n8n-nodes-base.set",
            "typeVersion": 3.4,
            "parameters": {
                "assignments": {
                    "assignments": [{"name": "n", "value": "={{ 6 * 7 }}", "type": "number"}]
                }
            },
        },
    ],
    "connections": {"Start": {"main": [[{"node": "Set", "type": "main", "index": 0}]]}},
}


def test_a_recorded_run_reads_back_as_its_checkpoint(data: ExecutionData) -> None:
    result = run_workflow(DOC, listeners=[ExecutionRecorder(data, workflow=DOC)])
    assert result.status == "success"
    checkpoint = data.store.run_sync(load_checkpoint(data, result.execution_id))
    assert sorted(checkpoint.runs) == [("Set", 0), ("Start", 0)]
    stored = checkpoint.runs[("Set", 0)]
    assert stored.meta.status == "success" and stored.meta.counts == [1]
    assert [b.to_items() for b in stored.outputs] == [[{"json": {"n": 42}}]]
    assert stored.meta.started_at.endswith("Z")


def test_resumable_data_is_the_store_data_with_a_checkpoint(data: ExecutionData) -> None:
    resumable = ResumableData(data.store, data.blobs)
    result = run_workflow(DOC, listeners=[ExecutionRecorder(resumable, workflow=DOC)])
    checkpoint = data.store.run_sync(resumable.load_checkpoint(result.execution_id))
    assert checkpoint.runs[("Set", 0)].outputs[0].to_items() == [{"json": {"n": 42}}]


def test_runs_whose_items_were_not_kept_are_left_out(data: ExecutionData) -> None:
    doc = {**DOC, "settings": {"saveDataSuccessExecution": "none"}}
    result = run_workflow(doc, listeners=[ExecutionRecorder(data, workflow=doc)])
    assert result.status == "success"
    assert data.store.run_sync(load_checkpoint(data, result.execution_id)).runs == {}


def test_a_started_never_finished_run_is_kept_without_items(data: ExecutionData) -> None:
    # A side-effecting node's start mark with no end (the process died while it ran): the
    # checkpoint keeps it, so a resumed execution knows not to run it again.
    result = run_workflow(DOC, listeners=[ExecutionRecorder(data, workflow=DOC)])
    store = data.store

    async def mark() -> None:
        async with store.transaction() as session:
            session.add(
                NodeRunRecord(
                    execution_id=result.execution_id,
                    node="Mail",
                    run_index=0,
                    status=RUNNING,
                    counts=[],
                )
            )

    store.run_sync(mark())
    stored = store.run_sync(load_checkpoint(data, result.execution_id)).runs[("Mail", 0)]
    assert stored.meta.status == RUNNING and stored.outputs == []

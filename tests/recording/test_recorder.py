"""The execution recorder on real engine runs (inline and Ray), read back as run --json."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from hetumind.engine import run_workflow
from hetumind.recording import ExecutionRecorder, SaveSettings
from hetumind.store import BlobStore, ExecutionData, LocalBlobStore, Store, scrub
from hetumind.store.settings import sqlite_url
from hetumind.workflow import load_workflow
from tests.store.conftest import settings_for

ROOT = Path(__file__).resolve().parents[2]
HELLO = json.loads((ROOT / "examples" / "hello-world.json").read_text())


def failing(settings: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": "fails",
        "nodes": [
            {"name": "Start", "type": "hetumind.manualTrigger", "parameters": {}},
            {
                "name": "Set",
                "type": "n8n-nodes-base.set",
                "typeVersion": 3.4,
                "parameters": {"mode": "raw", "jsonOutput": '{"a": 1}', "options": {}},
            },
            {
                "name": "Fail",
                "type": "n8n-nodes-base.stopAndError",
                "parameters": {"errorMessage": "upstream said Bearer tok-SECRET-123"},
            },
        ],
        "connections": {
            "Start": {"main": [[{"node": "Set", "type": "main", "index": 0}]]},
            "Set": {"main": [[{"node": "Fail", "type": "main", "index": 0}]]},
        },
        "settings": settings or {},
    }


def test_records_a_run_and_reads_it_back_as_run_json(
    store: Store, blobs: BlobStore, backend: str
) -> None:
    data = ExecutionData(store, blobs)
    wf = store.run_sync(store.workflows.create(HELLO))
    store.run_sync(store.workflows.update(wf.id, HELLO))  # now at version 2
    recorder = ExecutionRecorder(data, workflow=HELLO, workflow_id=wf.id)
    result = run_workflow(HELLO, backend=backend, listeners=[recorder], mode="webhook")
    assert result.status == "success" and recorder.finished
    assert store.run_sync(data.to_json(result.execution_id)) == result.to_json()
    row = store.run_sync(store.executions.get(result.execution_id))
    assert (row.status, row.mode, row.workflow_id, row.workflow_version, row.data_saved) == (
        "success",
        "webhook",
        wf.id,
        2,
        True,
    )
    assert row.last_node_executed == "Youngest First"
    assert row.started_at is not None and row.finished_at is not None
    runs = store.run_sync(store.executions.node_runs(result.execution_id))
    assert {r.node: r.counts for r in runs}["Youngest First"] == [3]
    files = data.blobs.list(f"executions/{result.execution_id}")
    assert len(files) == 5 and all(f.endswith(".arrow") for f in files)


def test_error_run_with_secrets_scrubbed(data: ExecutionData) -> None:
    store = data.store
    recorder = ExecutionRecorder(data, workflow=failing(), secrets=["tok-SECRET-123"])
    result = run_workflow(failing(), listeners=[recorder])
    assert result.status == "error"
    stored = store.run_sync(data.to_json(result.execution_id))
    assert stored["status"] == "error"
    assert "tok-SECRET-123" not in json.dumps(stored)
    assert stored["error"]["message"] == "upstream said Bearer ***"
    assert stored["runData"]["Fail"][0]["error"]["message"] == "upstream said Bearer ***"
    assert stored["runData"]["Set"][0]["outputs"] == [[{"a": 1}]]


def test_secrets_are_masked_in_stored_items(data: ExecutionData) -> None:
    doc = failing()
    doc["nodes"][1]["parameters"]["jsonOutput"] = '{"auth": "Bearer tok-SECRET-123", "n": 1}'
    recorder = ExecutionRecorder(data, workflow=doc, secrets=["tok-SECRET-123"])
    result = run_workflow(doc, listeners=[recorder])
    stored = data.store.run_sync(data.to_json(result.execution_id))
    assert stored["runData"]["Set"][0]["outputs"] == [[{"auth": "Bearer ***", "n": 1}]]
    raw = b"".join(data.blobs.get(k) for k in data.blobs.list("executions"))
    assert b"tok-SECRET-123" not in raw


@pytest.mark.parametrize(
    ("settings", "workflow", "mode", "kept"),
    [
        ({"saveDataSuccessExecution": "none"}, "ok", "manual", False),
        ({"saveDataSuccessExecution": "none"}, "fail", "manual", True),
        ({"saveDataErrorExecution": "none"}, "fail", "manual", False),
        ({"saveDataErrorExecution": "none"}, "ok", "manual", True),
        ({"saveManualExecutions": False}, "ok", "manual", False),
        ({"saveManualExecutions": False}, "ok", "webhook", True),
        ({"saveDataSuccessExecution": "DEFAULT"}, "ok", "manual", True),
    ],
)
def test_save_settings(
    data: ExecutionData, settings: dict[str, Any], workflow: str, mode: str, kept: bool
) -> None:
    doc = {**HELLO, "settings": settings} if workflow == "ok" else failing(settings)
    result = run_workflow(doc, listeners=[ExecutionRecorder(data, workflow=doc)], mode=mode)
    stored = data.store.run_sync(data.to_json(result.execution_id))
    row = data.store.run_sync(data.store.executions.get(result.execution_id))
    # Status, timings and counts are always kept; the items only when the settings say so.
    assert stored["status"] == result.status and row.data_saved is kept
    outputs = [r["outputs"] for runs in stored["runData"].values() for r in runs]
    assert outputs and all((o is not None) is kept for o in outputs)
    assert (data.blobs.list(f"executions/{result.execution_id}") != []) is kept


def test_save_settings_object() -> None:
    assert SaveSettings(None).saves("canceled", "manual")
    assert not SaveSettings({"saveDataErrorExecution": "none"}).saves("canceled", "cli")
    assert not SaveSettings({"saveDataErrorExecution": "none"}).saves("crashed", "cli")


def test_existing_new_row_is_started_not_duplicated(data: ExecutionData) -> None:
    store = data.store
    row = store.run_sync(
        store.executions.create(
            workflow_name="hello-world", workflow_version=7, mode="retry", retry_of="earlier"
        )
    )
    recorder = ExecutionRecorder(data, workflow=HELLO)
    result = run_workflow(HELLO, listeners=[recorder], execution_id=row.id, mode="retry")
    got = store.run_sync(store.executions.get(row.id))
    assert (got.status, got.workflow_version, got.retry_of) == ("success", 7, "earlier")
    assert store.run_sync(store.executions.count()) == 1
    assert result.execution_id == row.id


def test_runs_without_saved_items_have_null_outputs(data: ExecutionData) -> None:
    result = run_workflow(
        HELLO, listeners=[ExecutionRecorder(data, workflow=HELLO)], save_outputs=False
    )
    stored = data.store.run_sync(data.to_json(result.execution_id))
    expected = result.to_json()
    assert stored == expected
    assert any(r["outputs"] is None for runs in stored["runData"].values() for r in runs)


def test_server_pattern_store_on_its_loop_coordinator_in_a_thread(tmp_path: Path) -> None:
    """As the API server does: the store lives on the server's loop, the coordinator runs
    in a worker thread, the recorder crosses over with Store.run_sync."""
    url = sqlite_url(tmp_path / "server.db")

    async def main() -> tuple[dict[str, Any], dict[str, Any]]:
        store = await Store.open(url, settings=settings_for(tmp_path, url))
        try:
            data = ExecutionData(store, LocalBlobStore(tmp_path / "blobs"))
            recorder = ExecutionRecorder(data, workflow=HELLO)
            with pytest.raises(RuntimeError, match="own event loop"):
                store.run_sync(store.executions.count())
            result = await asyncio.to_thread(run_workflow, HELLO, listeners=[recorder])
            return await data.to_json(result.execution_id), result.to_json()
        finally:
            await store.close()

    stored, expected = asyncio.run(main())
    assert stored == expected and stored["status"] == "success"


def test_scrub_nested() -> None:
    value = {"a": ["x secret y", {"b": "secret"}], "n": 1}
    assert scrub(value, ["secret"]) == {"a": ["x *** y", {"b": "***"}], "n": 1}
    assert scrub(value, []) is value


def test_load_workflow_object_settings(data: ExecutionData) -> None:
    wf = load_workflow(ROOT / "examples" / "hello-world.json")
    wf.settings["saveDataSuccessExecution"] = "none"
    result = run_workflow(wf, listeners=[ExecutionRecorder(data, workflow=wf)])
    row = data.store.run_sync(data.store.executions.get(result.execution_id))
    assert row.status == "success" and not row.data_saved


class _FailingBlobs(LocalBlobStore):
    """Fails on the third write, as a full disk or an S3 outage would."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.writes = 0

    def put(self, key: str, data: bytes) -> None:
        self.writes += 1
        if self.writes == 3:
            raise OSError("disk full")
        super().put(key, data)


def test_failed_data_write_records_status_and_leaves_no_partial_data(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = ExecutionData(store, _FailingBlobs(tmp_path / "blobs"))
    result = run_workflow(HELLO, listeners=[ExecutionRecorder(data, workflow=HELLO)])
    row = store.run_sync(store.executions.get(result.execution_id))
    assert (row.status, row.data_saved) == ("success", False)
    assert data.blobs.list() == []
    runs = store.run_sync(store.executions.node_runs(result.execution_id))
    assert len(runs) == 5 and all(r.blob_ref is None for r in runs)
    assert "disk full" in caplog.text

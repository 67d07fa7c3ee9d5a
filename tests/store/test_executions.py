"""Execution rows: lifecycle, node runs, listing, crash recovery, pruning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from hetumind.errors import NotFound
from hetumind.items import ItemBatch
from hetumind.store import (
    Conflict,
    ExecutionData,
    ExecutionRecord,
    InvalidData,
    LocalBlobStore,
    Store,
)


def test_lifecycle(store: Store) -> None:
    ex = store.run_sync(
        store.executions.create(
            workflow_id="w1", workflow_name="W", workflow_version=3, mode="webhook"
        )
    )
    assert (ex.status, ex.started_at, ex.finished_at) == ("new", None, None)
    started = store.run_sync(store.executions.start(ex.id))
    assert started.status == "running" and started.started_at is not None
    store.run_sync(
        store.executions.add_node_run(
            ex.id, node="A", run_index=0, status="success", execution_time_ms=1.5, counts=[2, 0]
        )
    )
    done = store.run_sync(
        store.executions.finish(ex.id, "error", error={"message": "boom", "node": "A"})
    )
    got = store.run_sync(store.executions.get(ex.id))
    assert (got.status, got.error, got.workflow_version, got.mode) == (
        "error",
        {"message": "boom", "node": "A"},
        3,
        "webhook",
    )
    assert got.last_node_executed == "A"
    assert done.finished_at is not None and got.finished_at is not None
    assert got.finished_at >= got.started_at  # type: ignore[operator]
    runs = store.run_sync(store.executions.node_runs(ex.id))
    assert [(r.node, r.counts, r.execution_time_ms) for r in runs] == [("A", [2, 0], 1.5)]


def test_bad_input_and_unknown_ids(store: Store) -> None:
    with pytest.raises(InvalidData, match="'mode'"):
        store.run_sync(store.executions.create(mode="sometimes"))
    with pytest.raises(InvalidData, match="'status'"):
        store.run_sync(store.executions.create(status="pending"))
    with pytest.raises(NotFound, match="execution 'x'"):
        store.run_sync(store.executions.get("x"))
    with pytest.raises(NotFound):
        store.run_sync(store.executions.node_runs("x"))
    with pytest.raises(NotFound):
        store.run_sync(store.executions.add_node_run("x", node="A", run_index=0, status="success"))
    with pytest.raises(NotFound):
        store.run_sync(store.executions.delete("x"))
    assert store.run_sync(store.executions.count()) == 0


def test_duplicates_are_conflicts(store: Store) -> None:
    store.run_sync(store.executions.create(id="e1"))
    with pytest.raises(Conflict):
        store.run_sync(store.executions.create(id="e1"))
    store.run_sync(store.executions.add_node_run("e1", node="A", run_index=0, status="success"))
    with pytest.raises(Conflict, match="run 0 of node 'A'"):
        store.run_sync(store.executions.add_node_run("e1", node="A", run_index=0, status="success"))
    assert len(store.run_sync(store.executions.node_runs("e1"))) == 1


def _age(store: Store, id: str, hours: float) -> None:
    async def go() -> None:
        async with store.transaction() as session:
            await session.execute(
                update(ExecutionRecord)
                .where(ExecutionRecord.id == id)  # type: ignore[arg-type]
                .values(created_at=datetime.now(UTC) - timedelta(hours=hours))
            )

    store.run_sync(go())


def test_list_filters_newest_first(store: Store) -> None:
    for i, (wf, status) in enumerate([("a", "success"), ("b", "error"), ("a", "running")]):
        store.run_sync(store.executions.create(id=f"e{i}", workflow_id=wf, status=status))
        _age(store, f"e{i}", 10 - i)
    assert [e.id for e in store.run_sync(store.executions.list())] == ["e2", "e1", "e0"]
    assert [e.id for e in store.run_sync(store.executions.list(workflow_id="a"))] == ["e2", "e0"]
    assert [e.id for e in store.run_sync(store.executions.list(status=["error"]))] == ["e1"]
    assert [e.id for e in store.run_sync(store.executions.list(limit=1, offset=1))] == ["e1"]
    assert store.run_sync(store.executions.count(workflow_id="a")) == 2


def test_mark_crashed(store: Store) -> None:
    store.run_sync(store.executions.create(id="r", status="running"))
    store.run_sync(store.executions.create(id="s", status="success"))
    assert store.run_sync(store.executions.mark_crashed()) == ["r"]
    assert store.run_sync(store.executions.get("r")).status == "crashed"
    assert store.run_sync(store.executions.get("s")).status == "success"


def test_prune_by_age_and_count_deletes_rows_and_blobs(store: Store, tmp_path: Path) -> None:
    data = ExecutionData(store, LocalBlobStore(tmp_path / "blobs"))
    ages = {"old": 100, "mid2": 3, "mid1": 2, "new": 1}
    for id, hours in ages.items():
        store.run_sync(store.executions.create(id=id, status="success"))
        _age(store, id, hours)
        ref = data.write_run(id, "A", 0, [ItemBatch.from_json([{"x": 1}])])
        store.run_sync(
            store.executions.add_node_run(id, node="A", run_index=0, status="success", counts=[1])
        )
        store.run_sync(store.executions.set_blob_refs(id, {("A", 0): ref}))
    store.run_sync(store.executions.create(id="live", status="running"))
    _age(store, "live", 1000)  # running executions are never pruned, however old
    deleted = store.run_sync(data.prune(max_age_hours=50, max_count=2))
    assert deleted == ["mid2", "old"]
    left = {e.id for e in store.run_sync(store.executions.list())}
    assert left == {"mid1", "new", "live"}
    assert data.blobs.list("executions/old") == []
    assert data.blobs.list("executions/new") != []
    # Limits <= 0 are off.
    assert store.run_sync(data.prune(max_age_hours=0, max_count=0)) == []


def test_prune_defaults_come_from_settings(store: Store, tmp_path: Path) -> None:
    import dataclasses

    data = ExecutionData(store, LocalBlobStore(tmp_path / "blobs"))
    for id in ("a", "b", "c"):
        store.run_sync(store.executions.create(id=id, status="error"))
    _age(store, "a", 3)
    _age(store, "b", 2)
    original = store.settings
    store.settings = dataclasses.replace(original, prune_max_age_hours=0, prune_max_count=1)
    try:
        assert store.run_sync(data.prune()) == ["a", "b"]
    finally:
        store.settings = original


def test_delete_removes_node_runs_and_blobs(data: ExecutionData) -> None:
    store = data.store
    store.run_sync(store.executions.create(id="d", status="success"))
    store.run_sync(store.executions.add_node_run("d", node="A", run_index=0, status="success"))
    ref = data.write_run("d", "A", 0, [ItemBatch.from_json([{"x": 1}])])
    store.run_sync(store.executions.set_blob_refs("d", {("A", 0): ref}))
    store.run_sync(data.delete("d"))
    with pytest.raises(NotFound):
        store.run_sync(data.to_json("d"))
    assert data.blobs.list("executions/d") == []
    with pytest.raises(NotFound):
        store.run_sync(data.delete("d"))


def test_missing_blob_reads_as_unsaved(data: ExecutionData) -> None:
    store = data.store
    store.run_sync(store.executions.create(id="m", status="success"))
    store.run_sync(
        store.executions.add_node_run("m", node="A", run_index=0, status="success", counts=[1])
    )
    ref = data.write_run("m", "A", 0, [ItemBatch.from_json([{"x": 1}])])
    store.run_sync(store.executions.set_blob_refs("m", {("A", 0): ref}))
    assert store.run_sync(data.to_json("m"))["runData"]["A"][0]["outputs"] == [[{"x": 1}]]
    data.blobs.delete_prefix("executions/m")
    assert store.run_sync(data.to_json("m"))["runData"]["A"][0]["outputs"] is None

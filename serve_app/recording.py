"""Writing executions to the store without slowing down the request that started them.

The ExecutionRecorder (hetumind.recording) writes a row per event and waits for each:
right for long Ray runs, whose node runs should show up while they happen. For small
inline runs (webhooks) that would put half a dozen transactions on every request's path,
so those are kept in memory while they run and handed, once finished, to a group-commit
writer: it writes the Arrow data of a batch of executions, then all their rows in one
transaction.
A bounded backlog keeps the writer honest: when it falls behind, new runs wait for it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from hetumind.engine.events import (
    Event,
    ExecutionFinished,
    ExecutionStarted,
    Listener,
    NodeFinished,
)
from hetumind.engine.result import ExecutionResult, NodeRun
from hetumind.recording import ExecutionRecorder, SaveSettings
from hetumind.store import ExecutionData, ExecutionRecord, NodeRunRecord, Store
from hetumind.store.availability import retrying
from hetumind.store.scrubbing import scrub, scrub_batch

__all__ = ["RecorderHandle", "Recording"]

log = logging.getLogger(__name__)

MAX_BACKLOG = 256
"""Finished executions waiting to be written before new runs wait for the writer."""
GROUP = 64


def _time(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class _Finished:
    execution_id: str
    workflow_id: str | None
    workflow_name: str
    version: int | None
    mode: str
    retry_of: str | None
    save: SaveSettings
    started: datetime
    result: ExecutionResult | None = None
    runs: list[NodeRun] = field(default_factory=list)
    finished: datetime | None = None
    secrets: Sequence[str] = ()
    """Plain secret values masked in what is written (errors and items)."""


class RecorderHandle(Listener):
    """One execution's recorder; `written` resolves once everything is in the store."""

    def __init__(
        self, live: ExecutionRecorder | None, pending: _Finished | None, writer: _GroupWriter | None
    ) -> None:
        self._live = live
        self._pending = pending
        self._writer = writer
        self.written: concurrent.futures.Future[None] = concurrent.futures.Future()

    @property
    def deferred(self) -> bool:
        """Written after the run (nothing waits on the store while it runs)."""
        return self._live is None

    def on_event(self, event: Event) -> None:
        if self._live is not None:
            self._live.on_event(event)
            if isinstance(event, ExecutionFinished):
                self.written.set_result(None)
            return
        pending = self._pending
        assert pending is not None and self._writer is not None
        if isinstance(event, ExecutionStarted):
            pending.started = datetime.now(UTC)
        elif isinstance(event, NodeFinished):
            pending.runs.append(event.run)
        elif isinstance(event, ExecutionFinished):
            pending.result = event.result
            pending.finished = datetime.now(UTC)
            self._writer.put(pending, self.written)

    async def wait_written(self) -> None:
        await asyncio.wrap_future(self.written)


class _GroupWriter:
    """One thread writing finished executions in groups: blobs, then one transaction."""

    def __init__(self, store: Store, data: ExecutionData) -> None:
        self._store = store
        self._data = data
        self._queue: queue.SimpleQueue[tuple[_Finished, concurrent.futures.Future[None]]] = (
            queue.SimpleQueue()
        )
        self._backlog = threading.BoundedSemaphore(MAX_BACKLOG)
        self._thread = threading.Thread(target=self._serve, name="hetumind-record", daemon=True)
        self._thread.start()

    async def reserve(self) -> None:
        """Wait until the backlog has room."""
        if not self._backlog.acquire(blocking=False):
            await asyncio.to_thread(self._backlog.acquire)

    def put(self, item: _Finished, done: concurrent.futures.Future[None]) -> None:
        self._queue.put((item, done))

    def _serve(self) -> None:
        while True:
            group = [self._queue.get()]
            while len(group) < GROUP:
                try:
                    group.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                rows = [row for item, _ in group for row in self._rows(item)]
                # Through a database outage too: these runs were answered already.
                self._store.run_sync(
                    retrying(
                        functools.partial(self._commit, rows),
                        what=f"recording {len(group)} executions",
                    )
                )
                error: BaseException | None = None
            except BaseException as exc:
                log.exception("could not record %d executions", len(group))
                error = exc
            for _, done in group:
                self._backlog.release()
                if error is None:
                    done.set_result(None)
                else:
                    done.set_exception(error)

    def _rows(self, item: _Finished) -> list[Any]:
        result = item.result
        assert result is not None
        status = result.status if result.status in ("success", "error", "canceled") else "crashed"
        saved = item.save.saves(status, item.mode) and result.backend is not None
        records: list[Any] = [
            ExecutionRecord(
                id=item.execution_id,
                workflow_id=item.workflow_id,
                workflow_name=item.workflow_name,
                workflow_version=item.version,
                mode=item.mode,
                status=status,
                created_at=item.started,
                started_at=item.started,
                finished_at=item.finished,
                error=scrub(result.error, item.secrets),
                last_node_executed=result.last_node_executed,
                retry_of=item.retry_of,
                data_saved=saved,
            )
        ]
        for run in item.runs:
            meta = run.meta
            blob_ref = None
            if saved and run.saved and result.backend is not None:
                blob_ref = self._data.write_run(
                    item.execution_id,
                    meta.node,
                    meta.run_index,
                    [scrub_batch(b, item.secrets) for b in result.backend.outputs(run.outputs)],
                )
            # A plain row, not a NodeRunRecord: the SQLModel instance cost more than its insert.
            records.append(
                {
                    "execution_id": item.execution_id,
                    "node": meta.node,
                    "run_index": meta.run_index,
                    "status": meta.status,
                    "started_at": _time(meta.started_at),
                    "execution_time_ms": meta.execution_time_ms,
                    "counts": list(meta.counts),
                    "error": scrub(meta.error, item.secrets),
                    "blob_ref": blob_ref,
                    "extra": None,
                }
            )
        return records

    async def _commit(self, rows: list[Any]) -> None:
        # Bulk inserts of plain rows: the ORM's unit of work costs more than the rows.
        executions = [_values(r) for r in rows if isinstance(r, ExecutionRecord)]
        runs = [r for r in rows if isinstance(r, dict)]
        async with self._store.transaction() as session:
            await session.execute(insert(ExecutionRecord.__table__), executions)  # type: ignore[attr-defined]
            if runs:
                await session.execute(insert(NodeRunRecord.__table__), runs)  # type: ignore[attr-defined]


def _values(record: Any) -> dict[str, Any]:
    return {
        c.name: getattr(record, c.name)
        for c in record.__table__.columns
        if c.name != "id" or getattr(record, "id", None) is not None
    }


class Recording:
    """Creates recorders for a replica's executions and owns the group writer."""

    def __init__(self, store: Store, data: ExecutionData) -> None:
        self.store = store
        self.data = data
        self._writer = _GroupWriter(store, data)

    async def begin(
        self,
        execution_id: str,
        *,
        doc: dict[str, Any],
        workflow_id: str | None,
        workflow_name: str,
        version: int | None,
        mode: str,
        retry_of: str | None = None,
        create_row: bool = False,
        defer: bool = True,
        owner: str | None = None,
        input_items: list[dict[str, Any]] | None = None,
        resumed: bool = False,
        secrets: Sequence[str] = (),
    ) -> RecorderHandle:
        """A recorder for one execution. Deferred ones are written after they finish (and
        wait here while the writer is MAX_BACKLOG executions behind); others row by row,
        with the row (status new) written now when `create_row`, so that it can be looked
        up before the run starts (202 answers), together with its input items and `owner`:
        from then on the execution survives this process (see store/leases.py).
        `resumed`: it continues from its checkpoint; its row exists already.
        `secrets`: the plain values of the credentials the run uses, masked in every
        error and item written (hetumind.store.scrubbing)."""
        if defer and not create_row:
            await self._writer.reserve()
            pending = _Finished(
                execution_id,
                workflow_id,
                workflow_name,
                version,
                mode,
                retry_of,
                SaveSettings(
                    doc.get("settings") if isinstance(doc.get("settings"), dict) else None
                ),
                datetime.now(UTC),
                secrets=tuple(secrets),
            )
            return RecorderHandle(None, pending, self._writer)
        if create_row and not resumed:
            await asyncio.to_thread(self.data.write_input, execution_id, input_items or [])
            await self.store.executions.create(
                id=execution_id,
                workflow_id=workflow_id,
                workflow_name=workflow_name,
                workflow_version=version,
                mode=mode,
                status="new",
                retry_of=retry_of,
                owner=owner,
            )
        recorder = ExecutionRecorder(
            self.data,
            workflow=doc,
            workflow_id=workflow_id,
            workflow_version=version,
            retry_of=retry_of,
            resumed=resumed,
            secrets=secrets,
        )
        return RecorderHandle(recorder, None, None)

"""`ExecutionRecorder`: an engine listener that writes an execution to the store as it runs.

    store = Store.open_sync()                      # or `await Store.open()` in a server
    data = ExecutionData(store, open_blob_store())  # hetumind.store
    recorder = ExecutionRecorder(data, workflow=wf)
    result = run_workflow(wf, listeners=[recorder])

Row on ExecutionStarted (status running; an existing row, e.g. one the API created with
status `new`, is started instead), one node-run row per NodeFinished (status, timings,
counts per port), and on ExecutionFinished the outputs as Arrow IPC blobs plus the final
status, when the workflow's save settings say so.

Listeners are called synchronously from the coordinator's thread, while the store is async
and bound to its event loop. The recorder hands its writes to that loop without waiting
(write-behind, in order, batched into few transactions: _writer.py) and waits only on
ExecutionFinished, so when run_workflow returns the execution is fully recorded. The
coordinator must therefore not run on the store's loop thread: a server runs it with
`await asyncio.to_thread(run_workflow, ...)`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hetumind.engine.checkpoint import RUNNING
from hetumind.engine.durability import is_pure, opted_in
from hetumind.engine.events import (
    Event,
    ExecutionFinished,
    ExecutionStarted,
    Listener,
    NodeFinished,
    NodeStarted,
)
from hetumind.engine.result import PUBLIC_EXTRAS
from hetumind.store._writer import OrderedWriter
from hetumind.store.execution_data import ExecutionData
from hetumind.store.models import (
    EXECUTION_MODES,
    ExecutionRecord,
    NodeRunRecord,
    WorkflowRecord,
    utcnow,
)
from hetumind.store.scrubbing import scrub, scrub_batch
from hetumind.workflow import Workflow

if TYPE_CHECKING:
    from hetumind.items import ItemBatch

__all__ = ["RECORDED_STATUSES", "ExecutionRecorder", "RunItems", "SaveSettings"]

RECORDED_STATUSES = ("success", "error", "canceled", "waiting")
"""How an execution the engine finished is stored; anything else reads as crashed."""

log = logging.getLogger(__name__)


class RunItems(Protocol):
    """What the recorder needs of the engine's backend: the items and state behind a
    finished run's handles (ExecutionStarted.backend). Only these two calls, so the
    recorder depends on no backend, inline or Ray, and a test can hand it a plain object."""

    def outputs(self, ref: Any, /) -> Sequence[ItemBatch]: ...

    def state(self, ref: Any, /) -> dict[str, Any]: ...


class SaveSettings:
    """n8n's per-workflow save settings: saveDataSuccessExecution and
    saveDataErrorExecution ("all" | "none"; "DEFAULT" or absent means "all") and
    saveManualExecutions (absent or "DEFAULT" means true)."""

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        s = settings or {}
        self.success = _choice(s.get("saveDataSuccessExecution"))
        self.error = _choice(s.get("saveDataErrorExecution"))
        manual = s.get("saveManualExecutions", True)
        self.manual = True if manual in (None, "DEFAULT") else bool(manual)

    def saves(self, status: str, mode: str) -> bool:
        """Whether an execution that ended with `status` in `mode` keeps its item data.
        Like n8n, anything but success (error, canceled, crashed) follows the error setting."""
        if mode == "manual" and not self.manual:
            return False
        return self.success if status == "success" else self.error


def _choice(value: Any) -> bool:
    return value not in ("none", False)


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class _Start:
    row: ExecutionRecord


@dataclass(frozen=True)
class _Finish:
    execution_id: str
    status: str
    error: dict[str, Any] | None
    last_node: str | None
    data_saved: Callable[[], bool]
    """Asked when applied: a checkpoint write may have failed meanwhile."""
    wait_till: datetime | None = None


@dataclass
class _RunRow:
    """A node_run row's values. Not a NodeRunRecord: building a SQLModel instance costs
    more than writing the row, on the coordinator's thread, for every node run."""

    execution_id: str
    node: str
    run_index: int
    status: str
    started_at: datetime | None
    execution_time_ms: float = 0.0
    counts: list[int] = field(default_factory=list)
    error: dict[str, Any] | None = None
    extra: dict[str, Any] | None = None
    blob_ref: str | None = None


@dataclass(frozen=True)
class _Run:
    """A finished node run: its row, and the checkpoint write of its items and state."""

    row: _RunRow
    write: Callable[[bool], str | None]
    """Writes the items (and the node's state, when asked) and returns the blob prefix."""
    replace: bool = False
    """Replace a row of the same run (a resumed execution re-records its Wait run)."""


_Op = _Start | _Run | _Finish


async def _apply(session: AsyncSession, ops: list[_Op]) -> None:
    """One transaction for a batch: the checkpoint blobs of all its runs first (one hop to
    a worker thread), then a few bulk statements instead of an ORM unit of work per op."""
    # Only a node's latest state matters to a resumed execution (earlier runs are restored,
    # not run): of the runs of one node in this batch, only the last writes its state.
    last_of_node = {op.row.node: i for i, op in enumerate(ops) if isinstance(op, _Run)}
    writes = [
        (op, last_of_node[op.row.node] == i) for i, op in enumerate(ops) if isinstance(op, _Run)
    ]
    if writes:
        # The checkpoint (blobs) goes first: a row never points at items not written yet.
        await asyncio.to_thread(_write_blobs, writes)
    first, last = ops[0], ops[-1]
    if (
        isinstance(first, _Start)
        and isinstance(last, _Finish)
        and first.row.id == last.execution_id
        and all(isinstance(op, _Run) for op in ops[1:-1])
    ):
        # A whole short execution in one batch: its row goes in once, already finished.
        saved, values = _finish_values(last)
        await _start(session, first.row, {**values, "started_at": first.row.started_at})
        middle = [op for op in ops[1:-1] if isinstance(op, _Run)]
        if middle:
            await _record_runs(session, middle, finish=last)
        if not saved:
            await _drop_items(session, last.execution_id)
        return
    runs: list[_Run] = []
    for op in ops:
        if isinstance(op, _Run):
            runs.append(op)
            continue
        if runs:
            await _record_runs(session, runs, finish=op if isinstance(op, _Finish) else None)
            runs = []
        if isinstance(op, _Start):
            await _start(session, op.row)
        else:
            await _finish(session, op)
    if runs:
        await _record_runs(session, runs, finish=None)


def _write_blobs(writes: list[tuple[_Run, bool]]) -> None:
    for op, with_state in writes:
        op.row.blob_ref = op.write(with_state)


def _row_values(record: Any) -> dict[str, Any]:
    """A row's column values for a Core insert (the id only when set)."""
    return {
        c.name: getattr(record, c.name)
        for c in record.__table__.columns
        if c.name != "id" or getattr(record, "id", None) is not None
    }


async def _record_runs(session: AsyncSession, ops: list[_Run], *, finish: _Finish | None) -> None:
    # The same run twice in one batch (its RUNNING mark, then its end): the later row wins.
    latest: dict[tuple[str, str, int], _Run] = {}
    for op in ops:
        latest.pop((op.row.execution_id, op.row.node, op.row.run_index), None)
        latest[(op.row.execution_id, op.row.node, op.row.run_index)] = op
    replaced = [op.row for op in latest.values() if op.replace]
    for row in replaced:
        await session.execute(
            delete(NodeRunRecord).where(
                col(NodeRunRecord.execution_id) == row.execution_id,
                col(NodeRunRecord.node) == row.node,
                col(NodeRunRecord.run_index) == row.run_index,
            )
        )
    await session.execute(
        insert(NodeRunRecord.__table__),  # type: ignore[attr-defined]
        [asdict(op.row) for op in latest.values()],
    )
    last = ops[-1].row
    if finish is not None and finish.execution_id == last.execution_id and finish.last_node:
        return  # the finish that follows sets last_node_executed itself
    await session.execute(
        update(ExecutionRecord)
        .where(col(ExecutionRecord.id) == last.execution_id)
        .values(last_node_executed=last.node)
    )


async def _start(
    session: AsyncSession, row: ExecutionRecord, changes: dict[str, Any] | None = None
) -> None:
    """Insert the execution's row, or, when it was created beforehand (API runs,
    retries), start it: apply `changes` (by default status running and the start time).
    One upsert where the database has one, instead of a lookup, an insert and a flush."""
    changes = changes or {"status": "running", "started_at": row.started_at}
    values = {**_row_values(row), **changes}
    if row.workflow_version is None and row.workflow_id:
        values["workflow_version"] = (
            select(col(WorkflowRecord.version))
            .where(col(WorkflowRecord.id) == row.workflow_id)
            .scalar_subquery()
        )
    table = ExecutionRecord.__table__  # type: ignore[attr-defined]
    dialect = session.bind.dialect.name if session.bind is not None else ""
    if dialect in ("sqlite", "postgresql"):
        upsert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        await session.execute(
            upsert(table)
            .values(**values)
            .on_conflict_do_update(index_elements=["id"], set_=changes)
        )
        return
    started = await session.execute(
        update(ExecutionRecord).where(col(ExecutionRecord.id) == row.id).values(**changes)
    )
    if not started.rowcount:  # type: ignore[attr-defined]
        await session.execute(insert(table).values(**values))


def _finish_values(op: _Finish) -> tuple[bool, dict[str, Any]]:
    """Whether the items are kept (asked now: a checkpoint write may have failed), and
    the execution row's final values."""
    saved = op.data_saved()
    values: dict[str, Any] = {
        "status": op.status,
        "error": op.error,
        "data_saved": saved,
        "wait_till": op.wait_till,
        "finished_at": None if op.status == "waiting" else utcnow(),
    }
    if op.last_node is not None:
        values["last_node_executed"] = op.last_node
    return saved, values


async def _drop_items(session: AsyncSession, execution_id: str) -> None:
    # The save settings (or a failed write) drop the items once it is over.
    await session.execute(
        update(NodeRunRecord)
        .where(col(NodeRunRecord.execution_id) == execution_id)
        .values(blob_ref=None)
    )


async def _finish(session: AsyncSession, op: _Finish) -> None:
    saved, values = _finish_values(op)
    if not saved:
        await _drop_items(session, op.execution_id)
    await session.execute(
        update(ExecutionRecord).where(col(ExecutionRecord.id) == op.execution_id).values(**values)
    )


def _marked_nodes(
    workflow: Workflow | Mapping[str, Any] | None, settings: Mapping[str, Any]
) -> set[str]:
    """Nodes whose start is recorded: those that must not run twice (durability.py)."""
    if workflow is None or opted_in(settings):
        return set()
    nodes = workflow.nodes if isinstance(workflow, Workflow) else workflow.get("nodes") or []
    marked = set()
    for node in nodes:
        name, type_ = (
            (node.name, node.type)
            if not isinstance(node, Mapping)
            else (node.get("name"), node.get("type"))
        )
        if isinstance(name, str) and not is_pure(str(type_)):
            marked.add(name)
    return marked


class ExecutionRecorder(Listener):
    """Records one execution (create a recorder per run).

    Args:
        data: the store and blob store to write to.
        workflow: the workflow being run; its `settings` decide what is saved.
        workflow_id: overrides the id in the ExecutionStarted event (stored workflows).
        workflow_version: the version that ran; looked up from the store when omitted.
        retry_of: id of the execution this one retries (mode "retry").
        parent_execution_id: id of the execution whose Execute Workflow node started this
            one (mode "integrated").
        secrets: plain secret values (CredentialRepository.secrets_of) to mask in the
            stored errors and item data.
        timeout: seconds to wait on ExecutionFinished for the record to be written.
        resumed: the execution continues from its checkpoint (after a Wait or a crash):
            the runs it records again replace their earlier rows.
    """

    def __init__(
        self,
        data: ExecutionData,
        *,
        workflow: Workflow | Mapping[str, Any] | None = None,
        workflow_id: str | None = None,
        workflow_version: int | None = None,
        retry_of: str | None = None,
        parent_execution_id: str | None = None,
        secrets: Sequence[str] = (),
        timeout: float | None = 300.0,
        resumed: bool = False,
    ) -> None:
        self.data = data
        settings = (
            workflow.settings
            if isinstance(workflow, Workflow)
            else (workflow or {}).get("settings")
        )
        self.save = SaveSettings(settings if isinstance(settings, Mapping) else None)
        self._marked = _marked_nodes(workflow, settings if isinstance(settings, Mapping) else {})
        self.workflow_id = workflow_id
        self.workflow_version = workflow_version
        self.retry_of = retry_of
        self.parent_execution_id = parent_execution_id
        self.resumed = resumed
        self.secrets = [s for s in secrets if s]
        self.timeout = timeout
        self.mode = "manual"
        self.execution_id: str | None = None
        self.finished = False
        self._backend: RunItems | None = None
        self._data_failed = False
        self._writer: OrderedWriter[_Op] = OrderedWriter(data.store, _apply)

    def on_event(self, event: Event) -> None:
        if isinstance(event, ExecutionStarted):
            self._started(event)
        elif isinstance(event, NodeStarted) and event.node in self._marked:
            self._node_started(event)
        elif isinstance(event, NodeFinished):
            self._node_finished(event)
        elif isinstance(event, ExecutionFinished):
            self._finished(event)

    def _node_started(self, event: NodeStarted) -> None:
        """A side-effecting node starts: say so in the store, so that a resumed execution
        knows it may have acted and does not run it again (checkpoint.RUNNING)."""
        row = _RunRow(
            execution_id=event.execution_id,
            node=event.node,
            run_index=event.run_index,
            status=RUNNING,
            started_at=utcnow(),
            counts=[],
        )
        # Committed before the node runs: the mark must outlive whatever the node does.
        self._writer.submit(
            _Run(row, lambda _: None, replace=self.resumed), wait=True, timeout=self.timeout
        )

    def _started(self, event: ExecutionStarted) -> None:
        self.execution_id = event.execution_id
        self._backend = event.backend
        self.mode = event.mode if event.mode in EXECUTION_MODES else "manual"
        now = utcnow()
        row = ExecutionRecord(
            id=event.execution_id,
            workflow_id=self.workflow_id or event.workflow_id,
            workflow_name=event.workflow_name,
            workflow_version=self.workflow_version,
            mode=self.mode,
            status="running",
            retry_of=self.retry_of,
            parent_execution_id=self.parent_execution_id,
            created_at=now,
            started_at=now,
        )
        self._writer.submit(_Start(row))

    def _node_finished(self, event: NodeFinished) -> None:
        meta = event.meta
        run = _RunRow(
            execution_id=event.execution_id,
            node=meta.node,
            run_index=meta.run_index,
            status=meta.status,
            started_at=_parse_time(meta.started_at),
            execution_time_ms=meta.execution_time_ms,
            counts=list(meta.counts),
            error=scrub(meta.error, self.secrets),
            extra={k: meta.extra[k] for k in PUBLIC_EXTRAS if meta.extra.get(k)} or None,
        )
        replace = self.resumed or meta.node in self._marked  # the RUNNING row, if any
        self._writer.submit(_Run(run, self._checkpoint_writer(event), replace=replace))

    def _checkpoint_writer(self, event: NodeFinished) -> Callable[[bool], str | None]:
        """Writes the run's items and state to the blob store (from the writer's thread,
        so the coordinator does not wait on the disk); returns the blob prefix."""
        backend = self._backend
        node_run, meta = event.run, event.meta
        if backend is None or not node_run.saved:
            return lambda _: None  # save_outputs=False: only counts were kept

        def write(with_state: bool) -> str | None:
            if self._data_failed:
                return None  # the execution's data is incomplete already: it won't be kept
            try:
                outputs = backend.outputs(node_run.outputs)
                batches = [scrub_batch(b, self.secrets) for b in outputs]
                state = None
                if with_state and node_run.state is not None:
                    state = backend.state(node_run.state)
                return self.data.write_run(
                    event.execution_id, meta.node, meta.run_index, batches, state
                )
            except Exception:
                # The status still gets recorded; the data is all there or not at all.
                log.exception("could not store the data of execution %s", event.execution_id)
                self._data_failed = True
                return None

        return write

    def _discard(self, execution_id: str) -> None:
        try:
            self.data.blobs.delete_prefix(f"executions/{execution_id}")
        except Exception:
            log.exception("could not remove partial data of execution %s", execution_id)

    def _finished(self, event: ExecutionFinished) -> None:
        result = event.result
        status = result.status if result.status in RECORDED_STATUSES else "crashed"
        # A waiting execution keeps its checkpoint whatever the settings: it resumes from it.
        saved = status == "waiting" or self.save.saves(status, self.mode)
        finish = _Finish(
            event.execution_id,
            status,
            scrub(result.error, self.secrets),
            result.last_node_executed,
            lambda: saved and not self._data_failed,
            _parse_time(result.wait_till),
        )
        self._writer.submit(finish, wait=True, timeout=self.timeout)
        if not saved or self._data_failed:
            self._discard(event.execution_id)
        self.finished = True

"""Execution rows and their node-run rows. Item data is in the blob store (blobs.py);
`ExecutionData` (execution_data.py) ties the two together."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from hetumind.errors import NotFound
from hetumind.store._repo import Repository, get_or_raise, page
from hetumind.store.errors import Conflict, InvalidData
from hetumind.store.models import (
    EXECUTION_MODES,
    EXECUTION_STATUSES,
    FINISHED_STATUSES,
    ExecutionRecord,
    NodeRunRecord,
    WorkflowRecord,
    utcnow,
)

__all__ = ["ExecutionRepository"]


def _check(value: str, allowed: Sequence[str], field: str) -> str:
    if value not in allowed:
        raise InvalidData(
            f"execution field {field!r} must be one of {list(allowed)}, not {value!r}"
        )
    return value


class ExecutionRepository(Repository):
    """Executions (status, mode, workflow version, timings, error, retry_of) and node runs."""

    async def create(
        self,
        *,
        id: str | None = None,
        workflow_id: str | None = None,
        workflow_name: str = "",
        workflow_version: int | None = None,
        mode: str = "manual",
        status: str = "new",
        retry_of: str | None = None,
        parent_execution_id: str | None = None,
        owner: str | None = None,
    ) -> ExecutionRecord:
        """A new execution row (status `new` until `start`). Conflict when `id` is taken.
        `owner`: the server process that runs it (see leases.py); it beats from now on."""
        record = ExecutionRecord(
            workflow_id=workflow_id,
            workflow_name=workflow_name,
            workflow_version=workflow_version,
            mode=_check(mode, EXECUTION_MODES, "mode"),
            status=_check(status, EXECUTION_STATUSES, "status"),
            retry_of=retry_of,
            parent_execution_id=parent_execution_id,
            owner=owner,
            heartbeat_at=None if owner is None else utcnow(),
        )
        if id is not None:
            record.id = id
        if status == "running":
            record.started_at = record.created_at
        try:
            async with self._store.transaction() as session:
                session.add(record)
        except IntegrityError:
            raise Conflict(f"execution {record.id!r} already exists", what="execution") from None
        return record

    async def get(self, id: str) -> ExecutionRecord:
        async with self._store.sessions() as session:
            return await get_or_raise(session, ExecutionRecord, id, "execution")

    async def exists(self, id: str) -> bool:
        async with self._store.sessions() as session:
            return await session.get(ExecutionRecord, id) is not None

    async def start(self, id: str) -> ExecutionRecord:
        """Mark running now."""
        async with self._store.transaction() as session:
            record = await get_or_raise(session, ExecutionRecord, id, "execution")
            record.status = "running"
            record.started_at = utcnow()
        return record

    async def set_status(
        self, id: str, status: str, *, error: dict[str, Any] | None = None
    ) -> ExecutionRecord:
        """Any status change; a finished status also sets finished_at."""
        _check(status, EXECUTION_STATUSES, "status")
        async with self._store.transaction() as session:
            record = await get_or_raise(session, ExecutionRecord, id, "execution")
            record.status = status
            if error is not None:
                record.error = error
            if status in FINISHED_STATUSES and record.finished_at is None:
                record.finished_at = utcnow()
        return record

    async def finish(
        self,
        id: str,
        status: str,
        *,
        error: dict[str, Any] | None = None,
        last_node_executed: str | None = None,
        data_saved: bool = False,
    ) -> ExecutionRecord:
        """Record the outcome (success, error, canceled or crashed) and finished_at."""
        _check(status, FINISHED_STATUSES, "status")
        async with self._store.transaction() as session:
            record = await get_or_raise(session, ExecutionRecord, id, "execution")
            record.status = status
            record.error = error
            if last_node_executed is not None:
                record.last_node_executed = last_node_executed
            record.data_saved = data_saved
            record.finished_at = utcnow()
        return record

    async def list(
        self,
        *,
        workflow_id: str | None = None,
        status: str | Sequence[str] | None = None,
        mode: str | None = None,
        parent_execution_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
        project_ids: Sequence[str] | None = None,
    ) -> builtins.list[ExecutionRecord]:
        """Newest first; `parent_execution_id` keeps the sub-executions of that execution;
        `project_ids` those of workflows in these projects."""
        limit, offset = page(limit, offset)
        query = select(ExecutionRecord)
        if project_ids is not None:
            owned = select(WorkflowRecord.id).where(
                col(WorkflowRecord.project_id).in_(list(project_ids))
            )
            query = query.where(col(ExecutionRecord.workflow_id).in_(owned))
        if workflow_id is not None:
            query = query.where(col(ExecutionRecord.workflow_id) == workflow_id)
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            query = query.where(col(ExecutionRecord.status).in_(wanted))
        if mode is not None:
            query = query.where(col(ExecutionRecord.mode) == mode)
        if parent_execution_id is not None:
            query = query.where(col(ExecutionRecord.parent_execution_id) == parent_execution_id)
        query = query.order_by(
            col(ExecutionRecord.created_at).desc(),
            col(ExecutionRecord.id).desc(),
        )
        async with self._store.sessions() as session:
            return list((await session.execute(query.limit(limit).offset(offset))).scalars())

    async def children(self, parent_execution_id: str) -> builtins.list[ExecutionRecord]:
        """The sub-executions an execution started (Execute Workflow), oldest first."""
        query = (
            select(ExecutionRecord)
            .where(col(ExecutionRecord.parent_execution_id) == parent_execution_id)
            .order_by(col(ExecutionRecord.created_at), col(ExecutionRecord.id))
        )
        async with self._store.sessions() as session:
            return list((await session.execute(query)).scalars())

    async def count(self, *, workflow_id: str | None = None) -> int:
        query = select(func.count(col(ExecutionRecord.id)))
        if workflow_id is not None:
            query = query.where(col(ExecutionRecord.workflow_id) == workflow_id)
        async with self._store.sessions() as session:
            return int((await session.execute(query)).scalar_one())

    async def add_node_run(
        self,
        execution_id: str,
        *,
        node: str,
        run_index: int,
        status: str,
        started_at: datetime | None = None,
        execution_time_ms: float = 0.0,
        counts: Sequence[int] = (),
        error: dict[str, Any] | None = None,
        blob_ref: str | None = None,
        last_node: bool = True,
    ) -> NodeRunRecord:
        """Record one finished node run (and, by default, make it the last node executed)."""
        run = NodeRunRecord(
            execution_id=execution_id,
            node=node,
            run_index=run_index,
            status=status,
            started_at=started_at,
            execution_time_ms=execution_time_ms,
            counts=list(counts),
            error=error,
            blob_ref=blob_ref,
        )
        try:
            async with self._store.transaction() as session:
                record = await get_or_raise(session, ExecutionRecord, execution_id, "execution")
                session.add(run)
                if last_node:
                    record.last_node_executed = node
        except IntegrityError:
            raise Conflict(
                f"execution {execution_id!r} already has run {run_index} of node {node!r}",
                what="node run",
            ) from None
        return run

    async def set_blob_refs(self, execution_id: str, refs: dict[tuple[str, int], str]) -> None:
        """Point node runs at their stored outputs: {(node, run_index): blob prefix}."""
        async with self._store.transaction() as session:
            for (node, run_index), ref in refs.items():
                await session.execute(
                    update(NodeRunRecord)
                    .where(
                        col(NodeRunRecord.execution_id) == execution_id,
                        col(NodeRunRecord.node) == node,
                        col(NodeRunRecord.run_index) == run_index,
                    )
                    .values(blob_ref=ref)
                )

    async def node_runs(self, execution_id: str) -> builtins.list[NodeRunRecord]:
        """The execution's node runs in the order they finished; NotFound when unknown."""
        query = (
            select(NodeRunRecord)
            .where(col(NodeRunRecord.execution_id) == execution_id)
            .order_by(col(NodeRunRecord.id))
        )
        async with self._store.sessions() as session:
            await get_or_raise(session, ExecutionRecord, execution_id, "execution")
            return list((await session.execute(query)).scalars())

    async def delete(self, id: str) -> None:
        """Delete the rows (node runs cascade); blobs are ExecutionData.delete's job."""
        async with self._store.transaction() as session:
            result = await session.execute(
                delete(ExecutionRecord).where(col(ExecutionRecord.id) == id)
            )
            if not getattr(result, "rowcount", 0):
                raise NotFound("execution", id)

    async def delete_many(self, ids: Sequence[str]) -> int:
        if not ids:
            return 0
        async with self._store.transaction() as session:
            result = await session.execute(
                delete(ExecutionRecord).where(col(ExecutionRecord.id).in_(list(ids)))
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def mark_crashed(self, *, started_before: datetime | None = None) -> builtins.list[str]:
        """Executions still new/running whose process died and that cannot be resumed
        (no owner: see leases.py) become `crashed`; waiting ones are parked, not dead.

        Call on server start; `started_before` spares executions other live servers began.
        """
        query = select(col(ExecutionRecord.id)).where(
            col(ExecutionRecord.status).in_(["new", "running"]),
            col(ExecutionRecord.owner).is_(None),
        )
        if started_before is not None:
            query = query.where(col(ExecutionRecord.created_at) < started_before)
        async with self._store.transaction() as session:
            ids = list((await session.execute(query)).scalars())
            if ids:
                await session.execute(
                    update(ExecutionRecord)
                    .where(col(ExecutionRecord.id).in_(ids))
                    .values(status="crashed", finished_at=utcnow())
                )
        return ids

    async def prunable(self, *, max_age_hours: float, max_count: int) -> builtins.list[str]:
        """Finished executions older than `max_age_hours`, or beyond the newest
        `max_count`; a limit <= 0 is off. Running executions are never pruned."""
        finished = col(ExecutionRecord.status).in_(FINISHED_STATUSES)
        ids: set[str] = set()
        async with self._store.sessions() as session:
            if max_age_hours > 0:
                cutoff = utcnow() - timedelta(hours=max_age_hours)
                query = select(col(ExecutionRecord.id)).where(
                    finished,
                    col(ExecutionRecord.created_at) < cutoff,
                )
                ids.update((await session.execute(query)).scalars())
            if max_count > 0:
                query = (
                    select(col(ExecutionRecord.id))
                    .where(finished)
                    .order_by(
                        col(ExecutionRecord.created_at).desc(),
                        col(ExecutionRecord.id).desc(),
                    )
                    .offset(max_count)
                )
                ids.update((await session.execute(query)).scalars())
        return sorted(ids)

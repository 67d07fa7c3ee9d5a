"""Schedule ticks: which tick of each (workflow, schedule node) fired last.

A scheduler claims a tick before it starts the tick's execution, with the execution id it
will use. The primary key (workflow_id, node, tick) lets exactly one claim of a tick win,
however many schedulers race, and a claim also loses when a later tick of the same node
was claimed already, so a scheduler that fell behind (or restarted with an old plan)
cannot fire again what another fired. Only the latest claim per node is kept: it is what
a restarted scheduler catches up from.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from hetumind.store._repo import Repository
from hetumind.store.errors import InvalidData
from hetumind.store.models import ScheduleTickRecord, WorkflowRecord

__all__ = ["ScheduleTickRepository"]


class _Superseded(Exception):
    """A later tick of the node was claimed: roll this claim back."""


def _of(workflow_id: str, node: str) -> ColumnElement[bool]:
    return and_(
        col(ScheduleTickRecord.workflow_id) == workflow_id, col(ScheduleTickRecord.node) == node
    )


class ScheduleTickRepository(Repository):
    async def claim(
        self, workflow_id: str, node: str, tick: datetime, execution_id: str | None
    ) -> bool:
        """True for exactly one caller per tick: it fires the tick as `execution_id` (None:
        the tick is skipped, recorded only so that it is not caught up later). False when
        the tick, or a later one, was claimed already, or the workflow no longer exists."""
        if tick.tzinfo is None:
            raise InvalidData("schedule tick must be a timezone-aware datetime")
        try:
            async with self._store.transaction() as session:
                session.add(
                    ScheduleTickRecord(
                        workflow_id=workflow_id, node=node, tick=tick, execution_id=execution_id
                    )
                )
                await session.flush()  # the insert: a tick claimed already fails here
                later = await session.execute(
                    select(func.count())
                    .select_from(ScheduleTickRecord)
                    .where(_of(workflow_id, node), col(ScheduleTickRecord.tick) > tick)
                )
                if later.scalar():
                    raise _Superseded
                await session.execute(
                    delete(ScheduleTickRecord).where(
                        _of(workflow_id, node), col(ScheduleTickRecord.tick) < tick
                    )
                )
        except (IntegrityError, _Superseded):
            return False
        return True

    async def last(self, workflow_id: str, node: str) -> ScheduleTickRecord | None:
        """The latest claimed tick of the node (None: it never fired)."""
        query = (
            select(ScheduleTickRecord)
            .where(_of(workflow_id, node))
            .order_by(col(ScheduleTickRecord.tick).desc())
            .limit(1)
        )
        async with self._store.sessions() as session:
            return (await session.execute(query)).scalars().first()

    async def forget(self, workflow_id: str, keep: Collection[str] = ()) -> int:
        """Drop the ticks of the workflow's schedule nodes except those in `keep` (it was
        deactivated, or lost nodes): reactivated, they start afresh with nothing missed."""
        query = delete(ScheduleTickRecord).where(col(ScheduleTickRecord.workflow_id) == workflow_id)
        if keep:
            query = query.where(col(ScheduleTickRecord.node).not_in(list(keep)))
        async with self._store.transaction() as session:
            result = await session.execute(query)
        return int(getattr(result, "rowcount", 0) or 0)

    async def forget_inactive(self) -> int:
        """Drop the ticks of every workflow that is not active (deactivated while no
        scheduler ran); the number removed."""
        active = select(col(WorkflowRecord.id)).where(col(WorkflowRecord.active).is_(True))
        async with self._store.transaction() as session:
            result = await session.execute(
                delete(ScheduleTickRecord).where(col(ScheduleTickRecord.workflow_id).not_in(active))
            )
        return int(getattr(result, "rowcount", 0) or 0)

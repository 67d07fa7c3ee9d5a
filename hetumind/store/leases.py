"""Who runs an execution, and taking over the ones nobody runs any more.

A server process (owner) stamps the executions it runs with its id and keeps their
`heartbeat_at` fresh. An execution whose owner stopped beating (killed, machine lost) is
an orphan; a parked one (status waiting) becomes due at `wait_till` or when its resume
webhook is called. Either way, one process takes it over with a single conditional UPDATE
(`claim`): the database decides who wins, so an execution resumes exactly once however
many processes try at the same moment.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlmodel import col

from hetumind.store._repo import Repository
from hetumind.store.models import ExecutionRecord, utcnow

__all__ = ["UNFINISHED", "LeaseRepository"]

UNFINISHED = ("new", "running")
"""Statuses of executions some process should be running right now."""


class LeaseRepository(Repository):
    async def heartbeat(self, owner: str, execution_ids: Sequence[str]) -> None:
        """Say that `owner` still runs these executions."""
        if not execution_ids:
            return
        async with self._store.transaction() as session:
            await session.execute(
                update(ExecutionRecord)
                .where(
                    col(ExecutionRecord.id).in_(list(execution_ids)),
                    col(ExecutionRecord.status).in_(UNFINISHED),
                )
                .values(owner=owner, heartbeat_at=utcnow())
            )

    async def orphans(self, stale_before: datetime, limit: int = 500) -> builtins.list[str]:
        """Unfinished executions whose owner has not beaten since `stale_before`."""
        query = (
            select(col(ExecutionRecord.id))
            .where(col(ExecutionRecord.status).in_(UNFINISHED), _stale(stale_before))
            .order_by(col(ExecutionRecord.created_at))
            .limit(limit)
        )
        async with self._store.sessions() as session:
            return list((await session.execute(query)).scalars())

    async def due_waits(self, now: datetime, limit: int = 500) -> builtins.list[str]:
        """Parked executions whose time to resume has come."""
        query = (
            select(col(ExecutionRecord.id))
            .where(
                col(ExecutionRecord.status) == "waiting",
                col(ExecutionRecord.wait_till).is_not(None),
                col(ExecutionRecord.wait_till) <= now,
            )
            .order_by(col(ExecutionRecord.wait_till))
            .limit(limit)
        )
        async with self._store.sessions() as session:
            return list((await session.execute(query)).scalars())

    async def set_wait_till(self, execution_id: str, moment: datetime) -> None:
        """Move a parked execution's wake-up (`moment` now or earlier: at the next sweep)."""
        async with self._store.transaction() as session:
            await session.execute(
                update(ExecutionRecord)
                .where(
                    col(ExecutionRecord.id) == execution_id,
                    col(ExecutionRecord.status) == "waiting",
                )
                .values(wait_till=moment)
            )

    async def claim(
        self,
        execution_id: str,
        owner: str,
        *,
        waiting: bool = False,
        stale_before: datetime | None = None,
    ) -> bool:
        """Take the execution over: a parked one (`waiting`), or an orphan whose heartbeat
        is older than `stale_before`. True for exactly one caller; it is then running."""
        if waiting:
            condition: ColumnElement[bool] = col(ExecutionRecord.status) == "waiting"
        else:
            assert stale_before is not None
            condition = and_(col(ExecutionRecord.status).in_(UNFINISHED), _stale(stale_before))
        async with self._store.transaction() as session:
            found = await session.execute(
                update(ExecutionRecord)
                .where(col(ExecutionRecord.id) == execution_id, condition)
                .values(status="running", owner=owner, heartbeat_at=utcnow(), wait_till=None)
            )
        return bool(getattr(found, "rowcount", 0) == 1)


def _stale(before: datetime) -> ColumnElement[bool]:
    # Only executions a server owned can be taken over: a row without an owner belongs to
    # a process that does not beat (a CLI run, a sub-workflow recorded from a worker).
    return and_(
        col(ExecutionRecord.owner).is_not(None),
        or_(
            col(ExecutionRecord.heartbeat_at).is_(None), col(ExecutionRecord.heartbeat_at) < before
        ),
    )

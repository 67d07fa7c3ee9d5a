"""The audit log: append-only records of logins, keys, credentials, activations, roles."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from hetumind.store._repo import Repository, page
from hetumind.store.models import AuditRecord

__all__ = ["AuditRepository"]


class AuditRepository(Repository):
    async def log(
        self,
        action: str,
        *,
        actor_id: str | None = None,
        target_type: str | None = None,
        target_id: str | None = None,
        project_id: str | None = None,
        ip: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditRecord:
        record = AuditRecord(
            action=action[:64],
            actor_id=actor_id,
            target_type=target_type,
            target_id=None if target_id is None else target_id[:64],
            project_id=project_id,
            ip=None if ip is None else ip[:64],
            details=details,
        )
        async with self._store.transaction() as session:
            session.add(record)
        return record

    async def list(
        self,
        *,
        action: str | None = None,
        actor_id: str | None = None,
        project_ids: builtins.list[str] | None = None,
        since: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[AuditRecord]:
        """Newest first; `project_ids` keeps the events of those projects only."""
        limit, offset = page(limit, offset)
        query = select(AuditRecord)
        if action is not None:
            query = query.where(col(AuditRecord.action) == action)
        if actor_id is not None:
            query = query.where(col(AuditRecord.actor_id) == actor_id)
        if project_ids is not None:
            query = query.where(col(AuditRecord.project_id).in_(project_ids))
        if since is not None:
            query = query.where(col(AuditRecord.at) >= since)
        query = query.order_by(col(AuditRecord.id).desc()).limit(limit).offset(offset)
        async with self._store.sessions() as session:
            return list((await session.execute(query)).scalars())

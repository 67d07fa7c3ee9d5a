"""Projects and memberships (a user's role in a project)."""

from __future__ import annotations

import builtins

from sqlalchemy import delete
from sqlmodel import col, select

from hetumind.store._repo import Repository, get_or_raise
from hetumind.store.errors import InvalidData
from hetumind.store.models import MembershipRecord, ProjectRecord, UserRecord

__all__ = ["ProjectRepository"]

ROLES = ("viewer", "editor", "admin", "owner")


class ProjectRepository(Repository):
    async def create(self, name: str, owner_id: str | None = None) -> ProjectRecord:
        if not isinstance(name, str) or not name.strip():
            raise InvalidData("project field 'name' must be a non-empty string")
        project = ProjectRecord(name=name.strip()[:255])
        async with self._store.transaction() as session:
            session.add(project)
            await session.flush()
            if owner_id is not None:
                session.add(MembershipRecord(project_id=project.id, user_id=owner_id, role="owner"))
        return project

    async def get(self, id: str) -> ProjectRecord:
        async with self._store.sessions() as session:
            return await get_or_raise(session, ProjectRecord, id, "project")

    async def list(self, ids: builtins.list[str] | None = None) -> builtins.list[ProjectRecord]:
        query = select(ProjectRecord).order_by(col(ProjectRecord.name), col(ProjectRecord.id))
        if ids is not None:
            query = query.where(col(ProjectRecord.id).in_(ids))
        async with self._store.sessions() as session:
            return list((await session.execute(query)).scalars())

    async def delete(self, id: str) -> None:
        async with self._store.transaction() as session:
            project = await get_or_raise(session, ProjectRecord, id, "project")
            await session.delete(project)

    async def roles_of(self, user_id: str) -> dict[str, str]:
        """project id -> the user's role there."""
        query = select(MembershipRecord).where(col(MembershipRecord.user_id) == user_id)
        async with self._store.sessions() as session:
            return {m.project_id: m.role for m in (await session.execute(query)).scalars()}

    async def members(self, project_id: str) -> builtins.list[MembershipRecord]:
        query = (
            select(MembershipRecord)
            .where(col(MembershipRecord.project_id) == project_id)
            .order_by(col(MembershipRecord.created_at))
        )
        async with self._store.sessions() as session:
            return list((await session.execute(query)).scalars())

    async def set_member(self, project_id: str, user_id: str, role: str) -> MembershipRecord:
        if role not in ROLES:
            raise InvalidData(f"role must be one of {list(ROLES)}, not {role!r}")
        async with self._store.transaction() as session:
            await get_or_raise(session, ProjectRecord, project_id, "project")
            await get_or_raise(session, UserRecord, user_id, "user")
            row = await session.get(MembershipRecord, (project_id, user_id))
            if row is None:
                row = MembershipRecord(project_id=project_id, user_id=user_id, role=role)
                session.add(row)
            else:
                row.role = role
        return row

    async def remove_member(self, project_id: str, user_id: str) -> None:
        async with self._store.transaction() as session:
            await session.execute(
                delete(MembershipRecord).where(
                    col(MembershipRecord.project_id) == project_id,
                    col(MembershipRecord.user_id) == user_id,
                )
            )

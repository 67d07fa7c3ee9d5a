"""Workflows with version history: every save keeps the version before it."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hetumind.errors import NotFound
from hetumind.store._repo import Repository, get_or_raise, page
from hetumind.store.errors import Conflict, InvalidData
from hetumind.store.models import (
    DEFAULT_PROJECT_ID,
    TagRecord,
    WorkflowRecord,
    WorkflowTagLink,
    WorkflowVersionRecord,
    utcnow,
)

__all__ = ["WorkflowRepository"]

# Kept in columns of their own; the stored document holds everything else.
_OWN_COLUMNS = ("id", "active", "versionId", "createdAt", "updatedAt", "tags")


def _doc_tags(doc: dict[str, Any]) -> list[str] | None:
    """Tag names from an exported n8n document (`"tags": [{"name": ...}]` or names)."""
    tags = doc.get("tags")
    if not isinstance(tags, list):
        return None
    names = [t.get("name") if isinstance(t, dict) else t for t in tags]
    if not all(isinstance(n, str) for n in names):
        raise InvalidData("workflow field 'tags' must list tag names or {'name': ...} objects")
    return [str(n) for n in names]


NAME_MAX = 255
"""Characters a workflow name may have (`WorkflowRecord.name`)."""


def _split(doc: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if not isinstance(doc, dict):
        raise InvalidData("a workflow document must be a JSON object")
    name = doc.get("name", "workflow")
    if not isinstance(name, str) or not name.strip():
        raise InvalidData("workflow field 'name' must be a non-empty string")
    if len(name) > NAME_MAX:  # the column's size: PostgreSQL would refuse it mid-write
        raise InvalidData(f"workflow field 'name' must be at most {NAME_MAX} characters")
    return name, {k: v for k, v in doc.items() if k not in _OWN_COLUMNS}


class WorkflowRepository(Repository):
    """Workflow documents by id, with tags and every version ever saved."""

    async def create(
        self,
        doc: dict[str, Any],
        *,
        id: str | None = None,
        active: bool | None = None,
        tags: Sequence[str] | None = None,
        project_id: str | None = None,
    ) -> WorkflowRecord:
        """Store a new workflow as version 1 (in `project_id`, else the default project);
        `tags` are names (created when missing),
        by default those the document lists (n8n exports carry them).

        Raises Conflict when `id` is taken.
        """
        name, data = _split(doc)
        tags = _doc_tags(doc) if tags is None else tags
        is_active = bool(doc.get("active", False)) if active is None else active
        record = WorkflowRecord(
            name=name,
            data=data,
            active=is_active,
            version=1,
            project_id=project_id or DEFAULT_PROJECT_ID,
        )
        if id is not None:
            record.id = id
        try:
            async with self._store.transaction() as session:
                session.add(record)
                await session.flush()
                session.add(_version_of(record))
                if tags:
                    await _set_tags(session, record.id, tags)
        except IntegrityError:
            raise Conflict(f"workflow {record.id!r} already exists", what="workflow") from None
        return record

    async def get(self, id: str) -> WorkflowRecord:
        """The current version; NotFound for an unknown id."""
        async with self._store.sessions() as session:
            return await get_or_raise(session, WorkflowRecord, id, "workflow")

    async def set_static_data(self, id: str, data: dict[str, Any]) -> None:
        """Keep the workflow's static data ($getWorkflowStaticData) for its next runs; not
        a new version. The last execution to finish wins, as in n8n."""
        async with self._store.transaction() as session:
            record = await get_or_raise(session, WorkflowRecord, id, "workflow")
            record.static_data = data

    async def list(
        self,
        *,
        active: bool | None = None,
        tag: str | None = None,
        name: str | None = None,
        limit: int = 100,
        offset: int = 0,
        project_ids: Sequence[str] | None = None,
    ) -> builtins.list[WorkflowRecord]:
        """Workflows by name then id; filter by active flag, tag name, name substring, or
        the projects they belong to."""
        limit, offset = page(limit, offset)
        query = select(WorkflowRecord)
        if project_ids is not None:
            query = query.where(col(WorkflowRecord.project_id).in_(list(project_ids)))
        if active is not None:
            query = query.where(col(WorkflowRecord.active) == active)
        if name:
            query = query.where(func.lower(col(WorkflowRecord.name)).contains(name.lower()))
        if tag is not None:
            query = (
                query.join(
                    WorkflowTagLink, col(WorkflowTagLink.workflow_id) == col(WorkflowRecord.id)
                )
                .join(TagRecord, col(TagRecord.id) == col(WorkflowTagLink.tag_id))
                .where(col(TagRecord.name) == tag)
            )
        query = (
            query.order_by(col(WorkflowRecord.name), col(WorkflowRecord.id))
            .limit(limit)
            .offset(offset)
        )
        async with self._store.sessions() as session:
            return list((await session.execute(query)).scalars())

    async def update(
        self,
        id: str,
        doc: dict[str, Any],
        *,
        expected_version: int | None = None,
        active: bool | None = None,
        tags: Sequence[str] | None = None,
    ) -> WorkflowRecord:
        """Replace the document, saving it as the next version (the old one is kept).

        `expected_version` guards against lost updates: Conflict when someone saved since.
        `tags=None` takes the document's `tags` if it has them, else leaves tags as they
        are; a list replaces them.
        """
        name, data = _split(doc)
        tags = _doc_tags(doc) if tags is None else tags
        async with self._store.transaction() as session:
            record = await _locked(session, id)
            if expected_version is not None and record.version != expected_version:
                raise Conflict(
                    f"workflow {id!r} is at version {record.version}, "
                    f"not {expected_version}; reload it and try again",
                    what="workflow",
                    key=id,
                )
            record.name = name
            record.data = data
            record.version += 1
            record.updated_at = utcnow()
            if active is not None:
                record.active = active
            session.add(_version_of(record))
            if tags is not None:
                await _set_tags(session, id, tags)
        return record

    async def set_active(self, id: str, active: bool) -> WorkflowRecord:
        """Activate or deactivate without creating a version (as n8n does)."""
        async with self._store.transaction() as session:
            record = await _locked(session, id)
            record.active = active
            record.updated_at = utcnow()
        return record

    async def delete(self, id: str) -> None:
        """Delete a workflow, its versions, tag links and webhooks; NotFound when unknown."""
        async with self._store.transaction() as session:
            record = await get_or_raise(session, WorkflowRecord, id, "workflow")
            await session.delete(record)

    async def versions(self, id: str) -> builtins.list[WorkflowVersionRecord]:
        """Every saved version, newest first."""
        async with self._store.sessions() as session:
            await get_or_raise(session, WorkflowRecord, id, "workflow")
            query = (
                select(WorkflowVersionRecord)
                .where(col(WorkflowVersionRecord.workflow_id) == id)
                .order_by(col(WorkflowVersionRecord.version).desc())
            )
            return list((await session.execute(query)).scalars())

    async def get_version(self, id: str, version: int) -> WorkflowVersionRecord:
        """One saved version; NotFound names the workflow and version."""
        query = select(WorkflowVersionRecord).where(
            col(WorkflowVersionRecord.workflow_id) == id,
            col(WorkflowVersionRecord.version) == version,
        )
        async with self._store.sessions() as session:
            row = (await session.execute(query)).scalar_one_or_none()
        if row is None:
            raise NotFound("workflow version", f"{id}@{version}")
        return row

    async def tags_of(self, id: str) -> builtins.list[TagRecord]:
        """The workflow's tags, by name."""
        query = (
            select(TagRecord)
            .join(WorkflowTagLink, col(WorkflowTagLink.tag_id) == col(TagRecord.id))
            .where(col(WorkflowTagLink.workflow_id) == id)
            .order_by(col(TagRecord.name))
        )
        async with self._store.sessions() as session:
            await get_or_raise(session, WorkflowRecord, id, "workflow")
            return list((await session.execute(query)).scalars())

    async def count(self) -> int:
        async with self._store.sessions() as session:
            return int(
                (await session.execute(select(func.count(col(WorkflowRecord.id))))).scalar_one()
            )


def _version_of(record: WorkflowRecord) -> WorkflowVersionRecord:
    return WorkflowVersionRecord(
        workflow_id=record.id,
        version=record.version,
        name=record.name,
        data=record.data,
        created_at=record.updated_at,
    )


async def _locked(session: AsyncSession, id: str) -> WorkflowRecord:
    # FOR UPDATE serializes concurrent saves on PostgreSQL; SQLite locks the whole file.
    query = select(WorkflowRecord).where(col(WorkflowRecord.id) == id).with_for_update()
    record = (await session.execute(query)).scalar_one_or_none()
    if record is None:
        raise NotFound("workflow", id)
    return record


async def _set_tags(session: AsyncSession, workflow_id: str, names: Sequence[str]) -> None:
    wanted = list(dict.fromkeys(n.strip() for n in names))
    if any(not n for n in wanted):
        raise InvalidData("tag names must be non-empty")
    existing = {
        t.name: t
        for t in (
            await session.execute(select(TagRecord).where(col(TagRecord.name).in_(wanted)))
        ).scalars()
    }
    for n in wanted:
        if n not in existing:
            tag = TagRecord(name=n)
            session.add(tag)
            existing[n] = tag
    await session.flush()
    await session.execute(
        delete(WorkflowTagLink).where(col(WorkflowTagLink.workflow_id) == workflow_id)
    )
    for n in wanted:
        session.add(WorkflowTagLink(workflow_id=workflow_id, tag_id=existing[n].id))

"""Tags: unique names attached to workflows."""

from __future__ import annotations

import builtins

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from hetumind.store._repo import Repository, get_or_raise
from hetumind.store.errors import Conflict, InvalidData
from hetumind.store.models import TagRecord

__all__ = ["TagRepository"]


def _clean(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidData("tag field 'name' must be a non-empty string")
    if len(name.strip()) > 128:
        raise InvalidData("tag field 'name' is longer than 128 characters")
    return name.strip()


class TagRepository(Repository):
    """Tags by id; names are unique (Conflict on a duplicate)."""

    async def create(self, name: str) -> TagRecord:
        tag = TagRecord(name=_clean(name))
        try:
            async with self._store.transaction() as session:
                session.add(tag)
        except IntegrityError:
            raise Conflict(f"tag {tag.name!r} already exists", what="tag", key=tag.name) from None
        return tag

    async def get(self, id: str) -> TagRecord:
        async with self._store.sessions() as session:
            return await get_or_raise(session, TagRecord, id, "tag")

    async def by_name(self, name: str) -> TagRecord:
        async with self._store.sessions() as session:
            tag = (
                await session.execute(select(TagRecord).where(col(TagRecord.name) == name))
            ).scalar_one_or_none()
        if tag is None:
            from hetumind.errors import NotFound

            raise NotFound("tag", name)
        return tag

    async def list(self) -> builtins.list[TagRecord]:
        async with self._store.sessions() as session:
            return list(
                (await session.execute(select(TagRecord).order_by(col(TagRecord.name)))).scalars()
            )

    async def rename(self, id: str, name: str) -> TagRecord:
        new_name = _clean(name)
        try:
            async with self._store.transaction() as session:
                tag = await get_or_raise(session, TagRecord, id, "tag")
                tag.name = new_name
        except IntegrityError:
            raise Conflict(f"tag {new_name!r} already exists", what="tag", key=new_name) from None
        return tag

    async def delete(self, id: str) -> None:
        """Delete the tag; workflows lose it, nothing else changes."""
        async with self._store.transaction() as session:
            await session.delete(await get_or_raise(session, TagRecord, id, "tag"))

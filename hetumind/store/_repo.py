"""Helpers shared by the repositories."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from hetumind.errors import NotFound
from hetumind.store.errors import InvalidData

if TYPE_CHECKING:
    from hetumind.store.db import Store

M = TypeVar("M", bound=SQLModel)

MAX_PAGE = 1000


class Repository:
    """Base of the repositories: holds the store whose sessions it uses."""

    def __init__(self, store: Store) -> None:
        self._store = store


async def get_or_raise(session: AsyncSession, model: type[M], key: Any, what: str) -> M:
    row = await session.get(model, key)
    if row is None:
        raise NotFound(what, str(key))
    return row


def page(limit: int, offset: int) -> tuple[int, int]:
    """Clamp paging arguments; a negative value is a caller's bug, not a database error."""
    if limit < 0 or offset < 0:
        raise InvalidData("limit and offset must be >= 0")
    return min(limit, MAX_PAGE), offset


def detached(rows: Sequence[M]) -> list[M]:
    return list(rows)

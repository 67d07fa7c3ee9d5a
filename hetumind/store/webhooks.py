"""Webhook routes: (path, method) -> workflow and node. A route belongs to one workflow."""

from __future__ import annotations

import builtins
import string
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from hetumind.errors import NotFound
from hetumind.store._repo import Repository, get_or_raise
from hetumind.store.errors import Conflict, InvalidData
from hetumind.store.models import WebhookRecord, WorkflowRecord

__all__ = ["HTTP_METHODS", "WebhookRepository", "WebhookRoute", "normalize_path"]

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class WebhookRoute:
    """One route a workflow's webhook node listens on."""

    path: str
    method: str
    node: str


def normalize_path(path: str) -> str:
    """`/a/b/` and `a/b` are the same route: stored without outer slashes."""
    # outer slashes and whitespace in any mix ("/a/ ", "\r" names no route at all)
    clean = path.strip(string.whitespace + "/") if isinstance(path, str) else ""
    if not clean:
        raise InvalidData("webhook field 'path' must be a non-empty string")
    return clean


def _method(method: str) -> str:
    upper = method.upper() if isinstance(method, str) else ""
    if upper not in HTTP_METHODS:
        raise InvalidData(f"webhook field 'method' must be one of {list(HTTP_METHODS)}")
    return upper


def _conflict(path: str, method: str) -> Conflict:
    return Conflict(
        f"webhook {method} /{path} is already registered by another workflow",
        what="webhook",
        key=f"{method} {path}",
    )


class WebhookRepository(Repository):
    """Webhook routes; a (path, method) pair taken twice is a Conflict."""

    async def add(self, workflow_id: str, path: str, method: str, node: str) -> WebhookRecord:
        record = WebhookRecord(
            workflow_id=workflow_id, path=normalize_path(path), method=_method(method), node=node
        )
        try:
            async with self._store.transaction() as session:
                await get_or_raise(session, WorkflowRecord, workflow_id, "workflow")
                session.add(record)
        except IntegrityError:
            raise _conflict(record.path, record.method) from None
        return record

    async def replace_for_workflow(
        self, workflow_id: str, routes: Sequence[WebhookRoute]
    ) -> builtins.list[WebhookRecord]:
        """Make `routes` the workflow's whole set (on activation; [] on deactivation).

        All or nothing: on a Conflict the workflow keeps the routes it had.
        """
        records = [
            WebhookRecord(
                workflow_id=workflow_id,
                path=normalize_path(r.path),
                method=_method(r.method),
                node=r.node,
            )
            for r in routes
        ]
        seen: set[tuple[str, str]] = set()
        for r in records:
            if (r.path, r.method) in seen:
                raise _conflict(r.path, r.method)
            seen.add((r.path, r.method))
        current: WebhookRecord | None = None
        try:
            async with self._store.transaction() as session:
                await get_or_raise(session, WorkflowRecord, workflow_id, "workflow")
                await session.execute(
                    delete(WebhookRecord).where(col(WebhookRecord.workflow_id) == workflow_id)
                )
                for current in records:
                    session.add(current)
                    await session.flush()
        except IntegrityError:
            assert current is not None
            raise _conflict(current.path, current.method) from None
        return records

    async def find(self, path: str, method: str) -> WebhookRecord:
        """The route for an incoming request; NotFound when nothing listens there."""
        p, m = normalize_path(path), _method(method)
        query = select(WebhookRecord).where(
            col(WebhookRecord.path) == p, col(WebhookRecord.method) == m
        )
        async with self._store.sessions() as session:
            row = (await session.execute(query)).scalar_one_or_none()
        if row is None:
            raise NotFound("webhook", f"{m} /{p}")
        return row

    async def list(self, workflow_id: str | None = None) -> builtins.list[WebhookRecord]:
        query = select(WebhookRecord).order_by(col(WebhookRecord.path), col(WebhookRecord.method))
        if workflow_id is not None:
            query = query.where(col(WebhookRecord.workflow_id) == workflow_id)
        async with self._store.sessions() as session:
            return list((await session.execute(query)).scalars())

    async def delete(self, id: str) -> None:
        async with self._store.transaction() as session:
            await session.delete(await get_or_raise(session, WebhookRecord, id, "webhook"))

    async def delete_for_workflow(self, workflow_id: str) -> int:
        """Remove every route of a workflow; returns how many there were."""
        async with self._store.transaction() as session:
            result = await session.execute(
                delete(WebhookRecord).where(col(WebhookRecord.workflow_id) == workflow_id)
            )
        return int(getattr(result, "rowcount", 0) or 0)

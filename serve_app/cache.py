"""A replica's short-lived memory of webhook routes and workflow records.

Webhook calls are the hot path; looking up the route and the workflow in the database on
every call costs more than running a small workflow. Entries live `TTL` seconds at most;
changes made through this replica drop them at once, and changes made through another
replica reach here as a "changed" signal through the EventBus within milliseconds.
"""

from __future__ import annotations

import time
from typing import Any

from hetumind.errors import NotFound
from hetumind.store import Store, WorkflowRecord
from serve_app.triggers import match_path

__all__ = ["WorkflowCache"]

TTL = 5.0


class WorkflowCache:
    def __init__(self, store: Store, ttl: float = TTL) -> None:
        self._store = store
        self._ttl = ttl
        self._routes: dict[tuple[str, str], tuple[float, str, str]] = {}
        self._dynamic: tuple[float, list[Any]] | None = None
        self._workflows: dict[str, tuple[float, WorkflowRecord]] = {}

    async def route(self, path: str, method: str) -> tuple[str, str, dict[str, str]] | None:
        """(workflow id, node, path params) of the active route, or None."""
        now = time.monotonic()
        hit = self._routes.get((path, method))
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1], hit[2], {}
        try:
            route = await self._store.webhooks.find(path, method)
        except NotFound:
            route = None
        if route is not None:
            self._routes[(path, method)] = (now, route.workflow_id, route.node)
            return route.workflow_id, route.node, {}
        if self._dynamic is None or now - self._dynamic[0] >= self._ttl:
            routes = [r for r in await self._store.webhooks.list() if ":" in r.path]
            self._dynamic = (now, routes)
        for candidate in self._dynamic[1]:
            if candidate.method == method:
                params = match_path(candidate.path, path)
                if params is not None:
                    return candidate.workflow_id, candidate.node, params
        return None

    async def workflow(self, workflow_id: str) -> WorkflowRecord:
        now = time.monotonic()
        hit = self._workflows.get(workflow_id)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        record = await self._store.workflows.get(workflow_id)
        self._workflows[workflow_id] = (now, record)
        return record

    def invalidate(self, workflow_id: str | None = None) -> None:
        """Forget a workflow and every route (routes are few; dropping all is simplest)."""
        self._routes.clear()
        self._dynamic = None
        if workflow_id is None:
            self._workflows.clear()
        else:
            self._workflows.pop(workflow_id, None)

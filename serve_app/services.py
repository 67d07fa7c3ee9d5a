"""What a replica's routes use: store, execution data, executor, event bus, scheduler.

Opened lazily on the replica's event loop (the async store belongs to the loop that opened
it). Routes reach it through the `services` dependency; the deployment installs how to
build it when the replica starts.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from hetumind.auth import TokenIssuer, derive_secret, ensure_owner
from hetumind.recording import ResumableData
from hetumind.store import Store, open_blob_store
from hetumind.store.crypto import load_or_create_key
from hetumind.subworkflows import set_store as set_subworkflow_store
from serve_app.cache import WorkflowCache
from serve_app.events import EventPublisher
from serve_app.executor import Executor
from serve_app.recording import Recording
from serve_app.settings import ServerSettings

__all__ = ["Services", "install", "services"]


@dataclass
class Services:
    settings: ServerSettings
    store: Store
    data: ResumableData
    """Execution rows and items; also read back as a checkpoint (resumer, retry)."""
    executor: Executor
    publisher: EventPublisher | None
    bus: Any
    """DeploymentHandle of the EventBus (None: live events off)."""
    scheduler: Any
    """DeploymentHandle of the Scheduler (None: schedules off)."""
    cache: WorkflowCache
    issuer: TokenIssuer
    """Signs and checks session tokens; every replica derives the same secret."""

    @classmethod
    async def open(cls, settings: ServerSettings, bus: Any, scheduler: Any) -> Services:
        store_settings = settings.store_settings()
        store = await Store.open(settings.database_url, settings=store_settings)
        data = ResumableData(store, open_blob_store(settings=store_settings))
        # Execute Workflow nodes running in this replica find and record sub-workflows here.
        set_subworkflow_store(data)
        publisher = EventPublisher(bus) if bus is not None else None
        executor = Executor(Recording(store, data), publisher, settings)
        owner = await ensure_owner(store, {**os.environ, **settings.store_env})
        if owner is not None:
            # Served without `hetumind serve` (which creates the owner itself and prints
            # it): the replica's log is the one place the generated password shows up.
            logging.getLogger(__name__).warning(
                "created the owner account %s with password %s (shown once; change it)",
                owner.email,
                owner.password,
            )
        master = store_settings.encryption_key or load_or_create_key(store_settings.home)
        secret = os.environ.get("HETUMIND_JWT_SECRET") or settings.store_env.get(
            "HETUMIND_JWT_SECRET"
        )
        issuer = TokenIssuer(secret.encode() if secret else derive_secret(master))
        return cls(
            settings,
            store,
            data,
            executor,
            publisher,
            bus,
            scheduler,
            WorkflowCache(store),
            issuer,
        )

    async def workflow_changed(self, workflow_id: str) -> None:
        """A workflow was saved, (de)activated or deleted: drop cached copies here and in
        the other replicas, and let the scheduler reload its schedules."""
        self.cache.invalidate(workflow_id)
        if self.bus is not None:
            await self.bus.signal.remote("changed", workflow_id)
        if self.scheduler is not None:
            await self.scheduler.refresh.remote(workflow_id)

    def on_signal(self, kind: str, key: str) -> None:
        """A signal from another replica (see EventBus.signal)."""
        if kind == "stop":
            self.executor.stop(key)
        elif kind == "changed":
            self.cache.invalidate(key)
        elif kind == "watch" and self.publisher is not None:
            self.publisher.watched.add(key)
        elif kind == "unwatch" and self.publisher is not None:
            self.publisher.watched.discard(key)

    async def close(self) -> None:
        self.executor.close()
        await self.store.close()


_factory: Callable[[], Awaitable[Services]] | None = None
_opened: Services | None = None
_lock: asyncio.Lock | None = None


def install(factory: Callable[[], Awaitable[Services]]) -> None:
    """Called by the deployment when its replica starts."""
    global _factory, _opened, _lock
    _factory, _opened, _lock = factory, None, None


async def services() -> Services:
    """FastAPI dependency: this replica's services, opened on first use."""
    global _opened, _lock
    if _opened is not None:
        return _opened
    if _factory is None:
        raise RuntimeError("serve_app services are not installed in this process")
    if _lock is None:
        _lock = asyncio.Lock()
    async with _lock:
        if _opened is None:
            _opened = await _factory()
    return _opened


def opened() -> Services | None:
    return _opened

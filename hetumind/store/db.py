"""`Store`: the async database handle and its repositories.

A Store lives on one event loop (asyncpg connections belong to the loop that made them).
Code on other threads, such as execution listeners called from the coordinator thread,
reaches it with `store.run_sync(coro)`. `Store.open_sync()` gives a Store with a private
loop thread, for the CLI, tests and other synchronous programs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from hetumind.asyncbridge import LoopThread
from hetumind.store.settings import StoreSettings, async_url

__all__ = ["Store", "create_engine"]

T = TypeVar("T")


def create_engine(url: str) -> AsyncEngine:
    """An async engine for `url`; SQLite gets foreign keys and a busy timeout."""
    url = async_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            from pathlib import Path

            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Cascading deletes need foreign keys on; WAL lets readers run during writes.
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if database and database != ":memory:":
                # WAL with synchronous=NORMAL: commits skip fsync (a power cut may lose the
                # last ones, never corrupt the file); several times faster per commit.
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True)


class Store:
    """The database: workflows, executions, webhooks, tags and credentials.

    Open one with `await Store.open()` inside a running loop (the API server) or with
    `Store.open_sync()` elsewhere. Repositories hang off it as attributes; every method
    is a coroutine and runs in a transaction of its own, so a failure writes nothing.

    Example:
        >>> store = Store.open_sync()            # embedded SQLite under HETUMIND_HOME
        >>> wf = store.run_sync(store.workflows.create({"name": "w", "nodes": []}))
        >>> store.close_sync()
    """

    def __init__(
        self,
        url: str,
        *,
        settings: StoreSettings | None = None,
        loop_thread: LoopThread | None = None,
    ) -> None:
        from hetumind.store.audit import AuditRepository
        from hetumind.store.credentials import CredentialRepository
        from hetumind.store.crypto import Cipher
        from hetumind.store.executions import ExecutionRepository
        from hetumind.store.idempotency import IdempotencyRepository
        from hetumind.store.leases import LeaseRepository
        from hetumind.store.projects import ProjectRepository
        from hetumind.store.schedule_ticks import ScheduleTickRepository
        from hetumind.store.tags import TagRepository
        from hetumind.store.users import ApiKeyRepository, UserRepository
        from hetumind.store.webhooks import WebhookRepository
        from hetumind.store.workflows import WorkflowRepository

        self.url = url
        self.settings = settings or StoreSettings.from_env()
        self.engine = create_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = loop_thread
        self.workflows = WorkflowRepository(self)
        self.executions = ExecutionRepository(self)
        self.webhooks = WebhookRepository(self)
        self.tags = TagRepository(self)
        self.credentials = CredentialRepository(self, Cipher.from_settings(self.settings))
        self.idempotency = IdempotencyRepository(self)
        self.leases = LeaseRepository(self)
        self.schedule_ticks = ScheduleTickRepository(self)
        self.users = UserRepository(self)
        self.api_keys = ApiKeyRepository(self)
        self.projects = ProjectRepository(self)
        self.audit = AuditRepository(self)

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @classmethod
    async def open(
        cls,
        url: str | None = None,
        *,
        settings: StoreSettings | None = None,
        migrate: bool = True,
    ) -> Store:
        """Open the store on the running loop, applying migrations first unless told not to.

        `url` defaults to settings.database_url (HETUMIND_DATABASE_URL or the SQLite file).
        """
        settings = settings or StoreSettings.from_env()
        url = async_url(url or settings.database_url)
        if migrate:
            from hetumind.store.migrate import upgrade_async

            await upgrade_async(url)
        store = cls(url, settings=settings)
        store.loop = asyncio.get_running_loop()
        return store

    @classmethod
    def open_sync(
        cls,
        url: str | None = None,
        *,
        settings: StoreSettings | None = None,
        migrate: bool = True,
    ) -> Store:
        """Open the store on a private loop thread; use `run_sync` and `close_sync`."""
        thread = LoopThread()
        try:
            store = thread.run(cls.open(url, settings=settings, migrate=migrate))
        except BaseException:
            thread.close()
            raise
        store._loop_thread = thread
        return store

    def run_sync(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run a store coroutine from a thread other than the store's loop and wait."""
        loop = self.loop
        if loop is None:
            coro.close()
            raise RuntimeError("store is not open; use Store.open() or Store.open_sync()")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            coro.close()
            raise RuntimeError(
                "Store.run_sync called on the store's own event loop; await the coroutine, "
                "or run the synchronous caller (e.g. the coordinator) in a worker thread"
            )
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def close(self) -> None:
        await self.engine.dispose()

    def close_sync(self) -> None:
        """Close a store opened with `open_sync` (or any store, from another thread)."""
        if self.loop is not None and not self.loop.is_closed():
            self.run_sync(self.close())
        if self._loop_thread is not None:
            self._loop_thread.close()
            self._loop_thread = None

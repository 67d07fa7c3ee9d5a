"""Schema migrations (Alembic, scripts in hetumind/store/migrations).

`upgrade(url)` is what `hetumind db upgrade` and server start-up run; it is idempotent and,
on PostgreSQL, serialized with an advisory lock so replicas starting together are safe.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

from hetumind.store.settings import StoreSettings, async_url

__all__ = ["alembic_config", "current", "head", "upgrade", "upgrade_async"]

MIGRATIONS = Path(__file__).with_name("migrations")
T = TypeVar("T")
# Alembic keeps its running environment in module globals: one migration per process at a
# time. Across processes the PostgreSQL advisory lock in env.py serializes them.
_ALEMBIC_LOCK = threading.Lock()


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for `url` (default: the settings' database URL)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Passed as an attribute, not an option: configparser would choke on '%' in passwords.
    config.attributes["url"] = async_url(url or StoreSettings.from_env().database_url)
    return config


def _off_loop(fn: Callable[[], T]) -> T:
    """Alembic's env.py runs its own event loop; inside a running loop use a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


@contextmanager
def _sqlite_file_lock(url: str) -> Iterator[None]:
    """Serialize migrations of one SQLite file across processes (API replicas), as the
    advisory lock does on PostgreSQL."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        yield
        return
    import fcntl

    with open(f"{Path(str(database)).expanduser()}.migrate-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (creating the SQLite file if needed)."""
    from hetumind.store.db import create_engine  # makes the SQLite directory

    config = alembic_config(url)
    create_engine(config.attributes["url"]).sync_engine.dispose()

    def run() -> None:
        with _ALEMBIC_LOCK, _sqlite_file_lock(config.attributes["url"]):
            command.upgrade(config, revision)

    _off_loop(run)


async def upgrade_async(url: str | None = None, revision: str = "head") -> None:
    """`upgrade` for async callers (runs in a worker thread)."""
    await asyncio.to_thread(upgrade, url, revision)


def head() -> str:
    """The newest revision the code knows."""
    revision = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert revision is not None
    return revision


def current(url: str | None = None) -> str | None:
    """The revision the database is at (None: never migrated)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    target = alembic_config(url).attributes["url"]
    parsed = make_url(target)
    database = parsed.database
    if (
        parsed.get_backend_name() == "sqlite"
        and database not in (None, "", ":memory:")
        and not Path(str(database)).expanduser().exists()
    ):
        return None  # reading would create an empty file

    def read(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    async def run() -> str | None:
        engine = create_async_engine(target, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(read)
        finally:
            await engine.dispose()

    return _off_loop(lambda: asyncio.run(run()))

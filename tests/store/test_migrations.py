"""Alembic migrations: fresh databases, models and migrations agree, `hetumind db`."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel
from typer.testing import CliRunner

from hetumind.cli.main import app
from hetumind.store import Store, current, head, upgrade
from hetumind.store.migrate import alembic_config
from hetumind.store.settings import sqlite_url
from tests.store.conftest import new_pg_database, settings_for


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "sub" / "fresh.db")
    return new_pg_database(request.getfixturevalue("pg_scratch"))


def _diff(url: str) -> list[object]:
    async def run() -> list[object]:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda c: compare_metadata(
                        MigrationContext.configure(c, opts={"compare_type": True}),
                        SQLModel.metadata,
                    )
                )
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_upgrade_matches_models_and_is_idempotent(empty_url: str) -> None:
    assert current(empty_url) is None
    versions = Path(alembic_config(empty_url).get_main_option("script_location") or "")
    newest = max(p.name[:4] for p in (versions / "versions").glob("0*.py"))
    assert head() == newest
    upgrade(empty_url)
    assert current(empty_url) == head()
    assert _diff(empty_url) == []  # the migration creates exactly what models.py declares
    upgrade(empty_url)  # a second start changes nothing
    assert current(empty_url) == head()


def test_downgrade_to_base_and_back(empty_url: str) -> None:
    upgrade(empty_url)
    command.downgrade(alembic_config(empty_url), "base")
    assert current(empty_url) is None
    upgrade(empty_url)
    assert _diff(empty_url) == []


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_concurrent_upgrades_from_processes(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Replicas starting together (separate processes): a lock (advisory on PostgreSQL, a
    file lock on SQLite) lets one migrate while the others wait and find nothing to do."""
    if kind == "sqlite":
        url = sqlite_url(tmp_path / "replicas.db")
    else:
        url = new_pg_database(request.getfixturevalue("pg_scratch"))
    code = f"from hetumind.store import upgrade; upgrade({url!r})"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outcomes = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert [rc for rc, _ in outcomes] == [0, 0, 0], outcomes
    assert current(url) == head()


def test_upgrades_from_threads_are_serialized(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "threads.db")
    errors: list[BaseException] = []

    def go() -> None:
        try:
            upgrade(url)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and current(url) == head()


def test_store_open_migrates_inside_a_running_loop(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "loop.db")

    async def main() -> int:
        store = await Store.open(url, settings=settings_for(tmp_path, url))
        try:
            return await store.workflows.count()
        finally:
            await store.close()

    assert asyncio.run(main()) == 0
    assert current(url) == head()


def test_cli_db_upgrade_and_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HETUMIND_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("HETUMIND_DATABASE_URL", raising=False)
    runner = CliRunner()
    before = runner.invoke(app, ["db", "current"])
    assert before.exit_code == 0 and before.output.startswith(f"none (behind; head is {head()})")
    up = runner.invoke(app, ["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert f"revision {head()}" in up.output
    assert (tmp_path / "home" / "hetumind.db").is_file()
    after = runner.invoke(app, ["db", "current"])
    assert after.output.strip() == f"{head()} (up to date)"


def test_cli_db_upgrade_bad_url_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["db", "upgrade", "--url", "postgresql+asyncpg://postgres@127.0.0.1:1/none"]
    )
    assert result.exit_code == 2
    assert "db upgrade:" in result.output and "Traceback" not in result.output
    bad = CliRunner().invoke(app, ["db", "current", "--url", "nosuchdriver://x"])
    assert bad.exit_code == 2 and "db current:" in bad.output


def test_cli_db_prune(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HETUMIND_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("HETUMIND_DATABASE_URL", raising=False)
    monkeypatch.delenv("HETUMIND_BLOB_URL", raising=False)
    monkeypatch.delenv("HETUMIND_ENCRYPTION_KEY", raising=False)
    store = Store.open_sync()
    try:
        # First start generated the encryption key into HETUMIND_HOME.
        assert (tmp_path / "home" / "encryption.key").is_file()
        for id in ("a", "b", "c"):
            store.run_sync(store.executions.create(id=id, status="success"))
        store.run_sync(store.executions.create(id="live", status="running"))
    finally:
        store.close_sync()
    result = CliRunner().invoke(app, ["db", "prune", "--max-count", "1"])
    assert result.exit_code == 0, result.output
    assert "pruned 2 execution(s)" in result.output
    store = Store.open_sync()
    try:
        assert store.run_sync(store.executions.count()) == 2
    finally:
        store.close_sync()

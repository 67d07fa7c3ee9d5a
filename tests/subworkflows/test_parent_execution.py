"""The `parent_execution_id` column: migration 0003 on existing data, and the repository."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from hetumind.store import InvalidData, Store, current, head, upgrade
from hetumind.store.migrate import alembic_config
from hetumind.store.settings import sqlite_url
from tests.store.conftest import new_pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "parent.db")
    return new_pg_database(request.getfixturevalue("pg_scratch"))


def _sql(url: str, statement: str) -> list[tuple[object, ...]]:
    async def run() -> list[tuple[object, ...]]:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(statement))
                return [tuple(r) for r in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_0003_adds_a_nullable_column_to_existing_executions(url: str) -> None:
    upgrade(url, "0002")
    _sql(
        url,
        "INSERT INTO execution (id, workflow_name, mode, status, created_at, data_saved) "
        "VALUES ('old', 'w', 'manual', 'success', '2026-01-01 00:00:00+00:00', false)",
    )
    upgrade(url, "0003")
    assert current(url) == "0003"
    assert _sql(url, "SELECT id, parent_execution_id FROM execution") == [("old", None)]
    command.downgrade(alembic_config(url), "0002")
    assert current(url) == "0002"
    assert _sql(url, "SELECT id FROM execution") == [("old",)]
    upgrade(url)
    assert current(url) == head()
    assert _sql(url, "SELECT parent_execution_id FROM execution") == [(None,)]


def test_children_and_filtering(tmp_path: Path) -> None:
    store = Store.open_sync(sqlite_url(tmp_path / "s.db"))
    try:
        run = store.run_sync
        parent = run(store.executions.create(mode="manual"))
        first = run(store.executions.create(mode="integrated", parent_execution_id=parent.id))
        second = run(store.executions.create(mode="integrated", parent_execution_id=parent.id))
        run(store.executions.create(mode="error"))
        assert [c.id for c in run(store.executions.children(parent.id))] == [first.id, second.id]
        assert run(store.executions.children(first.id)) == []
        listed = run(store.executions.list(parent_execution_id=parent.id))
        assert {r.id for r in listed} == {first.id, second.id}
        assert run(store.executions.get(first.id)).parent_execution_id == parent.id
        with pytest.raises(InvalidData, match="'mode'"):
            run(store.executions.create(mode="sideways"))
    finally:
        store.close_sync()

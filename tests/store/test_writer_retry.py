"""Recorder writes ride out a database outage: what an outage is, the bounded retry, and
an execution recorded completely although PostgreSQL was stopped while it ran."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hetumind.engine import run_workflow
from hetumind.engine.events import Event, ExecutionFinished, ExecutionStarted, Listener
from hetumind.recording import ExecutionRecorder
from hetumind.store import ExecutionData, LocalBlobStore, Store
from hetumind.store._writer import OrderedWriter
from hetumind.store.availability import is_unavailable, retrying
from tests.chaos.private_postgres import PrivatePostgres, private_postgres
from tests.recording.test_recorder import HELLO
from tests.store.conftest import settings_for


def _wrapped(orig: BaseException, *, invalidated: bool = False) -> DBAPIError:
    return DBAPIError("SELECT 1", None, orig, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), True),
        (ConnectionResetError(104, "reset by peer"), True),
        (TimeoutError(), True),
        (OSError("Multiple exceptions: [Errno 111] refused, [Errno 99] cannot assign"), True),
        (_wrapped(ValueError("closed"), invalidated=True), True),
        (_wrapped(asyncpg.AdminShutdownError("terminating connection")), True),
        (_wrapped(asyncpg.CannotConnectNowError("the database system is starting up")), True),
        (asyncpg.CannotConnectNowError("the database system is shutting down"), True),
        (asyncpg.ConnectionDoesNotExistError("closed in the middle of operation"), True),
        (IntegrityError("INSERT", None, ValueError("duplicate key")), False),
        (_wrapped(asyncpg.QueryCanceledError("statement timeout")), False),
        (FileNotFoundError(2, "no such file"), False),
        (ValueError("bad value"), False),
    ],
)
def test_tells_an_outage_from_other_errors(error: BaseException, outage: bool) -> None:
    assert is_unavailable(error) is outage


def test_an_outage_found_in_the_cause_chain_counts() -> None:
    try:
        try:
            raise ConnectionRefusedError(111, "refused")
        except ConnectionRefusedError as exc:
            raise RuntimeError("could not record") from exc
    except RuntimeError as outer:
        assert is_unavailable(outer)


class _Flaky:
    """Fails with `error` `failures` times, then answers 42."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    async def __call__(self) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return 42


def test_retrying_waits_out_an_outage_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    attempt = _Flaky(3, ConnectionRefusedError(111, "refused"))
    with caplog.at_level(logging.WARNING, logger="hetumind.store.availability"):
        assert asyncio.run(retrying(attempt, what="a test write", seconds=30)) == 42
    assert attempt.calls == 4
    messages = [r.getMessage() for r in caplog.records]
    assert any("unavailable" in m and "a test write" in m for m in messages)
    assert any("back" in m and "3 retries" in m for m in messages)


def test_retrying_does_not_repeat_other_errors() -> None:
    attempt = _Flaky(1, IntegrityError("INSERT", None, ValueError("duplicate key")))
    with pytest.raises(IntegrityError):
        asyncio.run(retrying(attempt, what="a test write", seconds=30))
    assert attempt.calls == 1


def test_retrying_gives_up_after_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HETUMIND_STORE_RETRY_SECONDS", "0.5")
    attempt = _Flaky(10**6, ConnectionRefusedError(111, "refused"))
    with pytest.raises(ConnectionRefusedError):
        asyncio.run(retrying(attempt, what="a test write"))
    assert 2 <= attempt.calls < 10**6


@pytest.fixture(scope="module")
def pg() -> Iterator[PrivatePostgres]:
    with private_postgres() as cluster:
        yield cluster


@pytest.fixture
def pg_store(pg: PrivatePostgres, tmp_path: Path) -> Iterator[Store]:
    if not pg.running():
        pg.start()
    store = Store.open_sync(pg.url, settings=settings_for(tmp_path, pg.url))
    yield store
    if not pg.running():
        pg.start()
    store.close_sync()


class _Outage(Listener):
    """Stops PostgreSQL once the execution started and starts it again as it finishes,
    so that the recorder's writes of both ends meet a stopped database."""

    def __init__(self, pg: PrivatePostgres) -> None:
        self.pg = pg
        self.restarted = threading.Event()

    def on_event(self, event: Event) -> None:
        if isinstance(event, ExecutionStarted):
            self.pg.stop()
        elif isinstance(event, ExecutionFinished):
            threading.Thread(target=self._restart, daemon=True).start()

    def _restart(self) -> None:
        self.pg.start()
        self.restarted.set()


def test_an_execution_is_recorded_completely_through_an_outage(
    pg: PrivatePostgres, pg_store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = ExecutionData(pg_store, LocalBlobStore(tmp_path / "blobs"))
    wf = pg_store.run_sync(pg_store.workflows.create(HELLO))
    outage = _Outage(pg)
    recorder = ExecutionRecorder(data, workflow=HELLO, workflow_id=wf.id)
    with caplog.at_level(logging.WARNING, logger="hetumind.store.availability"):
        # The outage listener goes first: the recorder's first write meets a dead server.
        result = run_workflow(HELLO, listeners=[outage, recorder], mode="webhook")
    # The recorder's last write waited for the database: it came back (the thread that
    # started it may still be returning from pg_ctl).
    assert outage.restarted.wait(60)
    assert result.status == "success" and recorder.finished
    assert any("the database is back" in r.getMessage() for r in caplog.records)
    row = pg_store.run_sync(pg_store.executions.get(result.execution_id))
    assert (row.status, row.workflow_id, row.data_saved) == ("success", wf.id, True)
    assert row.finished_at is not None
    runs = pg_store.run_sync(pg_store.executions.node_runs(result.execution_id))
    assert sorted(r.node for r in runs) == sorted(result.run_data)  # each run once
    assert pg_store.run_sync(data.to_json(result.execution_id)) == result.to_json()


async def _select_one(session: AsyncSession, _: list[str]) -> None:
    await session.execute(text("SELECT 1"))


def test_a_writer_gives_up_once_the_outage_outlasts_its_budget(
    pg: PrivatePostgres, pg_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HETUMIND_STORE_RETRY_SECONDS", "1")
    writer: OrderedWriter[str] = OrderedWriter(pg_store, _select_one)
    writer.submit("before", wait=True, timeout=30)  # the server is up: done at once
    pg.stop()
    with pytest.raises(Exception) as raised:
        writer.submit("during", wait=True, timeout=30)
    assert is_unavailable(raised.value)
    pg.start()
    writer.submit("after", wait=True, timeout=30)  # the writer itself still works

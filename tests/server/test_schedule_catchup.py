"""Schedules fire each tick exactly once across restarts, and ticks missed while the
server was down follow the catch-up policy (settings.scheduleCatchUp, default `once`).

The server tests share one restart of the app: before it, a seconds schedule fires and the
store is given the state a server down for days leaves behind (a last-fired tick in the
past, a claim whose execution never started); after it, each test checks one part.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from hetumind.nodes.builtin.schedule import CronRule, rules_for
from hetumind.store import Store
from hetumind.store.settings import sqlite_url
from serve_app.executor import RunRequest
from serve_app.scheduler import COUNT_LIMIT, Schedules, catch_up_policy, missed_ticks
from serve_app.services import Services
from tests.server.helpers import Server
from tests.store.conftest import new_pg_database, pg_scratch, settings_for

__all__ = ["pg_scratch"]  # a fixture of the store tests, used here too

UTC_ZONE = ZoneInfo("UTC")


def _schedule(name: str, interval: dict[str, Any], catch_up: str | None = None) -> dict[str, Any]:
    settings: dict[str, Any] = {"timezone": "UTC"}
    if catch_up is not None:
        settings["scheduleCatchUp"] = catch_up
    return {
        "name": name,
        "settings": settings,
        "nodes": [
            {
                "name": "Tick",
                "type": "n8n-nodes-base.scheduleTrigger",
                "typeVersion": 1.2,
                "parameters": {"rule": {"interval": [interval]}},
            },
            {"name": "Pass", "type": "n8n-nodes-base.noOp", "typeVersion": 1},
        ],
        "connections": {"Tick": {"main": [[{"node": "Pass", "type": "main", "index": 0}]]}},
    }


# -- missed ticks, without a server ---------------------------------------------------------

EVERY_MINUTE = [CronRule("0 * * * * *")]
EVERY_SECOND = [CronRule("*/1 * * * * *")]
NOW = datetime(2026, 11, 28, 12, 0, 30, tzinfo=UTC)


def test_missed_ticks_are_those_after_the_last_up_to_now() -> None:
    missed = missed_ticks(EVERY_MINUTE, UTC_ZONE, NOW - timedelta(minutes=5), NOW, keep=100)
    assert missed.count == 5 and not missed.capped
    assert missed.latest == [datetime(2026, 11, 28, 11, m, tzinfo=UTC) for m in range(56, 60)] + [
        datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    ]
    once = missed_ticks(EVERY_MINUTE, UTC_ZONE, NOW - timedelta(minutes=5), NOW, keep=1)
    assert (once.latest, once.count) == ([datetime(2026, 11, 28, 12, 0, tzinfo=UTC)], 5)


def test_no_missed_ticks_when_the_last_is_recent() -> None:
    missed = missed_ticks(EVERY_MINUTE, UTC_ZONE, NOW - timedelta(seconds=20), NOW, keep=1)
    assert (missed.latest, missed.count, missed.capped) == ([], 0, False)


def test_long_downtime_is_counted_up_to_a_limit_and_keeps_the_latest() -> None:
    after = NOW - timedelta(days=2)  # 172800 seconds missed
    missed = missed_ticks(EVERY_SECOND, UTC_ZONE, after, NOW, keep=100)
    assert missed.capped and missed.count == COUNT_LIMIT
    assert len(missed.latest) == 100
    assert missed.latest[-1] == NOW
    assert all((b - a) == timedelta(seconds=1) for a, b in itertools.pairwise(missed.latest))


def test_catch_up_policy_values() -> None:
    assert [catch_up_policy(v, "x") for v in ("none", " Once ", "ALL")] == ["none", "once", "all"]
    for bad in ("sometimes", "", None, 3):
        with pytest.raises(ValueError, match=r"settings.scheduleCatchUp must be one of none"):
            catch_up_policy(bad, "settings.scheduleCatchUp")


def test_unknown_default_policy_names_the_variable() -> None:
    with pytest.raises(ValueError, match="HETUMIND_SCHEDULE_CATCH_UP must be one of none"):
        Schedules(cast(Services, SimpleNamespace()), "sometimes")


# -- the scheduling core on a real store (SQLite and PostgreSQL), without Ray ---------------


class _Executor:
    """Writes the execution's row, as the real executor does before a run starts."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.requests: list[RunRequest] = []

    async def start(self, request: RunRequest) -> Any:
        await self._store.executions.create(
            id=request.execution_id, workflow_id=request.workflow_id, mode="schedule"
        )
        self.requests.append(request)
        return SimpleNamespace(execution_id=request.execution_id)

    def ticks(self) -> list[datetime]:
        return [datetime.fromisoformat(r.input_items[0]["timestamp"]) for r in self.requests]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "core.db")
    return new_pg_database(request.getfixturevalue("pg_scratch"))


async def _open(url: str, home: Path) -> tuple[Store, Schedules, _Executor]:
    store = await Store.open(url, settings=settings_for(home, url))
    executor = _Executor(store)
    services = cast(Services, SimpleNamespace(store=store, executor=executor))
    return store, Schedules(services), executor


async def _active(store: Store, interval: dict[str, Any], policy: str) -> str:
    return (await store.workflows.create(_schedule("core", interval, policy), active=True)).id


def test_core_all_runs_the_latest_100_and_counts_the_rest(db_url: str, tmp_path: Path) -> None:
    async def main() -> None:
        store, schedules, executor = await _open(db_url, tmp_path)
        try:
            wf = await _active(store, {"field": "seconds", "secondsInterval": 1}, "all")
            now = datetime.now(UTC).replace(microsecond=0)
            await store.schedule_ticks.claim(wf, "Tick", now - timedelta(minutes=10), None)
            assert await schedules.refresh(wf) == 1
            [report] = schedules.catch_ups()
            assert report["missed"] >= 600 and report["skipped"] == report["missed"] - 100
            assert len(report["run"]) == 100
            assert await schedules.tick() >= 0
            run = [datetime.fromisoformat(t) for t in report["run"]]
            assert executor.ticks()[:100] == run
            assert all((b - a) == timedelta(seconds=1) for a, b in itertools.pairwise(run))
            assert len(set(executor.ticks())) == len(executor.requests)
            # Every execution the scheduler started has its row (started before it runs).
            for request in executor.requests:
                assert request.execution_id is not None
                assert (await store.executions.get(request.execution_id)).mode == "schedule"
        finally:
            await store.close()

    asyncio.run(main())


def test_core_racing_schedulers_fire_each_missed_tick_once(db_url: str, tmp_path: Path) -> None:
    async def main() -> None:
        one, first, ran_first = await _open(db_url, tmp_path)
        two, second, ran_second = await _open(db_url, tmp_path)
        try:
            wf = await _active(one, {"field": "minutes", "minutesInterval": 1}, "all")
            now = datetime.now(UTC)
            last = now.replace(second=0, microsecond=0) - timedelta(minutes=5)
            await one.schedule_ticks.claim(wf, "Tick", last, None)
            await asyncio.gather(first.refresh(wf), second.refresh(wf))
            await asyncio.gather(first.tick(), second.tick())
            ticks = sorted(ran_first.ticks() + ran_second.ticks())
            assert ticks == [last + timedelta(minutes=m) for m in range(1, 6)]
        finally:
            await one.close()
            await two.close()

    asyncio.run(main())


def test_core_far_behind_scheduler_follows_the_policy(db_url: str, tmp_path: Path) -> None:
    async def main() -> None:
        store, schedules, executor = await _open(db_url, tmp_path)
        try:
            wf = await _active(store, {"field": "minutes", "minutesInterval": 1}, "once")
            await schedules.refresh(wf)
            assert schedules.catch_ups() == []  # activated for the first time
            [entry] = schedules._entries[wf]
            # As if the loop had stalled (store unreachable) for ten minutes.
            entry.next_at = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(
                minutes=10
            )
            assert await schedules.tick() == 0.0  # the caught-up tick is due at once
            await schedules.tick()
            [report] = schedules.catch_ups()
            assert report["policy"] == "once" and report["missed"] >= 10
            assert [t.isoformat() for t in executor.ticks()] == report["run"]
            last = await store.schedule_ticks.last(wf, "Tick")
            assert last is not None and last.tick.isoformat() == report["run"][0]
        finally:
            await store.close()

    asyncio.run(main())


def test_core_deactivated_workflow_is_forgotten(db_url: str, tmp_path: Path) -> None:
    async def main() -> None:
        store, schedules, _ = await _open(db_url, tmp_path)
        try:
            wf = await _active(store, {"field": "minutes", "minutesInterval": 1}, "all")
            await store.schedule_ticks.claim(wf, "Tick", datetime.now(UTC), None)
            await schedules.refresh(wf)
            await store.workflows.set_active(wf, False)
            assert await schedules.refresh(wf) == 0
            assert schedules.schedules() == []
            assert await store.schedule_ticks.last(wf, "Tick") is None
        finally:
            await store.close()

    asyncio.run(main())


# -- the real server, restarted --------------------------------------------------------------


def _store(server: Server) -> Store:
    return Store.open_sync(sqlite_url(server.home / "hetumind.db"))


def _scheduler() -> Any:
    from ray import serve

    return serve.get_deployment_handle("Scheduler", app_name="hetumind")


def _executions(server: Server, workflow_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = server.client.get(
        "/api/v1/executions", params={"workflowId": workflow_id, "limit": 250}
    ).json()["data"]
    return rows


def _ticks_of(server: Server, rows: list[dict[str, Any]]) -> dict[str, datetime]:
    """Execution id -> the tick its Schedule Trigger item names."""
    ticks = {}
    for row in rows:
        data = server.client.get(
            f"/api/v1/executions/{row['id']}", params={"includeData": "true"}
        ).json()
        item = data["runData"]["Tick"][0]["outputs"][0][0]
        ticks[row["id"]] = datetime.fromisoformat(item["timestamp"])
    return ticks


def _finished(server: Server, workflow_id: str, at_least: int) -> list[dict[str, Any]]:
    def done() -> list[dict[str, Any]]:
        rows = _executions(server, workflow_id)
        return rows if len(rows) >= at_least and all(e["finished"] for e in rows) else []

    rows: list[dict[str, Any]] = server.wait_for(done, timeout=90)
    return rows


@dataclass
class Downtime:
    """What the module's restart left: workflow ids by role, the daily ticks missed."""

    ids: dict[str, str]
    missed: list[datetime]
    """The three daily ticks missed, oldest first (the last fired one is a day before)."""
    recovered: str
    """The execution id a claim named whose execution never started."""


@pytest.fixture(scope="module")
def downtime(server: Server) -> Iterator[Downtime]:
    now = datetime.now(UTC)
    hour = (now.hour + 12) % 24  # far from now: no daily tick falls inside the test
    latest = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if latest > now:
        latest -= timedelta(days=1)
    missed = [latest - timedelta(days=d) for d in (2, 1, 0)]
    daily = {"field": "days", "daysInterval": 1, "triggerAtHour": hour, "triggerAtMinute": 0}
    policies = {"all": "all", "once": "once", "none": "none", "default": None, "recover": None}
    ids = {
        role: server.create(_schedule(f"catch-up {role}", daily, policy), activate=True)["id"]
        for role, policy in policies.items()
    }
    ids["fresh"] = server.create(_schedule("catch-up fresh", daily), activate=True)["id"]
    seconds = {"field": "seconds", "secondsInterval": 1}
    ids["seconds"] = server.create(_schedule("restarted", seconds), activate=True)["id"]
    server.wait_for(lambda: len(_executions(server, ids["seconds"])) >= 2)
    recovered = uuid.uuid4().hex[:16]
    store = _store(server)
    try:
        for role in ("all", "once", "none", "default"):
            store.run_sync(
                store.schedule_ticks.claim(ids[role], "Tick", missed[0] - timedelta(days=1), None)
            )
        # A scheduler claimed the latest tick and died before the execution's row existed.
        store.run_sync(store.schedule_ticks.claim(ids["recover"], "Tick", latest, recovered))
    finally:
        store.close_sync()
    assert all(not _executions(server, ids[r]) for r in policies), "fired before the restart"

    server.restart()

    server.wait_for(lambda: len(_executions(server, ids["seconds"])) >= 2 + 3)
    yield Downtime(ids, missed, recovered)
    for workflow_id in ids.values():
        server.client.post(f"/api/v1/workflows/{workflow_id}/deactivate")


def _reports(downtime: Downtime, role: str) -> list[dict[str, Any]]:
    reports: list[dict[str, Any]] = _scheduler().catch_ups.remote().result()
    return [r for r in reports if r["workflowId"] == downtime.ids[role]]


@pytest.mark.slow
def test_policy_all_runs_each_missed_tick(server: Server, downtime: Downtime) -> None:
    rows = _finished(server, downtime.ids["all"], 3)
    assert sorted(_ticks_of(server, rows).values()) == downtime.missed
    assert all(r["mode"] == "schedule" and r["status"] == "success" for r in rows)
    [report] = _reports(downtime, "all")
    assert (report["missed"], report["skipped"], report["capped"]) == (3, 0, False)


@pytest.mark.slow
@pytest.mark.parametrize("role", ["once", "default"])
def test_policy_once_runs_the_latest_missed_tick(
    server: Server, downtime: Downtime, role: str
) -> None:
    rows = _finished(server, downtime.ids[role], 1)
    assert list(_ticks_of(server, rows).values()) == [downtime.missed[-1]]
    [report] = _reports(downtime, role)
    assert (report["policy"], report["missed"], report["skipped"]) == ("once", 3, 2)
    assert report["run"] == [downtime.missed[-1].isoformat()]


@pytest.mark.slow
def test_policy_none_skips_counts_and_records_them(server: Server, downtime: Downtime) -> None:
    [report] = _reports(downtime, "none")
    assert (report["missed"], report["skipped"], report["run"]) == (3, 3, [])
    assert _executions(server, downtime.ids["none"]) == []
    store = _store(server)
    try:
        last = store.run_sync(store.schedule_ticks.last(downtime.ids["none"], "Tick"))
    finally:
        store.close_sync()
    # Recorded as handled: the next start does not count these ticks again.
    assert last is not None and (last.tick, last.execution_id) == (downtime.missed[-1], None)


@pytest.mark.slow
def test_first_activation_has_no_missed_ticks(server: Server, downtime: Downtime) -> None:
    assert _reports(downtime, "fresh") == []
    assert _executions(server, downtime.ids["fresh"]) == []


@pytest.mark.slow
def test_claim_whose_execution_never_started_starts_once_with_its_id(
    server: Server, downtime: Downtime
) -> None:
    rows = _finished(server, downtime.ids["recover"], 1)
    assert [r["id"] for r in rows] == [downtime.recovered]
    assert list(_ticks_of(server, rows).values()) == [downtime.missed[-1]]
    assert _reports(downtime, "recover") == []  # nothing missed after the claimed tick


@pytest.mark.slow
def test_seconds_schedule_fires_each_tick_once_across_the_restart(
    server: Server, downtime: Downtime
) -> None:
    workflow_id = downtime.ids["seconds"]
    [report] = _reports(downtime, "seconds")
    last_before = datetime.fromisoformat(report["after"])
    [caught_up] = [datetime.fromisoformat(t) for t in report["run"]]
    assert report["policy"] == "once" and report["missed"] >= 1
    assert server.client.post(f"/api/v1/workflows/{workflow_id}/deactivate").status_code == 200
    rows = _finished(server, workflow_id, 5)
    ticks = sorted(_ticks_of(server, rows).values())
    assert len(set(ticks)) == len(ticks) == len(rows), "a tick started more than one execution"
    before = [t for t in ticks if t <= last_before]
    after = [t for t in ticks if t > last_before]
    assert before and before[-1] == last_before
    # The downtime: only the latest missed tick ran, then the schedule went on.
    assert after[0] == caught_up
    assert all((b - a) == timedelta(seconds=1) for a, b in itertools.pairwise(before))
    assert all((b - a) == timedelta(seconds=1) for a, b in itertools.pairwise(after[1:]))
    assert after[1] - caught_up <= timedelta(seconds=2)
    fired = [f for f in _scheduler().fired.remote().result() if f["workflowId"] == workflow_id]
    assert [f["tick"] for f in fired if f["catchUp"]] == [caught_up.isoformat()]


@pytest.mark.slow
def test_deactivation_forgets_ticks_so_reactivation_catches_nothing_up(server: Server) -> None:
    c = server.client
    daily = {"field": "days", "daysInterval": 1, "triggerAtHour": 0, "triggerAtMinute": 0}
    wf = server.create(_schedule("reactivated", daily, "all"), activate=True)
    store = _store(server)
    try:
        week_ago = datetime.now(UTC) - timedelta(days=7)
        assert store.run_sync(store.schedule_ticks.claim(wf["id"], "Tick", week_ago, None))
        assert c.post(f"/api/v1/workflows/{wf['id']}/deactivate").status_code == 200
        assert store.run_sync(store.schedule_ticks.last(wf["id"], "Tick")) is None
    finally:
        store.close_sync()
    assert c.post(f"/api/v1/workflows/{wf['id']}/activate").status_code == 200
    schedules = _scheduler().schedules.remote().result()
    assert [s["catchUp"] for s in schedules if s["workflowId"] == wf["id"]] == ["all"]
    assert _executions(server, wf["id"]) == []
    assert c.post(f"/api/v1/workflows/{wf['id']}/deactivate").status_code == 200


@pytest.mark.slow
def test_unknown_catch_up_policy_keeps_the_workflow_unscheduled(server: Server) -> None:
    daily = {"field": "days", "daysInterval": 1}
    wf = server.create(_schedule("bad policy", daily, "sometimes"), activate=True)
    schedules = _scheduler().schedules.remote().result()
    assert [s for s in schedules if s["workflowId"] == wf["id"]] == []
    good = server.create(_schedule("good policy", daily, "none"), activate=True)
    schedules = _scheduler().schedules.remote().result()
    assert [s["catchUp"] for s in schedules if s["workflowId"] == good["id"]] == ["none"]
    for w in (wf, good):
        server.client.post(f"/api/v1/workflows/{w['id']}/deactivate")


def test_rules_of_the_daily_schedule_used_above() -> None:
    # The downtime fixture relies on a 1-day interval firing every day at the hour.
    rules = rules_for(
        "n8n-nodes-base.scheduleTrigger",
        {"rule": {"interval": [{"field": "days", "daysInterval": 1, "triggerAtHour": 5}]}},
    )
    missed = missed_ticks(rules, UTC_ZONE, NOW - timedelta(days=3), NOW, keep=100)
    assert missed.latest == [datetime(2026, 11, d, 5, tzinfo=UTC) for d in (26, 27, 28)]

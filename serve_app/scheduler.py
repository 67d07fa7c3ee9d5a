"""The one scheduler: fires Schedule Trigger and Cron nodes of active workflows, and polls
their polling triggers (hetumind.nodes.polling) at their poll times.

A Serve deployment with exactly one replica, however many API replicas run, so each tick
starts exactly one execution. API replicas call `refresh(workflow_id)` after activating,
deactivating, saving or deleting a workflow, so changes take effect without a restart;
it also reloads everything every few minutes in case a call was lost. Executions it starts
run in its own replica (recorded in the store and published as live events like any other).

Each tick fires once, also across restarts and racing schedulers: the tick is claimed in
the store (hetumind/store/schedule_ticks.py) with the execution id it will start, before
the execution's row is written. A schedule node this replica has not tracked yet (it just
started, or reloaded) continues from its last claimed tick: a claim whose execution never
started (killed in between) starts now with that id, and the ticks missed since (the
server was down) follow the catch-up policy. Deactivating a workflow forgets its ticks, so
time spent inactive is never caught up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from ray import serve

from hetumind.engine.runtime import new_execution_id
from hetumind.errors import HetumindError
from hetumind.nodes.builtin.schedule import (
    CronRule,
    next_fire_time,
    poll_rules,
    rules_for,
    schedule_item,
    workflow_timezone,
)
from hetumind.nodes.polling import POLL_MODE
from hetumind.observability.logs import serve_logging_config
from serve_app.executor import RunRequest
from serve_app.resumer import Resumer
from serve_app.services import Services
from serve_app.settings import ServerSettings
from serve_app.triggers import check_workflow, polling_nodes, schedule_nodes

__all__ = [
    "CATCH_UP_ENV",
    "CATCH_UP_SETTING",
    "Missed",
    "Scheduler",
    "Schedules",
    "catch_up_policy",
    "missed_ticks",
]

log = logging.getLogger(__name__)

RELOAD_SECONDS = 300.0
SWEEP_SECONDS = float(os.environ.get("HETUMIND_RESUME_SWEEP_SECONDS", "2"))
"""How often orphaned executions and due waits are looked for."""

CATCH_UP_SETTING = "scheduleCatchUp"
CATCH_UP_ENV = "HETUMIND_SCHEDULE_CATCH_UP"
CATCH_UP_POLICIES = ("none", "once", "all")
"""What happens to ticks missed while no scheduler ran: skipped (logged and counted), the
latest one run (the default), or each one run (the latest MAX_CATCH_UP)."""
MAX_CATCH_UP = 100
LAG_GRACE = timedelta(seconds=60)
"""A running scheduler this far behind a tick (the store was unreachable, the loop
stalled) treats the ticks since as missed, like a server that was down."""
COUNT_LIMIT = 10_000
"""Missed ticks are counted up to this many (a seconds schedule down for a day misses
86400); beyond it the count is reported as capped."""


def catch_up_policy(value: Any, source: str) -> str:
    """`value` as a catch-up policy; ValueError naming `source` when it is none of them."""
    policy = value.strip().lower() if isinstance(value, str) else value
    if policy not in CATCH_UP_POLICIES:
        raise ValueError(f"{source} must be one of none, once or all, got {value!r}")
    return str(policy)


@dataclass(frozen=True)
class Missed:
    """The ticks a schedule missed between two moments."""

    latest: list[datetime]
    """The last ones (at most the number asked for), oldest first."""
    count: int
    """How many ticks were missed, at most COUNT_LIMIT."""
    capped: bool
    """More than COUNT_LIMIT were missed."""


def _ticks(
    rules: Sequence[CronRule], tz: tzinfo, after: datetime, until: datetime
) -> Iterator[datetime]:
    tick = next_fire_time(rules, after, tz)
    while tick is not None and tick <= until:
        yield tick
        tick = next_fire_time(rules, tick, tz)


def missed_ticks(
    rules: Sequence[CronRule], tz: tzinfo, after: datetime, now: datetime, keep: int
) -> Missed:
    """The ticks in (after, now]: the latest `keep` (>= 1) of them and how many there are."""
    latest: deque[datetime] = deque(maxlen=keep)
    count = 0
    for tick in _ticks(rules, tz, after, now):
        if count == COUNT_LIMIT:
            # Too many to walk through: look back from now over ever longer spans instead.
            span = timedelta(minutes=1)
            while len(found := list(_ticks(rules, tz, max(after, now - span), now))) < keep:
                span *= 4
            return Missed(found[-keep:], count, True)
        latest.append(tick)
        count += 1
    return Missed(list(latest), count, False)


@dataclass
class _Pending:
    """A tick to fire before the entry's next one; `execution_id`: claimed already."""

    tick: datetime
    execution_id: str | None = None


@dataclass
class _Entry:
    workflow_id: str
    version: int
    doc: dict[str, Any]
    node: str
    node_type: str
    rules: list[CronRule]
    tz: Any
    next_at: datetime | None
    catch_up: str = "once"
    backlog: list[_Pending] = field(default_factory=list)
    """Caught-up ticks, oldest first, fired before `next_at`."""
    last_tick: datetime | None = None
    """The last tick claimed (here, or before this replica tracked the node)."""
    polls: bool = False
    """A polling trigger: each tick polls, and only a poll that finds items starts a run."""


class Schedules:
    """The schedule nodes of the active workflows, their next ticks and what fires them.

    `services` needs only its store and executor (tests pass their own executor)."""

    def __init__(self, services: Services, default_policy: str = "once") -> None:
        self._services = services
        self._default_policy = catch_up_policy(default_policy, CATCH_UP_ENV)
        self._entries: dict[str, list[_Entry]] = {}
        self._fired: list[dict[str, Any]] = []
        self._catch_ups: list[dict[str, Any]] = []

    async def _load(self, workflow_id: str) -> list[_Entry]:
        from hetumind.errors import HetumindError, NotFound

        try:
            record = await self._services.store.workflows.get(workflow_id)
        except NotFound:
            return []
        if not record.active:
            return []
        doc = record.document()
        try:
            workflow = check_workflow(doc)
            tz = workflow_timezone(workflow.settings)
            policy = catch_up_policy(
                workflow.settings.get(CATCH_UP_SETTING) or self._default_policy,
                f"settings.{CATCH_UP_SETTING}",
            )
        except (HetumindError, ValueError) as exc:
            log.warning("workflow %s has schedules that cannot run: %s", workflow_id, exc)
            return []
        now = datetime.now(UTC)
        entries = []
        polling = polling_nodes(workflow)
        for name in [*schedule_nodes(workflow), *polling]:
            node = workflow.node(name)
            polls = name in polling
            try:
                rules = (
                    poll_rules(node.parameters) if polls else rules_for(node.type, node.parameters)
                )
            except ValueError as exc:
                log.warning(
                    "node %r of workflow %s cannot be scheduled: %s", name, workflow_id, exc
                )
                continue
            entries.append(
                _Entry(
                    workflow_id,
                    record.version,
                    doc,
                    name,
                    node.type,
                    rules,
                    tz,
                    next_fire_time(rules, now, tz),
                    # Polls missed while down are one poll: it finds whatever came meanwhile.
                    "once" if polls else policy,
                    polls=polls,
                )
            )
        return entries

    async def _track(self, workflow_id: str, found: list[_Entry]) -> None:
        """Schedule `found` (empty: none) in place of the workflow's current entries."""
        old = {e.node: e for e in self._entries.get(workflow_id, [])}
        entries = []
        for entry in found:
            previous = old.get(entry.node)
            if previous is None:
                await self._adopt(entry)
            elif previous.version == entry.version:
                entry = previous  # keep its pending tick: no double fire on reload
            else:
                entry.backlog, entry.last_tick = previous.backlog, previous.last_tick
            entries.append(entry)
        if set(old) - {e.node for e in entries} or not entries:
            # Deactivated, deleted or a schedule node removed: start afresh if it returns.
            await self._services.store.schedule_ticks.forget(
                workflow_id, keep=[e.node for e in entries]
            )
        if entries:
            self._entries[workflow_id] = entries
        else:
            self._entries.pop(workflow_id, None)

    async def _adopt(self, entry: _Entry) -> None:
        """A schedule node this replica did not track: go on from its last claimed tick."""
        store = self._services.store
        last = await store.schedule_ticks.last(entry.workflow_id, entry.node)
        if last is None:
            return  # never fired (activated for the first time): nothing was missed
        if last.execution_id is not None and not await self._started(last.execution_id):
            # Claimed by a scheduler that died before the execution's row was written.
            entry.backlog.append(_Pending(last.tick, last.execution_id))
        entry.last_tick = last.tick
        await self._catch_up(entry, datetime.now(UTC))

    async def _catch_up(self, entry: _Entry, now: datetime) -> None:
        """Handle the ticks after `entry.last_tick` up to `now` by the entry's policy, and
        schedule the first tick after `now` next."""
        assert entry.last_tick is not None
        missed_after = entry.last_tick
        keep = MAX_CATCH_UP if entry.catch_up == "all" else 1
        missed = missed_ticks(entry.rules, entry.tz, entry.last_tick, now, keep)
        entry.next_at = next_fire_time(entry.rules, now, entry.tz)  # the first one not missed
        if not missed.count:
            return
        run = [] if entry.catch_up == "none" else missed.latest
        entry.backlog.extend(_Pending(tick) for tick in run)
        if entry.catch_up == "none":
            # Recorded as claimed without an execution: not counted again at next start.
            latest = missed.latest[-1]
            await self._services.store.schedule_ticks.claim(
                entry.workflow_id, entry.node, latest, None
            )
            entry.last_tick = latest
        skipped = missed.count - len(run)
        self._catch_ups.append(
            {
                "workflowId": entry.workflow_id,
                "node": entry.node,
                "policy": entry.catch_up,
                "after": missed_after.isoformat(),
                "missed": missed.count,
                "capped": missed.capped,
                "run": [tick.isoformat() for tick in run],
                "skipped": skipped,
            }
        )
        del self._catch_ups[:-1000]
        log.warning(
            "schedule %s of workflow %s missed %s%d ticks after %s: running %d, skipping %d "
            "(catch-up policy %s)",
            entry.node,
            entry.workflow_id,
            "more than " if missed.capped else "",
            missed.count,
            missed_after.isoformat(),
            len(run),
            skipped,
            entry.catch_up,
        )

    async def _started(self, execution_id: str) -> bool:
        from hetumind.errors import NotFound

        try:
            await self._services.store.executions.get(execution_id)
        except NotFound:
            return False
        return True

    async def reload_all(self) -> None:
        """Reload every active workflow (changes whose refresh call was lost)."""
        records = await self._services.store.workflows.list(active=True, limit=1000)
        # Tracked ones not listed were deactivated or deleted (or lie beyond the page).
        listed = [record.id for record in records]
        for workflow_id in [*(set(self._entries) - set(listed)), *listed]:
            await self._track(workflow_id, await self._load(workflow_id))

    async def refresh(self, workflow_id: str) -> int:
        """Reload one workflow's schedules; returns how many schedule nodes it has now."""
        await self._track(workflow_id, await self._load(workflow_id))
        return len(self._entries.get(workflow_id, []))

    def schedules(self) -> list[dict[str, Any]]:
        """What is scheduled: workflow, node and next fire time (for the API and tests)."""
        return [
            {
                "workflowId": e.workflow_id,
                "node": e.node,
                "nextAt": None if e.next_at is None else e.next_at.isoformat(),
                "catchUp": e.catch_up,
            }
            for entries in self._entries.values()
            for e in entries
        ]

    async def tick(self) -> float:
        """Fire what is due; the seconds until something is due next (at most 60)."""
        now = datetime.now(UTC)
        due = [
            e
            for entries in self._entries.values()
            for e in entries
            if e.backlog or (e.next_at is not None and e.next_at <= now)
        ]
        for entry in due:
            while entry.backlog:
                await self._fire(entry, entry.backlog.pop(0), catch_up=True)
            tick = entry.next_at
            if tick is None or tick > now:
                continue
            if tick < now - LAG_GRACE:
                # Far behind: the ticks since count as missed (fired next time round).
                if entry.last_tick is None:
                    entry.last_tick = tick - timedelta(microseconds=1)
                await self._catch_up(entry, now)
                continue
            # Move on first: a slow start must never fire the same tick twice.
            entry.next_at = next_fire_time(entry.rules, tick, entry.tz)
            await self._fire(entry, _Pending(tick))
        if any(e.backlog for entries in self._entries.values() for e in entries):
            return 0.0
        upcoming = [e.next_at for entries in self._entries.values() for e in entries if e.next_at]
        if not upcoming:
            return 60.0
        return max(0.0, min(60.0, (min(upcoming) - datetime.now(UTC)).total_seconds()))

    async def _fire(self, entry: _Entry, pending: _Pending, *, catch_up: bool = False) -> None:
        """Claim the tick (unless claimed already) and start its execution with the id the
        claim names: a tick whose claim is lost to another scheduler starts nothing."""
        tick, execution_id = pending.tick, pending.execution_id
        if execution_id is None:
            execution_id = new_execution_id()
            try:
                won = await self._services.store.schedule_ticks.claim(
                    entry.workflow_id, entry.node, tick, execution_id
                )
            except Exception:
                # The store is unreachable: try again (the loop waits a second first).
                entry.backlog.insert(0, pending)
                del entry.backlog[MAX_CATCH_UP:]
                raise
            if not won:
                log.info("tick %s of %s/%s fired elsewhere", tick, entry.workflow_id, entry.node)
                return
        entry.last_tick = max(tick, entry.last_tick or tick)
        request = RunRequest(
            entry.doc,
            entry.workflow_id,
            entry.version,
            mode=POLL_MODE if entry.polls else "schedule",
            triggers={entry.node},
            execution_id=execution_id,
        )
        if entry.polls:
            try:
                request.input_items = await self._services.executor.run_alone(request)
            except HetumindError as exc:
                log.warning("poll of %s/%s failed: %s", entry.workflow_id, entry.node, exc)
                self._note(entry, tick, None, catch_up, error=exc.message)
                return
            if not request.input_items:
                self._note(entry, tick, None, catch_up)
                return
        else:
            short = entry.node_type.rsplit(".", 1)[-1]
            tick_item = schedule_item(tick.astimezone(entry.tz))
            request.input_items = [tick_item if short == "scheduleTrigger" else {}]
        try:
            running = await self._services.executor.start(request)
        except Exception:
            # The claim stays: a restarted scheduler starts it if it is still the last one.
            log.exception("could not start scheduled run of %s", entry.workflow_id)
            return
        self._note(entry, tick, running.execution_id, catch_up, items=len(request.input_items))

    def _note(
        self,
        entry: _Entry,
        tick: datetime,
        execution_id: str | None,
        catch_up: bool,
        *,
        items: int = 0,
        error: str | None = None,
    ) -> None:
        """Remember a fired tick; a poll that found nothing (or failed) started nothing."""
        fired: dict[str, Any] = {
            "workflowId": entry.workflow_id,
            "node": entry.node,
            "tick": tick.isoformat(),
            "executionId": execution_id,
            "catchUp": catch_up,
        }
        if entry.polls:
            fired["items"] = items
            fired["error"] = error
        self._fired.append(fired)
        del self._fired[:-1000]

    def fired(self) -> list[dict[str, Any]]:
        """The last ticks fired (newest last)."""
        return list(self._fired)

    def catch_ups(self) -> list[dict[str, Any]]:
        """Schedules that missed ticks while no scheduler ran, and what was done about it
        (newest last): how many were missed, which ran, how many were skipped."""
        return list(self._catch_ups)


@serve.deployment(
    num_replicas=1,
    max_ongoing_requests=1000,
    ray_actor_options={"num_cpus": 0.05},
    health_check_period_s=10,
    logging_config=serve_logging_config(enable_access_log=False),
)
class Scheduler:
    """Keeps the next fire time of every schedule node of every active workflow."""

    async def __init__(self, settings: ServerSettings, bus: Any = None) -> None:  # type: ignore[misc]
        env = {**os.environ, **settings.store_env}
        policy = env.get(CATCH_UP_ENV) or "once"
        self._services = await Services.open(settings, bus, None)
        self._schedules = Schedules(self._services, policy)
        store = self._services.store
        # The app (re)starts: runs a previous server left unfinished will never finish.
        # (Should this replica alone restart, a live run marked here is put right when
        # its recorder writes its outcome.)
        crashed = await store.executions.mark_crashed(started_before=datetime.now(UTC))
        if crashed:
            log.warning("marked %d unfinished executions as crashed", len(crashed))
        # Deactivated while no scheduler listened: nothing of that time is caught up.
        await store.schedule_ticks.forget_inactive()
        self._wake = asyncio.Event()
        await self._schedules.reload_all()
        self._task = asyncio.get_running_loop().create_task(self._loop())
        self._resumer = Resumer(self._services)
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    async def _sweep(self) -> None:
        """Continue orphaned executions and due waits (serve_app/resumer.py)."""
        while True:
            try:
                await self._resumer.sweep()
            except Exception:
                log.exception("resuming executions failed")
            await asyncio.sleep(SWEEP_SECONDS)

    async def _loop(self) -> None:
        last_reload = asyncio.get_running_loop().time()
        while True:
            try:
                wait = await self._schedules.tick()
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
                loop_time = asyncio.get_running_loop().time()
                if loop_time - last_reload > RELOAD_SECONDS:
                    last_reload = loop_time
                    await self._schedules.reload_all()
            except Exception:
                log.exception("scheduler tick failed")
                await asyncio.sleep(1.0)

    async def refresh(self, workflow_id: str) -> int:
        """Reload one workflow's schedules; returns how many schedule nodes it has now."""
        count = await self._schedules.refresh(workflow_id)
        self._wake.set()
        return count

    async def schedules(self) -> list[dict[str, Any]]:
        """What is scheduled: workflow, node, next fire time and catch-up policy."""
        return self._schedules.schedules()

    async def fired(self) -> list[dict[str, Any]]:
        """The last ticks fired (newest last)."""
        return self._schedules.fired()

    async def catch_ups(self) -> list[dict[str, Any]]:
        """Schedule nodes that missed ticks, and what was done about them (newest last)."""
        return self._schedules.catch_ups()

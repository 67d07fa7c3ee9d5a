"""The one scheduler: fires Schedule Trigger and Cron nodes of active workflows.

A Serve deployment with exactly one replica, however many API replicas run, so each tick
starts exactly one execution. API replicas call `refresh(workflow_id)` after activating,
deactivating, saving or deleting a workflow, so changes take effect without a restart;
it also reloads everything every few minutes in case a call was lost. Executions it starts
run in its own replica (recorded in the store and published as live events like any other).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ray import serve

from hetumind.nodes.builtin.schedule import (
    CronRule,
    next_fire_time,
    rules_for,
    schedule_item,
    workflow_timezone,
)
from serve_app.executor import RunRequest
from serve_app.resumer import Resumer
from serve_app.services import Services
from serve_app.settings import ServerSettings
from serve_app.triggers import check_workflow, schedule_nodes

__all__ = ["Scheduler"]

log = logging.getLogger(__name__)

RELOAD_SECONDS = 300.0
SWEEP_SECONDS = float(os.environ.get("HETUMIND_RESUME_SWEEP_SECONDS", "2"))
"""How often orphaned executions and due waits are looked for."""


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


@serve.deployment(
    num_replicas=1,
    max_ongoing_requests=1000,
    ray_actor_options={"num_cpus": 0.05},
    health_check_period_s=10,
    logging_config={"enable_access_log": False},
)
class Scheduler:
    """Keeps the next fire time of every schedule node of every active workflow."""

    async def __init__(self, settings: ServerSettings, bus: Any = None) -> None:  # type: ignore[misc]
        self._services = await Services.open(settings, bus, None)
        # The app (re)starts: runs a previous server left unfinished will never finish.
        # (Should this replica alone restart, a live run marked here is put right when
        # its recorder writes its outcome.)
        crashed = await self._services.store.executions.mark_crashed(
            started_before=datetime.now(UTC)
        )
        if crashed:
            log.warning("marked %d unfinished executions as crashed", len(crashed))
        self._entries: dict[str, list[_Entry]] = {}
        self._wake = asyncio.Event()
        self._fired: list[dict[str, Any]] = []
        await self._reload_all()
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
        except (HetumindError, ValueError) as exc:
            log.warning("workflow %s has schedules that cannot run: %s", workflow_id, exc)
            return []
        now = datetime.now(UTC)
        entries = []
        for name in schedule_nodes(workflow):
            node = workflow.node(name)
            rules = rules_for(node.type, node.parameters)
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
                )
            )
        return entries

    async def _reload_all(self) -> None:
        records = await self._services.store.workflows.list(active=True, limit=1000)
        entries: dict[str, list[_Entry]] = {}
        for record in records:
            found = await self._load(record.id)
            if found:
                # Keep pending ticks of unchanged workflows (no double fire on reload).
                old = {(e.node, e.version): e for e in self._entries.get(record.id, [])}
                entries[record.id] = [old.get((e.node, e.version), e) for e in found]
        self._entries = entries

    async def refresh(self, workflow_id: str) -> int:
        """Reload one workflow's schedules; returns how many schedule nodes it has now."""
        found = await self._load(workflow_id)
        if found:
            self._entries[workflow_id] = found
        else:
            self._entries.pop(workflow_id, None)
        self._wake.set()
        return len(found)

    async def schedules(self) -> list[dict[str, Any]]:
        """What is scheduled: workflow, node and next fire time (for the API and tests)."""
        return [
            {
                "workflowId": e.workflow_id,
                "node": e.node,
                "nextAt": None if e.next_at is None else e.next_at.isoformat(),
            }
            for entries in self._entries.values()
            for e in entries
        ]

    async def _loop(self) -> None:
        last_reload = asyncio.get_running_loop().time()
        while True:
            try:
                await self._tick()
                loop_time = asyncio.get_running_loop().time()
                if loop_time - last_reload > RELOAD_SECONDS:
                    last_reload = loop_time
                    await self._reload_all()
            except Exception:
                log.exception("scheduler tick failed")
                await asyncio.sleep(1.0)

    async def _tick(self) -> None:
        now = datetime.now(UTC)
        due = [
            e
            for entries in self._entries.values()
            for e in entries
            if e.next_at is not None and e.next_at <= now
        ]
        for entry in due:
            tick = entry.next_at
            assert tick is not None
            # Move on first: a slow start must never fire the same tick twice.
            entry.next_at = next_fire_time(entry.rules, tick, entry.tz)
            await self._fire(entry, tick)
        upcoming = [e.next_at for entries in self._entries.values() for e in entries if e.next_at]
        wait = 60.0
        if upcoming:
            wait = max(0.0, min(wait, (min(upcoming) - datetime.now(UTC)).total_seconds()))
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), wait)

    async def _fire(self, entry: _Entry, tick: datetime) -> None:
        short = entry.node_type.rsplit(".", 1)[-1]
        item = schedule_item(tick.astimezone(entry.tz)) if short == "scheduleTrigger" else {}
        request = RunRequest(
            entry.doc,
            entry.workflow_id,
            entry.version,
            mode="schedule",
            input_items=[item],
            triggers={entry.node},
        )
        try:
            running = await self._services.executor.start(request)
        except Exception:
            log.exception("could not start scheduled run of %s", entry.workflow_id)
            return
        self._fired.append(
            {
                "workflowId": entry.workflow_id,
                "node": entry.node,
                "tick": tick.isoformat(),
                "executionId": running.execution_id,
            }
        )
        del self._fired[:-1000]

    async def fired(self) -> list[dict[str, Any]]:
        """The last ticks fired (newest last)."""
        return list(self._fired)

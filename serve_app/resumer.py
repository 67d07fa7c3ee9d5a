"""Continuing executions: parked Waits that are due, and orphans of a dead server.

One sweeper (the Scheduler replica) looks every few seconds for
- orphans: executions a server accepted (row, input and owner written before it answered)
  whose owner stopped beating, because the process was killed or its machine lost;
- due waits: executions parked by a Wait node whose `wait_till` has come.
A resume webhook (`/webhook-waiting/<id>`) wakes a parked execution from any replica.

Each is claimed with one conditional UPDATE (exactly one process wins) and continued from
its checkpoint: node runs already recorded are restored, not run again, so their side
effects are not repeated; the run that was in flight when the server died runs again
(pure nodes freely; see docs/reliability.md for the others).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hetumind.engine.checkpoint import WAIT_KEY
from hetumind.observability import metrics
from hetumind.store.models import utcnow
from serve_app.admission import Overloaded
from serve_app.executor import HEARTBEAT_SECONDS, Running, RunRequest
from serve_app.services import Services

__all__ = ["Resumer"]

log = logging.getLogger(__name__)

STALE_BEATS = 3
"""Missed heartbeats after which an execution's owner counts as gone."""


class Resumer:
    def __init__(self, services: Services, clock: Callable[[], float] = time.monotonic) -> None:
        self._svc = services
        self._clock = clock
        self._reachable_since: float | None = None
        """When (monotonic) this sweeper last began reaching the database without a
        failure; None until its first sweep and after each failed one."""

    async def sweep(self) -> int:
        """Take over orphans and wake due waits; returns how many were continued.

        A stale heartbeat proves the owner dead only if the owner could have written
        one: after a database outage every owner's beat is stale, though they all live.
        So orphans are claimed only once this sweeper has reached the database for a
        full stale window without a failure: by then a live owner has beaten again."""
        try:
            return await self._sweep()
        except Exception:
            self._reachable_since = None
            raise

    async def _sweep(self) -> int:
        leases = self._svc.store.leases
        window = STALE_BEATS * HEARTBEAT_SECONDS
        now = utcnow()
        stale = now - timedelta(seconds=window)
        orphans = await leases.orphans(stale)
        clock = self._clock()
        if self._reachable_since is None:
            self._reachable_since = clock
        continued = 0
        if clock - self._reachable_since >= window:
            # Claim no more than can start now: a claimed execution that finds no slot
            # stays this process's without a heartbeat, and waits a whole stale window
            # before anyone takes it again; unclaimed ones are taken by the next sweep.
            room = self._svc.executor.admission.free_places()
            for execution_id in orphans[:room]:
                if await leases.claim(execution_id, self._svc.executor.owner, stale_before=stale):
                    continued += await self._continue(execution_id) is not None
        elif orphans:
            log.info(
                "%d executions look orphaned; owners get a stale window to beat first", len(orphans)
            )
        for execution_id in await leases.due_waits(now):
            continued += await self.wake(execution_id) is not None
        return continued

    async def wake(
        self, execution_id: str, items: list[dict[str, Any]] | None = None
    ) -> Running | None:
        """Continue a parked execution (None when it is not waiting: already woken,
        finished or unknown); `items` are what its Wait node outputs (a resume webhook's
        request), else the items it parked with."""
        if not await self._svc.store.leases.claim(
            execution_id, self._svc.executor.owner, waiting=True
        ):
            return None
        return await self._continue(execution_id, items)

    async def _continue(
        self, execution_id: str, items: list[dict[str, Any]] | None = None
    ) -> Running | None:
        svc = self._svc
        try:
            record = await svc.store.executions.get(execution_id)
            if record.workflow_id is None or record.workflow_version is None:
                raise ValueError("it ran no stored workflow version")
            version = await svc.store.workflows.get_version(
                record.workflow_id, record.workflow_version
            )
            doc = {**version.data, "id": record.workflow_id, "name": version.name}
            checkpoint = await svc.data.load_checkpoint(execution_id)
            if items is not None:
                parked = {
                    n for (n, _), run in checkpoint.runs.items() if WAIT_KEY in run.meta.extra
                }
                checkpoint.resume_items = dict.fromkeys(parked, items)
            input_items = await asyncio.to_thread(svc.data.read_input, execution_id)
            # The run goes on from the triggers that had started (its own, not all).
            triggers = svc.executor.plan(
                RunRequest(doc, record.workflow_id, record.workflow_version)
            ).triggers
            started = {node for node, _ in checkpoint.runs if node in triggers}
            request = RunRequest(
                doc,
                record.workflow_id,
                record.workflow_version,
                mode=record.mode,
                input_items=input_items or [],
                triggers=started or None,
                create_row=False,
                execution_id=execution_id,
                checkpoint=checkpoint,
            )
            running = await svc.executor.start(request)
        except Overloaded:
            # Still claimed by this process, which does not beat for it: the sweep after
            # the stale period tries again.
            log.warning("execution %s waits for a free slot to continue", execution_id)
            return None
        except Exception as exc:
            log.exception("could not continue execution %s", execution_id)
            await svc.store.executions.finish(
                execution_id, "crashed", error={"message": f"could not be resumed: {exc}"}
            )
            return None
        log.info("continuing execution %s from %d stored runs", execution_id, len(checkpoint.runs))
        metrics.resumed()
        return running

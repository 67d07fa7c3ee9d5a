"""Admission (serve_app/admission.py): slots, per-workflow limits, a bounded queue."""

from __future__ import annotations

import asyncio
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

import pytest

from serve_app.admission import Admission, Overloaded
from serve_app.executor import HEARTBEAT_SECONDS
from serve_app.resumer import STALE_BEATS, Resumer


def test_runs_up_to_the_limit_then_queues_then_refuses() -> None:
    adm = Admission(max_running=2, max_queued=1)
    started: list[str] = []
    adm.admit(adm.reserve("wf"), lambda: started.append("a"))
    adm.admit(adm.reserve("wf"), lambda: started.append("b"))
    ticket = adm.reserve("wf")
    assert ticket is not None
    adm.admit(ticket, lambda: started.append("c"))
    assert started == ["a", "b"] and adm.queued == 1
    with pytest.raises(Overloaded) as refused:
        adm.reserve("wf")
    assert refused.value.status == 429 and int(refused.value.headers["Retry-After"]) >= 1
    adm.release("wf")  # "a" ends: "c" takes its slot
    assert started == ["a", "b", "c"] and adm.running == 2 and adm.queued == 0


def test_a_workflow_at_its_limit_does_not_block_others() -> None:
    adm = Admission(max_running=4, max_queued=4, per_workflow=1)
    started: list[str] = []
    adm.admit(adm.reserve("busy"), lambda: started.append("busy-1"))
    adm.admit(adm.reserve("busy"), lambda: started.append("busy-2"))  # queued: limit 1
    adm.admit(adm.reserve("other"), lambda: started.append("other-1"))
    assert started == ["busy-1", "other-1"]
    adm.release("busy")
    assert started == ["busy-1", "other-1", "busy-2"]


def test_a_workflow_setting_overrides_the_default_and_cancel_gives_back() -> None:
    adm = Admission(max_running=4, max_queued=0)
    first = adm.reserve("wf", limit=1)
    assert first is None and adm.running == 1
    with pytest.raises(Overloaded):
        adm.reserve("wf", limit=1)  # at its own limit, and no queue
    adm.cancel(first, "wf")  # starting failed: the slot is free again
    assert adm.running == 0
    assert adm.reserve("wf", limit=1) is None


def test_free_places_count_slots_and_queue() -> None:
    adm = Admission(max_running=2, max_queued=3)
    assert adm.free_places() == 5
    adm.admit(adm.reserve("wf"), lambda: None)
    adm.admit(adm.reserve("wf"), lambda: None)
    adm.admit(adm.reserve("wf"), lambda: None)  # queued
    assert adm.free_places() == 2


def test_a_sweep_claims_no_more_orphans_than_can_start() -> None:
    class Leases:
        claimed: list[str] = []

        async def orphans(self, stale_before: datetime) -> list[str]:
            return [f"orphan-{i}" for i in range(5)]

        async def claim(self, execution_id: str, owner: str, **_: Any) -> bool:
            self.claimed.append(execution_id)
            return False  # another process won: nothing to continue here

        async def due_waits(self, now: datetime) -> list[str]:
            return []

    leases = Leases()
    admission = Admission(max_running=1, max_queued=1)
    services = SimpleNamespace(
        store=SimpleNamespace(leases=leases),
        executor=SimpleNamespace(owner="sweeper", admission=admission),
    )
    clock = [0.0]
    resumer = Resumer(cast(Any, services), clock=lambda: clock[0])
    asyncio.run(resumer.sweep())  # the first sweep only starts the reachability window
    clock[0] = 10 * STALE_BEATS * HEARTBEAT_SECONDS
    asyncio.run(resumer.sweep())
    assert leases.claimed == ["orphan-0", "orphan-1"]  # one slot and one queue place

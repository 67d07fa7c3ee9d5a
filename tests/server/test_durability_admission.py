"""Admission (serve_app/admission.py): slots, per-workflow limits, a bounded queue."""

from __future__ import annotations

import pytest

from serve_app.admission import Admission, Overloaded


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

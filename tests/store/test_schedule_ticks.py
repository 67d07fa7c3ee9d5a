"""Schedule ticks: one claim per tick, later ticks win over older ones, racing
schedulers (separate stores, as separate processes would be) fire a tick once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hetumind.store import InvalidData, Store

DOC = {"name": "ticking", "nodes": [], "connections": {}}
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _workflow(store: Store, *, active: bool = True) -> str:
    return store.run_sync(store.workflows.create(DOC, active=active)).id


def test_a_tick_is_claimed_once_and_remembered_as_the_last(store: Store) -> None:
    ticks = store.schedule_ticks
    wf = _workflow(store)
    assert store.run_sync(ticks.last(wf, "Tick")) is None  # never fired
    assert store.run_sync(ticks.claim(wf, "Tick", T0, "exec-1")) is True
    assert store.run_sync(ticks.claim(wf, "Tick", T0, "exec-2")) is False
    last = store.run_sync(ticks.last(wf, "Tick"))
    assert last is not None
    assert (last.tick, last.execution_id) == (T0, "exec-1")
    assert last.tick.tzinfo is not None
    # Another node of the same workflow has a tick of its own.
    assert store.run_sync(ticks.claim(wf, "Other", T0, "exec-3")) is True


def test_same_instant_in_another_timezone_is_the_same_tick(store: Store) -> None:
    from zoneinfo import ZoneInfo

    wf = _workflow(store)
    berlin = T0.astimezone(ZoneInfo("Europe/Berlin"))
    assert store.run_sync(store.schedule_ticks.claim(wf, "Tick", berlin, "a")) is True
    assert store.run_sync(store.schedule_ticks.claim(wf, "Tick", T0, "b")) is False


def test_an_older_tick_loses_to_a_later_one_and_older_rows_are_pruned(store: Store) -> None:
    ticks = store.schedule_ticks
    wf = _workflow(store)
    later = T0 + timedelta(minutes=1)
    assert store.run_sync(ticks.claim(wf, "Tick", T0, "a")) is True
    assert store.run_sync(ticks.claim(wf, "Tick", later, "b")) is True
    # T0's row is pruned, but a scheduler that fell behind still cannot fire it again.
    assert store.run_sync(ticks.claim(wf, "Tick", T0, "c")) is False
    assert store.run_sync(ticks.claim(wf, "Tick", T0 - timedelta(hours=1), "d")) is False
    last = store.run_sync(ticks.last(wf, "Tick"))
    assert last is not None and (last.tick, last.execution_id) == (later, "b")


def test_skipped_tick_is_claimed_without_an_execution(store: Store) -> None:
    wf = _workflow(store)
    assert store.run_sync(store.schedule_ticks.claim(wf, "Tick", T0, None)) is True
    last = store.run_sync(store.schedule_ticks.last(wf, "Tick"))
    assert last is not None and last.execution_id is None


def test_claims_for_unknown_or_deleted_workflows_fail(store: Store) -> None:
    wf = _workflow(store)
    assert store.run_sync(store.schedule_ticks.claim("nosuchworkflow00", "Tick", T0, "a")) is False
    store.run_sync(store.schedule_ticks.claim(wf, "Tick", T0, "a"))
    store.run_sync(store.workflows.delete(wf))
    assert store.run_sync(store.schedule_ticks.last(wf, "Tick")) is None  # cascaded


def test_naive_tick_is_refused(store: Store) -> None:
    wf = _workflow(store)
    with pytest.raises(InvalidData, match="timezone-aware"):
        store.run_sync(store.schedule_ticks.claim(wf, "Tick", datetime(2026, 1, 1), "a"))


def test_forget_drops_a_workflows_ticks_except_kept_nodes(store: Store) -> None:
    ticks = store.schedule_ticks
    wf, other = _workflow(store), _workflow(store)
    for node in ("A", "B"):
        store.run_sync(ticks.claim(wf, node, T0, node))
    store.run_sync(ticks.claim(other, "A", T0, "x"))
    assert store.run_sync(ticks.forget(wf, keep=["A"])) == 1
    assert store.run_sync(ticks.last(wf, "B")) is None
    assert store.run_sync(ticks.last(wf, "A")) is not None
    assert store.run_sync(ticks.forget(wf)) == 1
    assert store.run_sync(ticks.last(wf, "A")) is None
    assert store.run_sync(ticks.last(other, "A")) is not None  # another workflow's stay
    assert store.run_sync(ticks.forget(wf)) == 0


def test_forget_inactive_keeps_only_active_workflows_ticks(store: Store) -> None:
    ticks = store.schedule_ticks
    active, inactive = _workflow(store), _workflow(store, active=False)
    store.run_sync(ticks.claim(active, "Tick", T0, "a"))
    store.run_sync(ticks.claim(inactive, "Tick", T0, "b"))
    assert store.run_sync(ticks.forget_inactive()) >= 1
    assert store.run_sync(ticks.last(active, "Tick")) is not None
    assert store.run_sync(ticks.last(inactive, "Tick")) is None


Claim = Callable[[Store, int], Coroutine[Any, Any, bool]]


def _race(stores: list[Store], claim: Claim) -> list[bool]:
    """Every store claims at once (one thread each, released together)."""
    barrier = threading.Barrier(len(stores))
    results: list[bool] = [False] * len(stores)

    def go(i: int) -> None:
        barrier.wait()
        results[i] = stores[i].run_sync(claim(stores[i], i))

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def schedulers(store: Store) -> Iterator[list[Store]]:
    """Four stores on one database: the claims of four racing schedulers."""
    others = [Store.open_sync(store.url, settings=store.settings, migrate=False) for _ in range(3)]
    yield [store, *others]
    for other in others:
        other.close_sync()


@pytest.mark.parametrize("round", range(3))
def test_concurrent_claims_of_one_tick_exactly_one_wins(
    store: Store, schedulers: list[Store], round: int
) -> None:
    wf = _workflow(store)
    tick = T0 + timedelta(seconds=round)
    won = _race(schedulers, lambda s, i: s.schedule_ticks.claim(wf, "Tick", tick, f"exec-{i}"))
    assert sum(won) == 1, won
    last = store.run_sync(store.schedule_ticks.last(wf, "Tick"))
    assert last is not None and last.execution_id == f"exec-{won.index(True)}"


def test_concurrent_claims_from_one_store_exactly_one_wins(store: Store) -> None:
    import asyncio

    wf = _workflow(store)

    async def race() -> list[bool]:
        claims = [store.schedule_ticks.claim(wf, "Tick", T0, f"e{i}") for i in range(8)]
        return list(await asyncio.gather(*claims))

    assert sum(store.run_sync(race())) == 1

"""hetumind.asyncbridge: the one sync-to-async bridge (store, database nodes, AI clients)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from hetumind.asyncbridge import LoopThread, gather_limited, process_loop, run_fresh, run_sync


async def _thread_name() -> str:
    return threading.current_thread().name


async def _fail() -> None:
    raise KeyError("boom")


def test_run_sync_uses_one_process_loop() -> None:
    assert run_sync(_thread_name()) == "hetumind-db-loop"
    loop = process_loop()
    assert process_loop() is loop
    with pytest.raises(KeyError, match="boom"):
        run_sync(_fail())
    assert process_loop() is loop  # an error does not cost the loop (or its pools)


def test_run_sync_on_its_own_loop_thread_refuses_instead_of_hanging() -> None:
    async def nested() -> str:
        try:
            run_sync(_thread_name())
        except RuntimeError as exc:
            return str(exc)
        return "no error"

    assert "must be awaited" in run_sync(nested(), timeout=10)


def test_run_fresh_works_inside_a_running_loop() -> None:
    async def caller() -> str:
        return run_fresh(_thread_name())

    assert asyncio.run(caller()) == "hetumind-ai-loop"
    assert run_fresh(_thread_name()) == threading.current_thread().name
    with pytest.raises(KeyError):
        run_fresh(_fail())


def test_loop_thread_runs_and_closes() -> None:
    thread = LoopThread(name="test-loop")
    assert thread.run(_thread_name(), timeout=10) == "test-loop"
    thread.close()
    assert not thread.alive
    thread.close()  # twice is fine


def test_gather_limited_keeps_order_and_limit() -> None:
    running = 0
    peak = 0

    async def work(i: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0)
        running -= 1
        if i == 3:
            raise ValueError(i)
        return i * 10

    calls = [lambda i=i: work(i) for i in range(6)]
    results = asyncio.run(gather_limited(calls, 2))
    assert results[:3] == [0, 10, 20] and results[4:] == [40, 50]
    assert isinstance(results[3], ValueError)
    assert peak == 2

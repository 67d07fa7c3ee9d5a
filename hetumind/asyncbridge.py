"""The one bridge from synchronous code to asyncio: the store, the database nodes and the
AI clients all run their coroutines through here.

- `LoopThread`: an event loop on a daemon thread; `run(coro)` from any other thread.
- `run_sync(coro)`: on this process's shared LoopThread. Connection pools are bound to
  the loop that made them, and a Ray worker is a long-lived process running many tasks,
  so the loop (and with it the pools) lives as long as the process. Started on first use,
  again after a fork (threads don't fork).
- `run_fresh(coro)`: on a loop of its own, for clients that open and close their own
  connections per call (the AI HTTP clients); works even where the caller already runs a
  loop (a Serve replica, an async test), where `asyncio.run` would refuse.
- `gather_limited`: await many calls with a cap on how many are in flight.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from typing import Any, TypeVar

__all__ = ["LoopThread", "gather_limited", "process_loop", "run_fresh", "run_sync"]

T = TypeVar("T")


class LoopThread:
    """Runs coroutines on a private loop from any other thread (CLI, tests, recorder)."""

    def __init__(self, name: str = "hetumind-store") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    @property
    def alive(self) -> bool:
        return not self.loop.is_closed() and self._thread.is_alive()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coro` on the loop and wait for its result (re-raising its exception)."""
        if threading.current_thread() is self._thread:
            coro.close()
            # waiting here would block the very loop that must run it: a hang, not a result
            raise RuntimeError(f"{self._thread.name}: a coroutine on this loop must be awaited")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


class _ProcessLoop:
    """Holds this process's LoopThread (an object, not a module `global`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: LoopThread | None = None
        self._pid: int | None = None

    def get(self) -> LoopThread:
        with self._lock:
            thread = self._thread
            if thread is None or self._pid != os.getpid() or not thread.alive:
                thread = self._thread = LoopThread(name="hetumind-db-loop")
                self._pid = os.getpid()
            return thread


_PROCESS = _ProcessLoop()


def process_loop() -> asyncio.AbstractEventLoop:
    """This process's shared loop, started on first use."""
    return _PROCESS.get().loop


def run_sync(coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run `coro` on the process loop and wait for its result (from any other thread)."""
    return _PROCESS.get().run(coro, timeout)


def run_fresh(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion on a loop of its own and return its result, from any
    thread: `asyncio.run` here, or on a short-lived thread if this one runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="hetumind-ai-loop", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


async def gather_limited(
    calls: Iterable[Callable[[], Awaitable[T]]], limit: int
) -> Sequence[T | BaseException]:
    """Await every call with at most `limit` in flight; results (or errors) in order.

    Keeping many requests in flight is what lets a model server batch them continuously;
    the limit keeps one node from flooding a shared replica.
    """
    semaphore = asyncio.Semaphore(max(1, limit))

    async def one(call: Callable[[], Awaitable[T]]) -> T:
        async with semaphore:
            return await call()

    return await asyncio.gather(*(one(c) for c in calls), return_exceptions=True)

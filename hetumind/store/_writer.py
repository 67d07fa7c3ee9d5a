"""Write-behind: operations from a synchronous thread, applied in order on the store's loop.

The coordinator must not wait for the database after every node run: each commit costs a
disk flush (milliseconds on PostgreSQL), and every statement a hop between threads that
competes with the coordinator for the GIL. So writes are group-committed: the first
operation of a batch waits for the next tick (at most GROUP_COMMIT_SECONDS), the
operations that arrive meanwhile (the node runs of that window) join it, and the batch
goes in one transaction.
An operation submitted with wait=True (a side-effecting node's start mark, the end of the
execution) does not wait for the timer: it commits at once, with everything before it.
Operations queue up while one batch commits, and the next batch takes all of them.

Nothing acknowledged depends on the delay: an execution is acknowledged only after its
wait=True operation committed, and a crash within the window loses only checkpoints of
runs that a resumed execution runs again (pure nodes) or fails as interrupted (marked
ones: their mark was committed before they ran), as docs/reliability.md says.

A database outage does not lose the record: a batch that could not reach the database is
retried, whole and in order, with backoff, for up to HETUMIND_STORE_RETRY_SECONDS
(availability.py); operations submitted meanwhile queue up behind it. The coordinator
goes on running nodes and waits only at the end of the execution, as ever.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from hetumind.store.availability import retrying

if TYPE_CHECKING:
    from hetumind.store.db import Store

__all__ = ["OrderedWriter"]

log = logging.getLogger(__name__)
Op = TypeVar("Op")

GROUP_COMMIT_SECONDS = float(os.environ.get("HETUMIND_GROUP_COMMIT_MS", "50")) / 1000
"""How long the first write of a batch waits for others to join it before it commits."""


class _Ticker:
    """Kicks the writers of one loop that have operations waiting, every
    GROUP_COMMIT_SECONDS. Arming a timer per batch would wake the loop from the
    coordinator's thread each time (a self-pipe write and a GIL hand-over, which on a busy
    machine cost about as much as the commit); the ticker runs while there is work and
    stops after a second without any, so only the first write of a burst wakes the loop."""

    IDLE_TICKS = max(1, round(1.0 / max(GROUP_COMMIT_SECONDS, 0.001)))

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._pending: list[OrderedWriter[Any]] = []
        self._running = False
        self._idle = 0

    def add(self, writer: OrderedWriter[Any]) -> None:
        with self._lock:
            self._pending.append(writer)
            start = not self._running
            self._running = True
        if start:
            self._loop.call_soon_threadsafe(self._start)

    def _start(self) -> None:
        self._idle = 0
        self._loop.call_later(GROUP_COMMIT_SECONDS, self._tick)

    def _tick(self) -> None:
        # A timer callback, not a task: nothing is left pending when the loop closes.
        with self._lock:
            writers, self._pending = self._pending, []
            if not writers:
                self._idle += 1
                if self._idle >= self.IDLE_TICKS:
                    self._running = False
                    return
        if writers:
            self._idle = 0
        for writer in writers:
            writer._kick()
        self._loop.call_later(GROUP_COMMIT_SECONDS, self._tick)


_TICKERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Ticker] = (
    weakref.WeakKeyDictionary()
)
_TICKERS_LOCK = threading.Lock()


def _ticker(loop: asyncio.AbstractEventLoop) -> _Ticker:
    with _TICKERS_LOCK:
        ticker = _TICKERS.get(loop)
        if ticker is None:
            ticker = _TICKERS[loop] = _Ticker(loop)
        return ticker


class OrderedWriter(Generic[Op]):
    """Applies submitted operations in submission order, batching those that pile up."""

    def __init__(
        self, store: Store, apply: Callable[[AsyncSession, list[Op]], Awaitable[None]]
    ) -> None:
        self._store = store
        self._apply = apply
        self._lock = threading.Lock()
        self._ops: list[tuple[Op, concurrent.futures.Future[None] | None]] = []
        self._armed = False
        """A kick (timer or immediate) is on its way for the queued operations."""
        self._draining = False  # touched on the loop thread only
        self._task: asyncio.Future[None] | None = None

    def submit(self, op: Op, *, wait: bool = False, timeout: float | None = None) -> None:
        """Queue `op`; with wait=True block until it (and everything before it) committed,
        re-raising the batch's error."""
        loop = self._store.loop
        if loop is None:
            raise RuntimeError("store is not open")
        done: concurrent.futures.Future[None] | None = None
        if wait:
            try:
                on_loop = asyncio.get_running_loop() is loop
            except RuntimeError:
                on_loop = False
            if on_loop:
                raise RuntimeError(
                    "the recorder was called on the store's own event loop; run the "
                    "coordinator in a worker thread (asyncio.to_thread)"
                )
            done = concurrent.futures.Future()
        with self._lock:
            self._ops.append((op, done))
            arm = not self._armed
            self._armed = True
        if done is not None:
            loop.call_soon_threadsafe(self._kick)
            done.result(timeout)
        elif arm:
            _ticker(loop).add(self)

    def _kick(self) -> None:
        # On the loop thread, like the end of _drain: at most one drain at a time. A kick
        # that comes while one drains is not needed: the drain takes everything queued.
        if not self._draining:
            self._draining = True
            self._task = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        while True:
            with self._lock:
                batch, self._ops = self._ops, []
                self._armed = False
                if not batch:
                    self._draining = False
                    return
            ops = [op for op, _ in batch]

            async def attempt(ops: list[Op] = ops) -> None:
                async with self._store.transaction() as session:
                    await self._apply(session, ops)

            error: BaseException | None = None
            try:
                await retrying(attempt, what=f"recording {len(ops)} operation(s)")
            except Exception as exc:  # the execution goes on; its record is incomplete
                log.exception("recording %d operation(s) failed", len(batch))
                error = exc
            for _, done in batch:
                if done is not None:
                    if error is None:
                        done.set_result(None)
                    else:
                        done.set_exception(error)

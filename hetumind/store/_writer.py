"""Write-behind: operations from a synchronous thread, applied in order on the store's loop.

The coordinator must not wait for the database after every node run: each commit costs a
disk flush (milliseconds on PostgreSQL). Operations queue up while one batch commits, and
the next batch takes all of them in one transaction.

A database outage does not lose the record: a batch that could not reach the database is
retried, whole and in order, with backoff, for up to HETUMIND_STORE_RETRY_SECONDS
(availability.py); operations submitted meanwhile queue up behind it. The coordinator
goes on running nodes and waits only at the end of the execution, as ever.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from hetumind.store.availability import retrying

if TYPE_CHECKING:
    from hetumind.store.db import Store

__all__ = ["OrderedWriter"]

log = logging.getLogger(__name__)
Op = TypeVar("Op")


class OrderedWriter(Generic[Op]):
    """Applies submitted operations in submission order, batching those that pile up."""

    def __init__(
        self, store: Store, apply: Callable[[AsyncSession, list[Op]], Awaitable[None]]
    ) -> None:
        self._store = store
        self._apply = apply
        self._lock = threading.Lock()
        self._ops: list[tuple[Op, concurrent.futures.Future[None] | None]] = []
        self._running = False

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
            start = not self._running
            self._running = True
        if start:
            asyncio.run_coroutine_threadsafe(self._drain(), loop)
        if done is not None:
            done.result(timeout)

    async def _drain(self) -> None:
        while True:
            with self._lock:
                batch, self._ops = self._ops, []
                if not batch:
                    self._running = False
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

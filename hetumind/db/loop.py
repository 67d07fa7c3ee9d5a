"""One asyncio event loop per process, on a daemon thread, for nodes doing async I/O.

Connection pools are bound to the loop that made them, and a Ray worker is a long-lived
process running many tasks: so the loop (and with it the pools) lives as long as the
process, instead of a loop per node run or per item.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["process_loop", "run_sync"]

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None


def process_loop() -> asyncio.AbstractEventLoop:
    """This process's loop, started on first use (again after a fork: threads don't fork)."""
    global _loop, _loop_pid
    with _lock:
        if _loop is None or _loop_pid != os.getpid() or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="hetumind-db-loop", daemon=True)
            thread.start()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


def run_sync(coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run `coro` on the process loop and wait for its result (from any other thread)."""
    loop = process_loop()
    future = asyncio.run_coroutine_threadsafe(coro, loop)
    return future.result(timeout)

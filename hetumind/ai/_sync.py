"""Running the async AI clients from a node's synchronous `run`.

Nodes run in a Ray task or in the caller's thread; the caller may already have an event
loop (a Serve replica, an async test), where `asyncio.run` would refuse. Then the
coroutine runs on a short-lived thread with a loop of its own.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from typing import Any, TypeVar

__all__ = ["gather_limited", "run_sync"]

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion and return its result, from any thread."""
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

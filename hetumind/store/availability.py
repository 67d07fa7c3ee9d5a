"""Telling a database outage from other store errors, and riding one out.

An outage (PostgreSQL stopped, restarting, unreachable) is transient: the same statement
succeeds once the server is back. Callers that can wait (the recorders' write-behind
writers) retry with `retrying`; callers that cannot (API requests) answer 503 and let the
client retry. Anything else (a constraint violation, a bug) is not retried: repeating it
would fail the same way.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

__all__ = ["error_types", "is_unavailable", "retry_seconds", "retrying"]

log = logging.getLogger(__name__)
T = TypeVar("T")

FIRST_DELAY = 0.1
MAX_DELAY = 2.0
"""Backoff between attempts: doubling from FIRST_DELAY up to MAX_DELAY seconds, so that a
short blip costs little and a long outage is polled about every two seconds."""

# SQLSTATEs of a server that is going away or not there yet: 57P01 admin shutdown,
# 57P02 crash shutdown, 57P03 cannot connect now (starting up / shutting down), class 08
# connection exceptions, 53300 too many connections.
_UNAVAILABLE_STATES = ("57P01", "57P02", "57P03", "53300")
_NETWORK_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EHOSTDOWN, errno.ETIMEDOUT}


def retry_seconds() -> float:
    """How long a writer keeps retrying through an outage (HETUMIND_STORE_RETRY_SECONDS)."""
    return float(os.environ.get("HETUMIND_STORE_RETRY_SECONDS", "120"))


def error_types() -> tuple[type[Exception], ...]:
    """The exception classes an outage can surface as: SQLAlchemy's, the network's, and
    asyncpg's own (it raises some, at connect time, without SQLAlchemy's wrapper)."""
    found: tuple[type[Exception], ...] = (SQLAlchemyError, OSError)
    try:
        import asyncpg
    except ImportError:  # SQLite only
        return found
    return (*found, asyncpg.PostgresError, asyncpg.InterfaceError)


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database could not be reached (rather than refused the
    statement): connection refused or reset, the server shutting down or starting up."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if _network_error(current):
            return True
        state = getattr(current, "sqlstate", None)
        if isinstance(state, str) and (state in _UNAVAILABLE_STATES or state.startswith("08")):
            return True
        if type(current).__name__ == "ConnectionDoesNotExistError":  # asyncpg, no SQLSTATE
            return True
        # SQLAlchemy keeps the driver's error as `orig`, not always as the cause.
        orig = getattr(current, "orig", None)
        pending += [current.__cause__, current.__context__]
        if isinstance(orig, BaseException):
            pending.append(orig)
    return False


def _network_error(exc: BaseException) -> bool:
    # Not any OSError: a full disk or a missing file is no outage and is not retried.
    if isinstance(exc, (ConnectionError, TimeoutError, socket.gaierror)):
        return True
    if isinstance(exc, OSError):
        # asyncio joins the errors of every address it tried into one errno-less OSError.
        return exc.errno in _NETWORK_ERRNOS or (
            exc.errno is None and str(exc).startswith("Multiple exceptions")
        )
    return False


async def retrying(
    attempt: Callable[[], Awaitable[T]], *, what: str, seconds: float | None = None
) -> T:
    """Run `attempt()` until it succeeds, retrying while the database is unavailable for
    at most `seconds` (default retry_seconds()); other errors, and the last outage error
    once time is up, are raised. `attempt` must be safe to repeat: one transaction."""
    budget = retry_seconds() if seconds is None else seconds
    deadline = time.monotonic() + budget
    delay = FIRST_DELAY
    failures = 0
    while True:
        try:
            result = await attempt()
        except Exception as exc:
            if not is_unavailable(exc) or time.monotonic() + delay > deadline:
                raise
            if failures == 0:
                log.warning(
                    "the database is unavailable (%s); retrying %s for up to %gs",
                    exc.__class__.__name__,
                    what,
                    budget,
                )
            failures += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY)
            continue
        if failures:
            log.warning("the database is back: %s done after %d retries", what, failures)
        return result

"""The running execution's cancel flag, for node runs in this process (engine/start.py).

Kept apart from start.py so that nodes (the Wait node) import it without the engine.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["cancel_scope", "cancellable_sleep"]

_cancel: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar(
    "hetumind_cancel", default=None
)
"""The running execution's cancel flag, for nodes that sleep in this process. Absent in
Ray workers: there the coordinator abandons the task instead."""


@contextmanager
def cancel_scope(flag: threading.Event) -> Iterator[None]:
    token = _cancel.set(flag)
    try:
        yield
    finally:
        _cancel.reset(token)


def cancellable_sleep(seconds: float) -> bool:
    """Sleep `seconds`, waking early when the execution is cancelled; True if it was."""
    flag = _cancel.get()
    if flag is None:
        time.sleep(max(0.0, seconds))
        return False
    return flag.wait(max(0.0, seconds))

"""Lifecycle hooks: how the server, live events and checkpoints watch an execution.

Each hook is a small class with one method, so a listener implements only what it needs.
The coordinator calls them in order, in its own thread; a listener that raises is logged
and ignored, so watching an execution can never break it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hetumind.engine.backend import Backend
    from hetumind.engine.node_run import RunMeta
    from hetumind.engine.result import ExecutionResult, NodeRun

__all__ = [
    "Event",
    "ExecutionFinished",
    "ExecutionStarted",
    "Listener",
    "NodeFinished",
    "NodeStarted",
    "notify",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExecutionStarted:
    execution_id: str
    workflow_name: str
    workflow_id: str | None
    mode: str
    backend: Backend | None = None
    """Where the runs' items live (a checkpointing listener fetches them from it)."""


@dataclass(frozen=True)
class NodeStarted:
    execution_id: str
    node: str
    run_index: int


@dataclass(frozen=True)
class NodeFinished:
    execution_id: str
    node: str
    run_index: int
    meta: RunMeta
    run: NodeRun
    """Handle to the run's outputs (fetch with ExecutionResult.backend.outputs)."""


@dataclass(frozen=True)
class ExecutionFinished:
    execution_id: str
    result: ExecutionResult


Event = ExecutionStarted | NodeStarted | NodeFinished | ExecutionFinished


class Listener:
    """Receives every event of an execution; override `on_event`."""

    def on_event(self, event: Event) -> None:
        raise NotImplementedError


def notify(listeners: Sequence[Listener], event: Event) -> None:
    for listener in listeners:
        try:
            listener.on_event(event)
        except Exception:
            log.exception("execution listener %r failed on %s", listener, type(event).__name__)

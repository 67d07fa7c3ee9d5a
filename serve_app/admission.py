"""Backpressure: at most N executions run at once (globally and per workflow) in a
replica; the next ones wait in a bounded queue; beyond that the API answers 429.

Everything here runs on the replica's event loop, so plain counters suffice.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from hetumind.observability import metrics
from serve_app.errors import ApiError

__all__ = ["Admission", "Overloaded"]


class Overloaded(ApiError):
    """429 with Retry-After: the queue is full."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(429, message, code="too_many_requests")
        self.headers = {"Retry-After": str(retry_after)}


@dataclass
class _Queued:
    workflow_id: str | None
    limit: int
    launch: Callable[[], None] | None = None


class Admission:
    """Slots for running executions plus a bounded queue of waiting ones.

    `reserve` takes a running slot or a queue place (raising Overloaded when there is
    neither) before anything is written; `admit` then launches at once or when a slot
    frees up; `release` frees the slot when the execution ends.
    """

    def __init__(self, max_running: int, max_queued: int, per_workflow: int = 0) -> None:
        self.max_running = max(1, max_running)
        self.max_queued = max(0, max_queued)
        self.per_workflow = max(0, per_workflow)
        self._running = 0
        self._by_workflow: dict[str | None, int] = {}
        self._queue: deque[_Queued] = deque()

    @property
    def running(self) -> int:
        return self._running

    @property
    def queued(self) -> int:
        return len(self._queue)

    def free_places(self) -> int:
        """How many more executions `reserve` takes now (running slots and queue places)."""
        return max(0, self.max_running - self._running) + max(0, self.max_queued - self.queued)

    def _limit(self, limit: int | None) -> int:
        return self.per_workflow if limit is None else max(0, limit)

    def _fits(self, workflow_id: str | None, limit: int) -> bool:
        if self._running >= self.max_running:
            return False
        return not limit or self._by_workflow.get(workflow_id, 0) < limit

    def _enter(self, workflow_id: str | None) -> None:
        self._running += 1
        self._by_workflow[workflow_id] = self._by_workflow.get(workflow_id, 0) + 1

    def reserve(self, workflow_id: str | None, limit: int | None = None) -> _Queued | None:
        """None: a running slot is taken. A ticket: a queue place (pass it to `admit`)."""
        per = self._limit(limit)
        if self._fits(workflow_id, per) and not self._queue:
            self._enter(workflow_id)
            return None
        if len(self._queue) >= self.max_queued:
            metrics.admission_refused("queue_full")
            raise Overloaded(
                f"too many executions: {self._running} running and {len(self._queue)} "
                "queued; try again later",
                self.retry_after(),
            )
        ticket = _Queued(workflow_id, per)
        self._queue.append(ticket)
        metrics.queue_depth(len(self._queue))
        return ticket

    def admit(self, ticket: _Queued | None, launch: Callable[[], None]) -> None:
        """Launch now (slot taken by `reserve`) or once the ticket's turn comes."""
        if ticket is None:
            launch()
            return
        ticket.launch = launch
        self._drain()

    def cancel(self, ticket: _Queued | None, workflow_id: str | None) -> None:
        """Give back what `reserve` took, when starting failed before `admit`."""
        if ticket is None:
            self.release(workflow_id)
        elif ticket in self._queue:
            self._queue.remove(ticket)
            metrics.queue_depth(len(self._queue))

    def release(self, workflow_id: str | None) -> None:
        self._running = max(0, self._running - 1)
        left = self._by_workflow.get(workflow_id, 0) - 1
        if left > 0:
            self._by_workflow[workflow_id] = left
        else:
            self._by_workflow.pop(workflow_id, None)
        self._drain()

    def _drain(self) -> None:
        # First come, first served, except that a workflow at its own limit does not
        # hold up the others behind it.
        for ticket in list(self._queue):
            if self._running >= self.max_running:
                return
            if ticket.launch is None or not self._fits(ticket.workflow_id, ticket.limit):
                continue
            self._queue.remove(ticket)
            metrics.queue_depth(len(self._queue))
            self._enter(ticket.workflow_id)
            ticket.launch()

    def retry_after(self) -> int:
        """Seconds a client should wait: roughly one per queue's worth of slots."""
        return max(1, math.ceil((len(self._queue) + 1) / self.max_running))

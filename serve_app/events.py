"""Live execution events across replicas: a publisher in each replica, one bus deployment.

Executions run in whichever replica took the request (or in the scheduler), while the
client watching them may be connected to another replica. Each replica's `EventPublisher`
turns engine lifecycle events (hetumind.engine.events) into JSON events and sends them,
in batches and in order, to the single `EventBus` replica, which keeps a bounded history
and answers long polls. A watcher of an execution replays its history from the start; a
watcher of a workflow sees what happens after it subscribed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ray import serve

from hetumind.engine.events import (
    Event,
    ExecutionFinished,
    ExecutionStarted,
    Listener,
    NodeFinished,
    NodeStarted,
)
from hetumind.observability.logs import mask, serve_logging_config

__all__ = ["EventBus", "EventPublisher", "engine_event_json"]

log = logging.getLogger(__name__)

HISTORY = 50_000
"""Events kept by the bus; older executions are answered from the store instead."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def engine_event_json(event: Event, workflow_id: str | None) -> dict[str, Any] | None:
    """An engine event as the API's JSON event (None for events we do not publish)."""
    base: dict[str, Any] = {"workflowId": workflow_id, "timestamp": _now()}
    if isinstance(event, ExecutionStarted):
        return {
            "type": "executionStarted",
            "executionId": event.execution_id,
            "mode": event.mode,
            **base,
        }
    if isinstance(event, NodeStarted):
        return {
            "type": "nodeStarted",
            "executionId": event.execution_id,
            "node": event.node,
            "runIndex": event.run_index,
            **base,
        }
    if isinstance(event, NodeFinished):
        return {
            "type": "nodeFinished",
            "executionId": event.execution_id,
            "node": event.node,
            "runIndex": event.run_index,
            "status": event.meta.status,
            "itemCounts": list(event.meta.counts),
            "executionTimeMs": event.meta.execution_time_ms,
            "error": event.meta.error,
            **_logs_of(event.meta.extra),
            **base,
        }
    if isinstance(event, ExecutionFinished):
        return {
            "type": "executionFinished",
            "executionId": event.execution_id,
            "status": event.result.status,
            "error": event.result.error,
            "lastNodeExecuted": event.result.last_node_executed,
            **base,
        }
    return None


MAX_LOG_LINES = 200
"""Lines of a node run's log (a Code node's console.log) carried by its event."""


def _logs_of(extra: dict[str, Any]) -> dict[str, Any]:
    """`{"logs": [...]}` when the node logged something (secret-looking text masked)."""
    lines = extra.get("logs")
    if not lines:
        return {}
    return {"logs": [mask(str(line)) for line in list(lines)[:MAX_LOG_LINES]]}


class EventPublisher(Listener):
    """Sends one replica's events to the bus from a background thread, one batch at a
    time, so that an execution's events arrive in the order they happened.

    Webhook executions are the hot path and nobody learns their ids, so their events are
    published only while someone watches their workflow (`watched`, kept up to date by
    the bus's "watch"/"unwatch" signals); every other execution is always published.
    """

    def __init__(self, bus: Any) -> None:
        self._bus = bus
        self._queue: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self._workflows: dict[str, str | None] = {}
        self._publishing: dict[str, str | None] = {}
        self.watched: set[str] = set()
        self._thread = threading.Thread(target=self._flush_forever, daemon=True)
        self._thread.start()

    def workflow_of(self, execution_id: str, workflow_id: str | None) -> None:
        """Remember an execution's stored workflow id (the engine may not know it)."""
        self._workflows[execution_id] = workflow_id

    def on_event(self, event: Event) -> None:
        execution_id = event.execution_id
        if isinstance(event, ExecutionStarted):
            workflow_id = self._workflows.pop(execution_id, event.workflow_id)
            if event.mode != "webhook" or workflow_id in self.watched:
                self._publishing[execution_id] = workflow_id
        if execution_id not in self._publishing:
            return
        data = engine_event_json(event, self._publishing[execution_id])
        if isinstance(event, ExecutionFinished):
            self._publishing.pop(execution_id, None)
        if data is not None:
            self._queue.put(data)

    def _flush_forever(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < 500:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._bus.publish.remote(batch).result(timeout_s=30)
            except Exception:
                log.exception("could not publish %d execution events", len(batch))


def _matches(event: dict[str, Any], executions: set[str], workflows: set[str]) -> bool:
    return event["executionId"] in executions or (
        event.get("workflowId") is not None and event["workflowId"] in workflows
    )


@serve.deployment(
    num_replicas=1,
    ray_actor_options={"num_cpus": 0.05},
    max_ongoing_requests=10_000,
    logging_config=serve_logging_config(enable_access_log=False),
)
class EventBus:
    """The one place every replica's events meet: a numbered, bounded history."""

    def __init__(self) -> None:
        self._events: deque[tuple[int, dict[str, Any]]] = deque(maxlen=HISTORY)
        self._seq = 0
        self._changed: asyncio.Condition | None = None
        self._stops: deque[tuple[int, tuple[str, str]]] = deque(maxlen=1000)
        self._stop_seq = 0
        self._stop_changed: asyncio.Event | None = None
        self._watch: dict[str, int] = {}
        self._pollers: dict[str, tuple[int, float]] = {}
        self._polled: asyncio.Event | None = None

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def publish(self, events: list[dict[str, Any]]) -> int:
        changed = self._condition()
        async with changed:
            for event in events:
                self._seq += 1
                self._events.append((self._seq, {**event, "seq": self._seq}))
            changed.notify_all()
        return self._seq

    async def head(self) -> int:
        """The number of the latest event; a new watcher of a workflow starts after it."""
        return self._seq

    async def poll(
        self,
        executions: Sequence[str],
        workflows: Sequence[str],
        after: int,
        timeout: float = 15.0,
    ) -> tuple[list[dict[str, Any]], int]:
        """Events numbered after `after` for the given executions or workflows, waiting up
        to `timeout` seconds for the first; returns them and the cursor for the next poll."""
        wanted_exec, wanted_wf = set(executions), set(workflows)
        changed = self._condition()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with changed:
            while True:
                found = []
                for seq, event in reversed(self._events):  # newest first: stop at `after`
                    if seq <= after:
                        break
                    if _matches(event, wanted_exec, wanted_wf):
                        found.append(event)
                found.reverse()
                if found:
                    return found, found[-1]["seq"]
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return [], max(after, self._seq)
                with contextlib.suppress(TimeoutError):
                    # On a timeout, scan once more before answering: events published just
                    # as the wait timed out are numbered below the cursor returned, and
                    # would be skipped (the next scan and the cursor are read together).
                    await asyncio.wait_for(changed.wait(), remaining)

    async def signal(self, kind: str, key: str) -> None:
        """Tell every API replica something: ("stop", execution id) stops a run where it
        runs; ("changed", workflow id) drops cached copies of a workflow and its routes."""
        self._stop_seq += 1
        self._stops.append((self._stop_seq, (kind, key)))
        if self._stop_changed is not None:
            self._stop_changed.set()

    async def poll_signals(
        self, after: int, timeout: float = 15.0, poller: str | None = None
    ) -> tuple[list[tuple[str, str]], int]:
        """Signals numbered after `after` (long poll), and the next cursor. A `poller`
        (one per replica) that calls with `after` has handled every signal up to it."""
        loop = asyncio.get_running_loop()
        if self._stop_changed is None:
            self._stop_changed = asyncio.Event()
        if self._polled is None:
            self._polled = asyncio.Event()
        if after > self._stop_seq:  # the bus restarted: start over
            after = 0
        if poller is not None:
            self._pollers[poller] = (after, loop.time())
            self._polled.set()
        if not any(seq > after for seq, _ in self._stops):
            self._stop_changed.clear()
            try:
                await asyncio.wait_for(self._stop_changed.wait(), timeout)
            except TimeoutError:
                return [], self._stop_seq
        return [e for seq, e in self._stops if seq > after], self._stop_seq

    async def watched(self) -> list[str]:
        """Workflows someone watches (a new replica starts from this)."""
        return sorted(self._watch)

    async def watch(self, workflow_id: str) -> None:
        """Someone watches a workflow: returns once every live replica knows, so none of
        its webhook executions goes unpublished after this."""
        self._watch[workflow_id] = self._watch.get(workflow_id, 0) + 1
        if self._watch[workflow_id] == 1:
            await self.signal("watch", workflow_id)
            await self._delivered(self._stop_seq)

    async def unwatch(self, workflow_id: str) -> None:
        count = self._watch.get(workflow_id, 0) - 1
        if count > 0:
            self._watch[workflow_id] = count
            return
        self._watch.pop(workflow_id, None)
        await self.signal("unwatch", workflow_id)

    async def _delivered(self, seq: int, timeout: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        if self._polled is None:
            self._polled = asyncio.Event()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            live = [a for a, seen in self._pollers.values() if loop.time() - seen < 60]
            if all(a >= seq for a in live):
                return
            self._polled.clear()
            try:
                await asyncio.wait_for(self._polled.wait(), deadline - loop.time())
            except TimeoutError:
                return

"""Live execution events: Server-Sent Events per execution, and a WebSocket that
subscribes to executions and workflows. Both read the EventBus (serve_app/events.py).

`/executions/{id}/events` replays the bus's history of one run and follows it until the
run ends. `/executions/{id}/stream` follows an execution to its real end: it replays what
is recorded so far, streams node and log events as they happen, stays open while a
parked Wait waits and closes when the execution finishes. When the bus has no events of
the execution (a webhook run nobody watched, an old run, a restarted bus) it follows the
store instead, one nodeFinished per recorded node run.

WebSocket protocol: the client sends `{"action": "subscribe", "executionId": ...}` or
`{"action": "subscribe", "workflowId": ...}` (and `unsubscribe`); the server acknowledges
with `{"type": "subscribed", ...}` and then sends each event as one JSON message. An
execution's events are replayed from its start; a workflow's from the subscription on.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse

from hetumind.auth import Principal
from hetumind.errors import HetumindError, NotFound
from hetumind.store import FINISHED_STATUSES, ExecutionRecord
from serve_app.access import execution_for, workflow_for
from serve_app.errors import ApiError
from serve_app.responses import EVENT_STREAM
from serve_app.security import Auth, authenticate
from serve_app.services import Services, services

__all__ = ["router"]

router = APIRouter(tags=["live"])
Svc = Annotated[Services, Depends(services)]
POLL_SECONDS = 10.0
STORE_POLL_SECONDS = 0.5
"""How often /stream looks at the store when it follows an execution there."""
FIRST_EVENT_SECONDS = 2.0
"""How long /stream waits for a running execution's first event on the bus."""
STREAM_POLL_SECONDS = 2.0
"""A /stream on the bus checks the store this often for an end it did not hear of."""


def _finished_event(record: ExecutionRecord) -> dict[str, Any]:
    """For an execution whose events the bus no longer holds (or never saw)."""
    finished = record.finished_at
    return {
        "type": "executionFinished",
        "executionId": record.id,
        "workflowId": record.workflow_id,
        "status": record.status,
        "error": record.error,
        "lastNodeExecuted": record.last_node_executed,
        "timestamp": None if finished is None else finished.astimezone(UTC).isoformat(),
        "seq": 0,
    }


def _sse(event: dict[str, Any]) -> str:
    return f"id: {event.get('seq', 0)}\nevent: {event['type']}\ndata: {json.dumps(event)}\n\n"


_SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


def _with_logs(event: dict[str, Any]) -> list[dict[str, Any]]:
    """A nodeFinished event, then one `log` event per line its node logged."""
    if event["type"] != "nodeFinished" or not event.get("logs"):
        return [event]
    logs = [
        {
            "type": "log",
            "executionId": event["executionId"],
            "workflowId": event.get("workflowId"),
            "node": event["node"],
            "runIndex": event.get("runIndex", 0),
            "message": line,
            "timestamp": event.get("timestamp"),
            "seq": event.get("seq", 0),
        }
        for line in event["logs"]
    ]
    return [{k: v for k, v in event.items() if k != "logs"}, *logs]


def _stored_run_event(record: ExecutionRecord, run: Any) -> dict[str, Any]:
    started = run.started_at
    return {
        "type": "nodeFinished",
        "executionId": record.id,
        "workflowId": record.workflow_id,
        "node": run.node,
        "runIndex": run.run_index,
        "status": run.status,
        "itemCounts": list(run.counts or []),
        "executionTimeMs": run.execution_time_ms,
        "error": run.error,
        "logs": (run.extra or {}).get("logs") or [],
        "startedAt": None if started is None else started.astimezone(UTC).isoformat(),
        "timestamp": None,
        "seq": 0,
        "source": "store",
    }


async def _follow_store(svc: Services, record: ExecutionRecord) -> AsyncIterator[dict[str, Any]]:
    """The execution's recorded node runs as they are written, then its end."""
    seen: set[tuple[str, int]] = set()
    while True:
        for run in await svc.store.executions.node_runs(record.id):
            if (run.node, run.run_index) not in seen:
                seen.add((run.node, run.run_index))
                yield _stored_run_event(record, run)
        if record.status in FINISHED_STATUSES:
            yield _finished_event(record)
            return
        await asyncio.sleep(STORE_POLL_SECONDS)
        record = await svc.store.executions.get(record.id)


async def _follow_bus(
    svc: Services, execution_id: str, pending: list[dict[str, Any]], after: int
) -> AsyncIterator[dict[str, Any] | None]:
    """The bus's events of the execution from `after` on (None: nothing new for a
    while), to its final executionFinished; a `waiting` one (a parked Wait) is not final.
    """
    while True:
        for event in pending:
            yield event
            if event["type"] == "executionFinished" and event.get("status") != "waiting":
                return
        pending, after = await svc.bus.poll.remote([execution_id], [], after, STREAM_POLL_SECONDS)
        if not pending:
            record = await svc.store.executions.get(execution_id)
            if record.status in FINISHED_STATUSES:  # it ended where the bus did not hear
                late, after = await svc.bus.poll.remote([execution_id], [], after, 0.0)
                if not late:
                    yield _finished_event(record)
                    return
                pending = late
                continue
            yield None


@router.get(
    "/api/v1/executions/{execution_id}/stream",
    response_model=None,
    response_class=StreamingResponse,
    responses=EVENT_STREAM,
)
async def execution_stream(execution_id: str, svc: Svc, who: Auth) -> StreamingResponse:
    """Server-Sent Events of one execution until it ends: `executionStarted`,
    `nodeStarted`, `nodeFinished`, `log` (each line a node logged, after its
    nodeFinished) and a final `executionFinished`, replayed from the start."""
    record = await execution_for(svc, who, execution_id)

    async def stream() -> AsyncIterator[str]:
        history: list[dict[str, Any]] = []
        cursor = 0
        if svc.bus is not None:
            # Right after a run starts its first events may still be on their way to the
            # bus: wait a moment for them before following the store instead.
            first_wait = 0.0 if record.status in FINISHED_STATUSES else FIRST_EVENT_SECONDS
            history, cursor = await svc.bus.poll.remote([execution_id], [], 0, first_wait)
        if history and svc.bus is not None:
            source: AsyncIterator[dict[str, Any] | None] = _follow_bus(
                svc, execution_id, history, cursor
            )
        else:
            source = _follow_store(svc, record)
        async for event in source:
            if event is None:
                yield ": keep-alive\n\n"
                continue
            for each in _with_logs(event):
                yield _sse(each)

    return StreamingResponse(stream(), media_type="text/event-stream", headers=_SSE_HEADERS)


@router.get(
    "/api/v1/executions/{execution_id}/events",
    response_model=None,
    response_class=StreamingResponse,
    responses=EVENT_STREAM,
)
async def execution_events(execution_id: str, svc: Svc, who: Auth) -> StreamingResponse:
    if svc.bus is None:
        raise ApiError(404, "live events are off on this server")
    record: ExecutionRecord | None
    try:
        record = await execution_for(svc, who, execution_id)
    except NotFound:
        if await svc.store.executions.exists(execution_id) or not who.is_instance_admin:
            raise  # another project's, or not recorded yet: only instance admins wait
        record = None
    first, cursor = await svc.bus.poll.remote([execution_id], [], 0, 0.0)
    if record is None and not first and not svc.executor.running_here(execution_id):
        raise ApiError(404, f"execution {execution_id!r} not found")

    async def stream() -> AsyncIterator[str]:
        pending, after = first, cursor
        if not pending and record is not None and record.status in FINISHED_STATUSES:
            yield _sse(_finished_event(record))
            return
        while True:
            for event in pending:
                yield _sse(event)
                if event["type"] == "executionFinished":
                    return
            pending, after = await svc.bus.poll.remote([execution_id], [], after, POLL_SECONDS)
            if not pending:
                yield ": keep-alive\n\n"

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


class _Subscriptions:
    def __init__(self) -> None:
        self.executions: set[str] = set()
        self.workflows: dict[str, int] = {}
        """Workflow id -> the bus position when it was subscribed (earlier events skip)."""
        self.rewind: int | None = None
        """Poll from here next time (a new execution subscription replays from 0)."""
        self.changed = asyncio.Event()


async def _allowed(svc: Services, who: Principal, execution_id: Any, workflow_id: Any) -> bool:
    """May `who` watch these? Executions not recorded yet: instance admins only."""
    try:
        if workflow_id:
            await workflow_for(svc, who, str(workflow_id))
        if execution_id:
            if await svc.store.executions.exists(str(execution_id)):
                await execution_for(svc, who, str(execution_id))
            elif not who.is_instance_admin:
                return False
    except HetumindError:
        return False
    return True


async def _receive(ws: WebSocket, subs: _Subscriptions, svc: Services, who: Principal) -> None:
    while True:
        try:
            message = json.loads(await ws.receive_text())
        except json.JSONDecodeError:
            await ws.send_json({"type": "error", "message": "messages must be JSON objects"})
            continue
        action = message.get("action") if isinstance(message, dict) else None
        execution_id = message.get("executionId") if isinstance(message, dict) else None
        workflow_id = message.get("workflowId") if isinstance(message, dict) else None
        if action not in ("subscribe", "unsubscribe") or not (execution_id or workflow_id):
            await ws.send_json(
                {
                    "type": "error",
                    "message": "send {action: subscribe|unsubscribe, executionId|workflowId}",
                }
            )
            continue
        if action == "subscribe" and not await _allowed(svc, who, execution_id, workflow_id):
            await ws.send_json({"type": "error", "message": "not found"})
            continue
        if action == "subscribe":
            if execution_id:
                subs.executions.add(str(execution_id))
                subs.rewind = 0
            if workflow_id:
                if str(workflow_id) not in subs.workflows:
                    await svc.bus.watch.remote(str(workflow_id))
                head = await svc.bus.head.remote()
                subs.workflows.setdefault(str(workflow_id), head)
                subs.rewind = head if subs.rewind is None else min(subs.rewind, head)
        else:
            subs.executions.discard(str(execution_id))
            if subs.workflows.pop(str(workflow_id), None) is not None:
                await svc.bus.unwatch.remote(str(workflow_id))
        subs.changed.set()
        await ws.send_json(
            {
                "type": f"{action}d",
                "executionId": execution_id,
                "workflowId": workflow_id,
            }
        )


async def _send(ws: WebSocket, subs: _Subscriptions, svc: Services) -> None:
    cursor = await svc.bus.head.remote()
    sent: set[int] = set()
    while True:
        if subs.rewind is not None:
            cursor, subs.rewind = min(cursor, subs.rewind), None
        subs.changed.clear()
        if not subs.executions and not subs.workflows:
            await subs.changed.wait()
            continue
        poll = asyncio.ensure_future(
            svc.bus.poll.remote(
                sorted(subs.executions), sorted(subs.workflows), cursor, POLL_SECONDS
            )
        )
        changed = asyncio.ensure_future(subs.changed.wait())
        done, _ = await asyncio.wait({poll, changed}, return_when=asyncio.FIRST_COMPLETED)
        if poll not in done:
            poll.cancel()
            continue
        changed.cancel()
        events, next_cursor = poll.result()
        for event in events:
            since = subs.workflows.get(event.get("workflowId") or "")
            wanted = event["executionId"] in subs.executions or (
                since is not None and event["seq"] > since
            )
            if wanted and event["seq"] not in sent:  # a replay after a rewind repeats some
                sent.add(event["seq"])
                await ws.send_json(event)
        cursor = max(cursor, next_cursor)
        if len(sent) > 100_000:
            sent = {s for s in sent if s > cursor - 50_000}


@router.websocket("/api/v1/ws")
async def websocket_events(ws: WebSocket) -> None:
    svc = await services()
    headers = {k.lower(): v for k, v in ws.headers.items()}
    try:
        who = await authenticate(svc, headers, dict(ws.cookies), "GET")
    except HetumindError as refused:
        # Refused before the handshake completes: the client sees a failed upgrade (403).
        await ws.close(code=1008, reason=refused.message[:120])
        return
    await ws.accept()
    if svc.bus is None:
        await ws.send_json({"type": "error", "message": "live events are off on this server"})
        await ws.close()
        return
    subs = _Subscriptions()
    tasks = [
        asyncio.ensure_future(_receive(ws, subs, svc, who)),
        asyncio.ensure_future(_send(ws, subs, svc)),
    ]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            exc = task.exception()
            if exc is not None and not isinstance(exc, WebSocketDisconnect):
                raise exc
    except WebSocketDisconnect:
        pass
    finally:
        for task in tasks:
            task.cancel()
        for workflow_id in subs.workflows:
            await svc.bus.unwatch.remote(workflow_id)

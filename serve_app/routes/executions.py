"""/api/v1/executions: list, show (with node outputs), profile, delete, retry, stop."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from hetumind.errors import NotFound
from hetumind.nodes.registry import default_registry
from hetumind.observability import tracing
from hetumind.observability.profile import RunSample, build_profile, parse_time
from hetumind.store import EXECUTION_STATUSES, FINISHED_STATUSES, ExecutionRecord
from serve_app.access import execution_for, workflow_for
from serve_app.errors import ApiError
from serve_app.executor import RunRequest
from serve_app.http import Cursor, DateTime, Limit, encode_cursor, list_of, page_args
from serve_app.responses import (
    RUN_ANSWERS,
    Deleted,
    Execution,
    ExecutionProfile,
    Page,
    Stopping,
    answers,
)
from serve_app.routes.workflows import respond_with_run
from serve_app.schemas import AUTHED
from serve_app.security import Auth
from serve_app.services import Services, services
from serve_app.triggers import check_workflow

__all__ = ["execution_json", "router"]

router = APIRouter(prefix="/api/v1/executions", tags=["executions"])
Svc = Annotated[Services, Depends(services)]

_SCAN_PAGE = 250


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def execution_json(record: ExecutionRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "workflowId": record.workflow_id,
        "workflowName": record.workflow_name,
        "workflowVersion": record.workflow_version,
        "mode": record.mode,
        "status": record.status,
        "finished": record.status in FINISHED_STATUSES,
        "createdAt": _iso(record.created_at),
        "startedAt": _iso(record.started_at),
        "stoppedAt": _iso(record.finished_at),
        "error": record.error,
        "lastNodeExecuted": record.last_node_executed,
        "retryOf": record.retry_of,
        "parentExecutionId": record.parent_execution_id,
        "waitTill": _iso(record.wait_till),
        "dataSaved": record.data_saved,
    }


def _time(value: str | None, name: str) -> datetime | None:
    if not value:  # absent or empty (`?startedAfter=`): no bound
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"{name} must be an ISO 8601 date-time, got {value!r}") from None
    if moment.tzinfo is None:
        raise ApiError(400, f"{name} must include a timezone (e.g. Z), got {value!r}")
    return moment


@router.get("", **answers(Page[Execution], *AUTHED, 404))
async def list_executions(
    svc: Svc,
    who: Auth,
    workflowId: str | None = None,
    status: Annotated[str | None, Query(pattern=list_of(EXECUTION_STATUSES))] = None,
    startedAfter: DateTime = None,
    startedBefore: DateTime = None,
    mode: str | None = None,
    parentExecutionId: str | None = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Newest first; `parentExecutionId` lists the sub-executions an execution started."""
    who.require_scope("execution:read")
    if workflowId is not None:
        await workflow_for(svc, who, workflowId)
    projects = who.visible_projects()
    size, offset = page_args(limit, cursor)
    statuses = None
    if status:
        statuses = [s.strip() for s in status.split(",") if s.strip()]
        unknown = [s for s in statuses if s not in EXECUTION_STATUSES]
        if unknown:
            raise ApiError(400, f"unknown status {unknown}; use {list(EXECUTION_STATUSES)}")
    after, before = _time(startedAfter, "startedAfter"), _time(startedBefore, "startedBefore")
    found: list[dict[str, Any]] = []
    # The store filters by workflow and status; time windows are applied here while
    # scanning newest first, and the cursor is the store offset the scan reached.
    position = offset
    while len(found) <= size:
        rows = await svc.store.executions.list(
            workflow_id=workflowId,
            status=statuses,
            mode=mode,
            parent_execution_id=parentExecutionId,
            limit=_SCAN_PAGE,
            offset=position,
            project_ids=projects,
        )
        for i, row in enumerate(rows):
            if before is not None and row.created_at > before:
                continue
            if after is not None and row.created_at < after:
                rows = []  # newest first: everything further is older still
                break
            found.append(execution_json(row))
            if len(found) > size:
                position += i
                break
        else:
            position += len(rows)
        if len(rows) < _SCAN_PAGE or len(found) > size:
            break
    more = len(found) > size
    return {"data": found[:size], "nextCursor": encode_cursor(position) if more else None}


@router.get("/{execution_id}", **answers(Execution, *AUTHED, 404))
async def get_execution(
    execution_id: str,
    svc: Svc,
    who: Auth,
    includeData: Annotated[bool, Query()] = False,
) -> dict[str, Any]:
    record = await execution_for(svc, who, execution_id)
    body = execution_json(record)
    if includeData:
        data = await svc.data.to_json(execution_id, include_data=True)
        body["runData"] = data["runData"]
        body["executionId"] = record.id
    return body


@router.get("/{execution_id}/profile", **answers(ExecutionProfile, *AUTHED, 404))
async def get_execution_profile(execution_id: str, svc: Svc, who: Auth) -> dict[str, Any]:
    """Where the execution's time went, from its recorded node runs: per-node rows
    (slowest first) and Chrome trace events (hetumind.observability.profile)."""
    record = await execution_for(svc, who, execution_id)
    runs = await svc.store.executions.node_runs(execution_id)
    doc = await _document_of(svc, record)
    types = {
        str(n.get("name")): str(n.get("type", ""))
        for n in doc.get("nodes", [])
        if isinstance(n, dict)
    }
    samples = [
        RunSample(
            node=run.node,
            type=types.get(run.node, ""),
            run_index=run.run_index,
            status=run.status,
            started_at=parse_time(run.started_at),
            duration_ms=run.execution_time_ms,
            counts=tuple(run.counts or ()),
        )
        for run in runs
    ]
    connections = doc.get("connections") if isinstance(doc.get("connections"), dict) else None
    profile = build_profile(samples, connections, process_name=record.workflow_name or record.id)
    return {"executionId": record.id, "status": record.status, **profile.to_json()}


async def _document_of(svc: Services, record: ExecutionRecord) -> dict[str, Any]:
    """The workflow document the execution ran ({} when it is gone)."""
    if record.workflow_id is None:
        return {}
    try:
        if record.workflow_version is not None:
            version = await svc.store.workflows.get_version(
                record.workflow_id, record.workflow_version
            )
            return dict(version.data)
        return (await svc.store.workflows.get(record.workflow_id)).document()
    except NotFound:
        return {}


@router.delete("/{execution_id}", **answers(Deleted, *AUTHED, 404, 409, 415))
async def delete_execution(execution_id: str, svc: Svc, who: Auth) -> dict[str, Any]:
    record = await execution_for(svc, who, execution_id, "write")
    if record.status not in FINISHED_STATUSES:
        raise ApiError(409, f"execution {execution_id!r} is {record.status}; stop it first")
    await svc.data.delete(execution_id)
    return {"id": execution_id, "deleted": True}


async def _trigger_items(svc: Services, record: ExecutionRecord, doc: dict[str, Any]) -> Any:
    """What the original run's trigger emitted (its input), when its data was saved."""
    registry = default_registry()
    triggers = set()
    for node in doc.get("nodes", []):
        cls = registry.get(node.get("type", "")) if isinstance(node, dict) else None
        if cls is not None and cls.definition.trigger:
            triggers.add(node.get("name"))
    for run in await svc.store.executions.node_runs(record.id):
        if run.node in triggers and run.blob_ref:
            batches = await asyncio.to_thread(svc.data.read_run, run.blob_ref, len(run.counts))
            return run.node, (batches[0].to_json() if batches else [])
        if run.node in triggers:
            return run.node, []
    return None, []


@router.post("/{execution_id}/retry", response_model=None, responses=RUN_ANSWERS)
async def retry_execution(
    execution_id: str,
    request: Request,
    svc: Svc,
    who: Auth,
    wait: Annotated[bool, Query()] = False,
    fromNode: Annotated[str | None, Query()] = None,
) -> dict[str, Any] | JSONResponse:
    """A new execution of the same version with the same trigger items. As in n8n, it
    starts at the node that failed, reusing the stored items of the nodes before it;
    `fromNode` starts it at that node instead (a partial run). Nodes whose items were not
    saved run again."""
    record = await execution_for(svc, who, execution_id, "write")
    if record.status not in FINISHED_STATUSES:
        raise ApiError(409, f"execution {execution_id!r} is {record.status}; it can't be retried")
    if record.workflow_id is None:
        raise ApiError(409, f"execution {execution_id!r} has no stored workflow to run again")
    if record.workflow_version is not None:
        version = await svc.store.workflows.get_version(record.workflow_id, record.workflow_version)
        doc = {**version.data, "id": record.workflow_id, "name": version.name}
        number = version.version
    else:
        current = await svc.store.workflows.get(record.workflow_id)
        doc, number = current.document(), current.version
    check_workflow(doc)
    trigger, items = await _trigger_items(svc, record, doc)
    run = RunRequest(
        doc,
        record.workflow_id,
        number,
        mode="retry",
        input_items=items,
        triggers={trigger} if trigger else None,
        retry_of=record.id,
        traceparent=tracing.incoming(request.headers),  # the caller's trace goes on
    )
    start = fromNode or await _failed_node(svc, record)
    if start is not None:
        plan = svc.executor.plan(run)
        if start not in plan.nodes:
            raise ApiError(400, f"fromNode: the workflow has no node named {start!r}")
        checkpoint = await svc.data.load_checkpoint(record.id)
        rerun = plan.downstream(start)
        checkpoint.runs = {k: v for k, v in checkpoint.runs.items() if k[0] not in rerun}
        run.checkpoint, run.announce_restored = checkpoint, True
    return await respond_with_run(svc, run, wait)


async def _failed_node(svc: Services, record: ExecutionRecord) -> str | None:
    if record.status == "success":
        return None
    for run in await svc.store.executions.node_runs(record.id):
        if run.status == "error":
            return run.node
    return None


@router.post("/{execution_id}/stop", **answers(Stopping, *AUTHED, 404, 409, 415))
async def stop_execution(execution_id: str, svc: Svc, who: Auth) -> dict[str, Any]:
    record = await execution_for(svc, who, execution_id, "write")
    if record.status in FINISHED_STATUSES:
        raise ApiError(409, f"execution {execution_id!r} already finished ({record.status})")
    if not svc.executor.stop(execution_id) and svc.bus is not None:
        await svc.bus.signal.remote("stop", execution_id)  # it runs in another replica
    return {**execution_json(record), "stopping": True}

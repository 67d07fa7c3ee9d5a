"""/api/v1/workflows: CRUD on n8n workflow documents, activation, versions, runs."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from hetumind.observability import tracing
from hetumind.store import WebhookRoute, WorkflowRecord
from hetumind.store.scrubbing import scrub
from serve_app.access import target_project, workflow_for
from serve_app.errors import ApiError
from serve_app.executor import RunRequest
from serve_app.http import Cursor, Limit, page_args, page_response, read_json
from serve_app.idempotency import REPLAYED_HEADER, claim
from serve_app.responses import RUN_ANSWERS, Page, Workflow, WorkflowVersion, answers
from serve_app.schemas import AUTHED, BODY, WORKFLOW_CREATE, WORKFLOW_UPDATE, body_schema
from serve_app.security import Auth
from serve_app.service_hooks import register_hooks, unregister_hooks
from serve_app.services import Services, services
from serve_app.triggers import check_workflow, manual_triggers, webhook_routes

__all__ = ["input_items", "respond_with_run", "router", "workflow_json"]

router = APIRouter(prefix="/api/v1/workflows", tags=["workflows"])
Svc = Annotated[Services, Depends(services)]


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat()).replace("+00:00", "Z")


def workflow_json(record: WorkflowRecord, tags: list[Any] | None = None) -> dict[str, Any]:
    doc = record.document()
    doc.update(
        versionId=str(record.version),
        createdAt=_iso(record.created_at),
        updatedAt=_iso(record.updated_at),
        # n8n's shape: the web app shows a workflow read only where the caller's role in
        # its project cannot write (create and update drop the field again).
        shared=[{"projectId": record.project_id, "role": "workflow:owner"}],
    )
    if tags is not None:
        doc["tags"] = [{"id": t.id, "name": t.name} for t in tags]
    return doc


def _tag_names(doc: dict[str, Any]) -> list[str] | None:
    """n8n exports tags as [{id, name}]; we also take plain names."""
    raw = doc.get("tags")
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise ApiError(422, "workflow field 'tags' must be a list")
    names = []
    for i, tag in enumerate(raw):
        name = tag.get("name") if isinstance(tag, dict) else tag
        if not isinstance(name, str) or not name.strip():
            raise ApiError(422, f"workflow field 'tags[{i}]' must be a name or {{name}}")
        names.append(name)
    return names


def _storable(doc: Any) -> dict[str, Any]:
    """Validate (422 naming every problem) and strip what the store keeps itself."""
    if not isinstance(doc, dict):
        raise ApiError(422, "a workflow must be a JSON object")
    check_workflow(doc)
    data = {k: v for k, v in doc.items() if k not in ("versionId", "meta", "shared")}
    # Stored as the parser read them: whatever reads the document later (webhook lookup,
    # versions, the UI) finds lists and objects, not an export's null or [].
    if data.get("nodes") is None:
        data["nodes"] = []
    if data.get("connections") in (None, []):
        data["connections"] = {}
    return data


async def _routes_on(svc: Services, record: WorkflowRecord) -> None:
    """Register the webhook routes of an active workflow (Conflict: nothing changes)."""
    workflow = check_workflow(record.document())
    routes = [WebhookRoute(r.path, r.method, r.node) for r in webhook_routes(workflow)]
    await svc.store.webhooks.replace_for_workflow(record.id, routes)


@router.get("", **answers(Page[Workflow], *AUTHED))
async def list_workflows(
    svc: Svc,
    who: Auth,
    limit: Limit = None,
    cursor: Cursor = None,
    active: bool | None = None,
    name: str | None = None,
    tags: str | None = None,
) -> dict[str, Any]:
    who.require_scope("workflow:read")
    size, offset = page_args(limit, cursor)
    rows = await svc.store.workflows.list(
        active=active,
        tag=tags,
        name=name,
        limit=size + 1,
        offset=offset,
        project_ids=who.visible_projects(),
    )
    # n8n's list carries each workflow's tags (the web app shows and filters by them).
    return page_response(
        [workflow_json(r, await svc.store.workflows.tags_of(r.id)) for r in rows],
        size,
        offset,
    )


@router.post(
    "",
    status_code=201,
    openapi_extra=body_schema(WORKFLOW_CREATE),
    **answers(Workflow, *AUTHED, *BODY, 404, 409),
)
async def create_workflow(
    request: Request, svc: Svc, who: Auth, projectId: str | None = None
) -> dict[str, Any]:
    """Import an n8n workflow into `projectId` (default: the caller's own project)."""
    project = target_project(who, projectId, "workflow")
    doc = await read_json(request, svc.settings.max_body_bytes)
    data = _storable(doc)
    tags = _tag_names(data)
    wf_id = data.get("id") if isinstance(data.get("id"), str) and data.get("id") else None
    if wf_id is not None and len(wf_id) > 36:
        raise ApiError(422, "workflow field 'id' must be at most 36 characters")
    active = bool(data.get("active", False))
    record = await svc.store.workflows.create(
        data, id=wf_id, active=False, tags=tags, project_id=project
    )
    if active:
        try:
            record = await _activate(svc, record.id, who)
        except BaseException:
            await svc.store.workflows.delete(record.id)  # no half-imported workflow
            raise
    return workflow_json(record, await svc.store.workflows.tags_of(record.id))


@router.get("/{workflow_id}", **answers(Workflow, *AUTHED, 404))
async def get_workflow(workflow_id: str, svc: Svc, who: Auth) -> dict[str, Any]:
    record = await workflow_for(svc, who, workflow_id)
    return workflow_json(record, await svc.store.workflows.tags_of(workflow_id))


@router.put(
    "/{workflow_id}",
    openapi_extra=body_schema(WORKFLOW_UPDATE),
    **answers(Workflow, *AUTHED, *BODY, 404, 409),
)
async def update_workflow(
    workflow_id: str, request: Request, svc: Svc, who: Auth
) -> dict[str, Any]:
    current = await workflow_for(svc, who, workflow_id, "write")
    doc = await read_json(request, svc.settings.max_body_bytes)
    data = _storable(doc)
    tags = _tag_names(data)
    if current.active:
        # Routes first: a clash leaves both the routes and the document as they were.
        new = WorkflowRecord(id=workflow_id, name=current.name, data=data, active=True)
        await _routes_on(svc, new)
    try:
        record = await svc.store.workflows.update(workflow_id, data, tags=tags)
    except BaseException:
        if current.active:
            await _routes_on(svc, current)
        raise
    await svc.workflow_changed(workflow_id)
    return workflow_json(record, await svc.store.workflows.tags_of(workflow_id))


@router.delete("/{workflow_id}", **answers(Workflow, *AUTHED, 404, 415))
async def delete_workflow(workflow_id: str, svc: Svc, who: Auth) -> dict[str, Any]:
    record = await workflow_for(svc, who, workflow_id, "write")
    if record.active:
        await unregister_hooks(svc, record)
    await svc.store.workflows.delete(workflow_id)
    await svc.workflow_changed(workflow_id)
    return workflow_json(record)


async def _activate(svc: Services, workflow_id: str, who: Any) -> WorkflowRecord:
    record = await workflow_for(svc, who, workflow_id, "write")
    await _routes_on(svc, record)
    try:
        # Before it is active: a service that calls at once finds the secret it was given.
        await register_hooks(svc, record)
        record = await svc.store.workflows.set_active(workflow_id, True)
    except BaseException:
        await svc.store.webhooks.replace_for_workflow(workflow_id, [])
        raise
    await svc.workflow_changed(workflow_id)
    await svc.store.audit.log(
        "workflow.activated",
        actor_id=who.user_id,
        target_type="workflow",
        target_id=workflow_id,
        project_id=record.project_id,
    )
    return record


@router.post("/{workflow_id}/activate", **answers(Workflow, *AUTHED, 404, 409, 415, 422))
async def activate_workflow(workflow_id: str, svc: Svc, who: Auth) -> dict[str, Any]:
    return workflow_json(await _activate(svc, workflow_id, who))


@router.post("/{workflow_id}/deactivate", **answers(Workflow, *AUTHED, 404, 415))
async def deactivate_workflow(workflow_id: str, svc: Svc, who: Auth) -> dict[str, Any]:
    current = await workflow_for(svc, who, workflow_id, "write")
    await svc.store.webhooks.replace_for_workflow(workflow_id, [])
    record = await svc.store.workflows.set_active(workflow_id, False)
    if current.active:
        await unregister_hooks(svc, current)
    await svc.workflow_changed(workflow_id)
    await svc.store.audit.log(
        "workflow.deactivated",
        actor_id=who.user_id,
        target_type="workflow",
        target_id=workflow_id,
        project_id=current.project_id,
    )
    return workflow_json(record)


@router.get("/{workflow_id}/versions", **answers(Page[WorkflowVersion], *AUTHED, 404))
async def list_versions(
    workflow_id: str, svc: Svc, who: Auth, limit: Limit = None, cursor: Cursor = None
) -> dict[str, Any]:
    await workflow_for(svc, who, workflow_id)
    size, offset = page_args(limit, cursor)
    versions = await svc.store.workflows.versions(workflow_id)
    rows = [
        {
            "versionId": str(v.version),
            "workflowId": v.workflow_id,
            "name": v.name,
            "createdAt": _iso(v.created_at),
            "nodes": v.data.get("nodes", []),
            "connections": v.data.get("connections", {}),
            "settings": v.data.get("settings", {}),
        }
        for v in versions[offset : offset + size + 1]
    ]
    return page_response(rows, size, offset)


def _version_number(version_id: str) -> int:
    """versionId as the list gives it ("3"); anything else is a clear 404, not a 500."""
    if not version_id.isdigit():
        raise ApiError(404, f"workflow version {version_id!r} not found: versionIds are numbers")
    return int(version_id)


def _version_doc(v: Any) -> dict[str, Any]:
    """A saved version as a whole n8n document (name, nodes, connections, pinData...)."""
    return {
        "nodes": [],
        "connections": {},
        "settings": {},
        **v.data,
        "name": v.name,
        "versionId": str(v.version),
        "workflowId": v.workflow_id,
        "createdAt": _iso(v.created_at),
    }


@router.get("/{workflow_id}/versions/{version_id}", **answers(WorkflowVersion, *AUTHED, 404))
async def get_version(workflow_id: str, version_id: str, svc: Svc, who: Auth) -> dict[str, Any]:
    """One saved version's whole document (what the editor diffs against the current one)."""
    await workflow_for(svc, who, workflow_id)
    number = _version_number(version_id)
    return _version_doc(await svc.store.workflows.get_version(workflow_id, number))


@router.post(
    "/{workflow_id}/versions/{version_id}/restore",
    **answers(Workflow, *AUTHED, 404, 409, 422),
)
async def restore_version(workflow_id: str, version_id: str, svc: Svc, who: Auth) -> dict[str, Any]:
    """Save an old version as the new current one (history is kept: restoring is a save)."""
    current = await workflow_for(svc, who, workflow_id, "write")
    number = _version_number(version_id)
    old = await svc.store.workflows.get_version(workflow_id, number)
    # Checked as any save is: a version saved before a node type went away is a 422.
    data = _storable({**old.data, "name": old.name})
    if current.active:
        new = WorkflowRecord(id=workflow_id, name=old.name, data=data, active=True)
        await _routes_on(svc, new)
    try:
        record = await svc.store.workflows.update(workflow_id, data)
    except BaseException:
        if current.active:
            await _routes_on(svc, current)
        raise
    await svc.workflow_changed(workflow_id)
    await svc.store.audit.log(
        "workflow.version_restored",
        actor_id=who.user_id,
        target_type="workflow",
        target_id=workflow_id,
        project_id=current.project_id,
        details={
            "restoredVersion": number,
            "fromVersion": current.version,
            "newVersion": record.version,
        },
    )
    return workflow_json(record, await svc.store.workflows.tags_of(workflow_id))


def input_items(body: Any) -> list[dict[str, Any]]:
    """A run's input: an array of item objects, one object, or {"items": [...]}."""
    if body is None:
        return []
    if isinstance(body, dict) and isinstance(body.get("items"), list) and len(body) == 1:
        body = body["items"]
    items = body if isinstance(body, list) else [body]
    bad = [i for i, item in enumerate(items) if not isinstance(item, dict)]
    if bad:
        raise ApiError(
            422,
            f"input items must be JSON objects; item(s) {bad} are not",
            details=[{"item": i, "message": "must be a JSON object"} for i in bad],
        )
    return items


async def respond_with_run(
    svc: Services, request: RunRequest, wait: bool
) -> dict[str, Any] | JSONResponse:
    """Start `request`; with wait, the execution in `hetumind run --json` shape."""
    running = await svc.executor.start(request)
    if not wait:
        return JSONResponse(
            {"executionId": running.execution_id, "status": "running"}, status_code=202
        )
    result = await running.done
    body = scrub(await asyncio.to_thread(result.to_json), running.secrets)
    if running.recorder is not None:
        await running.recorder.wait_written()  # a GET right after sees the same thing
    return {**body, "workflowId": request.workflow_id}


@router.post(
    "/{workflow_id}/run",
    response_model=None,
    responses=RUN_ANSWERS,
)
async def run_workflow(
    workflow_id: str,
    request: Request,
    svc: Svc,
    who: Auth,
    wait: Annotated[bool, Query()] = False,
) -> dict[str, Any] | JSONResponse:
    who.require_scope("execution:write")
    record = await workflow_for(svc, who, workflow_id, "write")
    body = await read_json(request, svc.settings.max_body_bytes, default=[])
    items = input_items(body)
    doc = record.document()
    workflow = check_workflow(doc)
    async with claim(svc, request, record.id) as claimed:
        if claimed.duplicate_of is not None:
            return await _duplicate(svc, claimed.duplicate_of)
        run = RunRequest(
            doc,
            record.id,
            record.version,
            mode="manual",
            input_items=items,
            triggers=manual_triggers(workflow),
            execution_id=claimed.execution_id,
            traceparent=tracing.incoming(request.headers),  # the caller's trace goes on
        )
        return await respond_with_run(svc, run, wait)


async def _duplicate(svc: Services, execution_id: str) -> JSONResponse:
    """A repeated delivery: the first execution's id and status, nothing started."""
    status = "running"
    if await svc.store.executions.exists(execution_id):
        status = (await svc.store.executions.get(execution_id)).status
    return JSONResponse(
        {"executionId": execution_id, "status": status, "duplicate": True},
        status_code=200,
        headers={REPLAYED_HEADER: "true"},
    )

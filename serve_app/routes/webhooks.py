"""/webhook/<path> (active workflows) and /webhook-test/<path> (latest saved version).

The request becomes the Webhook node's item `{headers, params, query, body, webhookUrl,
executionMode}`; the answer follows the node's responseMode: onReceived (at once),
lastNode (the last node's output once the run ends) or responseNode (what Respond to
Webhook computed, as soon as it ran).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from hetumind.errors import HetumindError
from hetumind.nodes.builtin.webhook import (
    WebhookRefused,
    WebhookResponse,
    last_node_response,
    received_response,
)
from hetumind.observability import metrics, tracing
from hetumind.store import WorkflowRecord, normalize_path
from serve_app.access import check
from serve_app.errors import ApiError
from serve_app.executor import RunRequest
from serve_app.http import WebhookPath, parse_json, read_body
from serve_app.idempotency import REPLAYED_HEADER, claim
from serve_app.resumer import Resumer
from serve_app.schemas import ERRORS
from serve_app.security import principal
from serve_app.services import Services, services
from serve_app.triggers import match_path, node_routes, service_webhook_class, trigger_kind
from serve_app.webhook_http import (
    authorize_node_call,
    failed_response,
    render_response,
    request_query,
    stored_node,
)

__all__ = ["router"]

router = APIRouter(tags=["webhooks"], include_in_schema=True, responses=ERRORS)
Svc = Annotated[Services, Depends(services)]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


async def _find_active(svc: Services, path: str, method: str) -> tuple[str, str, dict[str, str]]:
    """(workflow id, node, path params) of the active route, or 404."""
    found = await svc.cache.route(path, method)
    if found is None:
        raise ApiError(404, f"webhook {method} /{path} is not registered by an active workflow")
    return found


async def _find_test(svc: Services, path: str, method: str) -> tuple[WorkflowRecord, str, dict]:
    """The newest saved workflow with a Webhook node on this path and method, or 404."""
    candidates = await svc.store.workflows.list(limit=1000)
    for record in sorted(candidates, key=lambda r: r.updated_at, reverse=True):
        for node in record.data.get("nodes") or []:
            if not isinstance(node, dict) or trigger_kind(node.get("type")) != "webhook":
                continue
            if node.get("disabled"):
                continue
            routes = node_routes(node.get("type"), node.get("parameters"), node.get("webhookId"))
            for pattern, answers in routes:
                if answers != method or not pattern:
                    continue
                matched = (
                    {} if pattern == path else match_path(pattern, path) if ":" in pattern else None
                )
                if matched is not None:
                    return record, str(node.get("name")), matched
    raise ApiError(404, f"no saved workflow has a webhook on {method} /{path}")


def _body(raw: bytes, content_type: str) -> Any:
    if not raw:
        return {}
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        return parse_json(raw)
    if kind == "application/x-www-form-urlencoded":
        form: dict[str, Any] = {}
        for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
            form[key] = (
                [*form[key], value]
                if isinstance(form.get(key), list)
                else ([form[key], value] if key in form else value)
            )
        return form
    return raw.decode("utf-8", "replace")


def _check_service_call(
    request: Request, record: WorkflowRecord, node_name: str, raw: bytes
) -> str | None:
    """A service webhook trigger's own check that the call is from its service (a shared
    secret, a signature over the raw body: hetumind.nodes.service_webhooks), before
    anything runs; the text to answer without a run when the call only checks the URL."""
    node = stored_node(record, node_name)
    service = service_webhook_class(node.get("type"))
    if service is None:
        return None
    headers = {k.lower(): v for k, v in request.headers.items()}
    state = (record.static_data or {}).get(f"node:{node_name}") or {}
    version = float(node.get("typeVersion") or 1)
    parameters = node.get("parameters") or {}
    if not service.verify(parameters, version, headers, state, raw):
        raise ApiError(403, "Provided secret is not valid")
    body = _body(raw, request.headers.get("content-type", ""))
    return service.answer_without_run(parameters, version, headers, body)


async def _handle(request: Request, svc: Services, path: str, test: bool) -> Response:
    try:
        return await _serve(request, svc, path, test)
    except WebhookRefused as refused:
        # n8n answers these with its plain-text message and a Basic challenge.
        return Response(
            refused.message,
            status_code=refused.status,
            media_type="text/plain; charset=utf-8",
            headers={"WWW-Authenticate": 'Basic realm="Webhook"'},
        )


async def _serve(request: Request, svc: Services, path: str, test: bool) -> Response:
    method = request.method.upper()
    try:
        clean = normalize_path(path)
    except Exception:
        raise ApiError(404, "a webhook path is required after /webhook/") from None
    if test:
        # Test URLs run saved, possibly inactive, workflows: only for someone who may run
        # the workflow (n8n opens them only while its editor listens).
        who = await principal(request, svc)
        record, node, params = await _find_test(svc, clean, method)
        check(who, record.project_id, "write", "workflow", record.id)
    else:
        workflow_id, node, params = await _find_active(svc, clean, method)
        record = await svc.cache.workflow(workflow_id)
    jwt_payload = await authorize_node_call(svc, request, record, node)
    raw = await read_body(request, svc.settings.max_body_bytes)
    service_answer = _check_service_call(request, record, node, raw)
    if service_answer is not None:
        return Response(service_answer, media_type="text/plain; charset=utf-8")
    prefix = "webhook-test" if test else "webhook"
    item = {
        "headers": {k.lower(): v for k, v in request.headers.items()},
        "params": params,
        "query": request_query(request),
        "body": _body(raw, request.headers.get("content-type", "")),
        "webhookUrl": f"{svc.settings.public_url.rstrip('/')}/{prefix}/{clean}",
        "executionMode": "test" if test else "production",
    }
    if jwt_payload is not None:
        item["jwtPayload"] = jwt_payload
    async with claim(svc, request, record.id) as claimed:
        if claimed.duplicate_of is not None:
            return JSONResponse(
                {"message": "Workflow was started", "executionId": claimed.duplicate_of},
                headers={REPLAYED_HEADER: "true"},
            )
        run = RunRequest(
            record.document(),
            record.id,
            record.version,
            mode="manual" if test else "webhook",
            input_items=[item],
            triggers={node},
            create_row=False,
            execution_id=claimed.execution_id,
            traceparent=tracing.incoming(request.headers),  # the caller's trace goes on
        )
        plan = svc.executor.plan(run)
        node_params = plan.workflow.node(node).parameters
        response_mode = node_params.get("responseMode", "onReceived")
        # Answered before the run ends: the execution and its input are written first, so
        # that what was acknowledged survives a crash. (Other modes answer after the run.)
        run.create_row = response_mode == "onReceived"
        running = await svc.executor.start(run)
    head = method == "HEAD"
    if response_mode == "onReceived":
        return render_response(received_response(node_params), head)
    if response_mode == "responseNode":
        response = await running.response
        if response is not None:
            return render_response(WebhookResponse.from_dict(response), head)
    result = await running.done
    if result.status != "success":
        return failed_response({"executionId": result.execution_id, "error": result.error})
    if response_mode == "responseNode":
        return render_response(
            WebhookResponse(200, {}, {"message": "Workflow executed successfully"}), head
        )
    try:
        if getattr(result.backend, "name", "") == "inline":  # items in memory: cheap
            last = last_node_response(node_params, result)
        else:
            last = await asyncio.to_thread(last_node_response, node_params, result)
        return render_response(last, head)
    except HetumindError as exc:  # no binary data where firstEntryBinary wants it
        error = {"message": exc.message, "node": getattr(exc, "node", None)}
        return failed_response({"executionId": result.execution_id, "error": error})


async def resume_webhook(execution_id: str, request: Request, svc: Svc) -> Response:
    """`$execution.resumeUrl`: wake an execution parked by a Wait node (resume: webhook);
    the request becomes the Wait node's output item. Exactly one call resumes it."""
    raw = await read_body(request, svc.settings.max_body_bytes)
    item = {
        "headers": {k.lower(): v for k, v in request.headers.items()},
        "params": {},
        "query": request_query(request),
        "body": _body(raw, request.headers.get("content-type", "")),
    }
    running = await Resumer(svc).wake(execution_id, [item])
    if running is None:
        raise ApiError(409, f"execution {execution_id} is not waiting for a webhook call")
    return JSONResponse({"message": "Workflow was resumed", "executionId": execution_id})


async def production_webhook(path: WebhookPath, request: Request, svc: Svc) -> Response:
    return await _timed(_handle(request, svc, path, test=False), request.method)


async def test_webhook(path: WebhookPath, request: Request, svc: Svc) -> Response:
    return await _timed(_handle(request, svc, path, test=True), request.method)


async def _timed(answer: Awaitable[Response], method: str) -> Response:
    """The answer, its latency recorded (hetumind_webhook_latency_seconds), errors too."""
    t0 = time.perf_counter()
    try:
        return await answer
    finally:
        metrics.webhook_latency(method, time.perf_counter() - t0)


# One route per method, so each has an OpenAPI operation id of its own.
for _method in METHODS:
    for _path, _endpoint in (
        ("/webhook-waiting/{execution_id}", resume_webhook),
        ("/webhook/{path:path}", production_webhook),
        ("/webhook-test/{path:path}", test_webhook),
    ):
        router.add_api_route(
            _path,
            _endpoint,
            methods=[_method],
            response_model=None,
            operation_id=f"{_endpoint.__name__}_{_method.lower()}",
        )

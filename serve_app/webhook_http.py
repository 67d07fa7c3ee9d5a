"""How a request to a webhook-kind route becomes a node's input and how the node's answer
becomes the HTTP response: shared by /webhook, /form and the chat routes."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from hetumind.errors import HetumindError
from hetumind.nodes.builtin.webhook import (
    AUTH_CREDENTIALS,
    WebhookResponse,
    check_webhook_request,
    header_entries,
)
from hetumind.store import WorkflowRecord
from serve_app.errors import error_body
from serve_app.services import Services

__all__ = [
    "authorize_node_call",
    "client_ip",
    "failed_response",
    "last_node_response",
    "render_response",
    "request_query",
    "stored_node",
]


def request_query(request: Request) -> dict[str, Any]:
    query: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        query[key] = (
            [*query[key], value]
            if isinstance(query.get(key), list)
            else ([query[key], value] if key in query else value)
        )
    return query


def render_response(response: WebhookResponse, head: bool) -> Response:
    headers = dict(response.headers)
    if response.kind == "empty" or response.body is None or head:
        return Response(status_code=response.status, headers=headers)
    if response.kind == "text":
        media = headers.pop("content-type", "text/plain; charset=utf-8")
        return Response(
            str(response.body), status_code=response.status, headers=headers, media_type=media
        )
    media = headers.pop("content-type", "application/json")
    content = json.dumps(response.body, default=str, separators=(",", ":"))
    return Response(content, status_code=response.status, headers=headers, media_type=media)


def failed_response(body: dict[str, Any]) -> JSONResponse:
    error = body.get("error") or {}
    return JSONResponse(
        error_body(
            "workflow_failed",
            f"workflow execution failed: {error.get('message', 'unknown error')}",
            {"executionId": body.get("executionId"), "node": error.get("node")},
        ),
        status_code=500,
    )


def last_node_response(params: dict[str, Any], result: Any) -> WebhookResponse:
    options = params.get("options") or {}
    status = int(params.get("responseCode") or options.get("responseCode") or 200)
    headers = header_entries(options)
    mode = params.get("responseData", "firstEntryJson")
    if mode == "noData":
        return WebhookResponse(status, headers, None, "empty")
    last = result.last_node_executed
    items = result.outputs(last)[0] if last is not None else []
    if mode == "allEntries":
        return WebhookResponse(status, headers, items)
    first = items[0] if items else {}
    prop = options.get("responsePropertyName")
    if prop:
        first = first.get(prop) if isinstance(first, dict) else None
    return WebhookResponse(status, headers, first)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


async def authorize_node_call(
    svc: Services, request: Request, record: WorkflowRecord, node_name: str
) -> dict[str, Any] | None:
    """The Webhook node's own checks (IP allowlist, basic/header/bearer/JWT auth against
    a credential of the workflow's project); the JWT payload when there is one."""
    node = stored_node(record, node_name)
    params = node.get("parameters") or {}
    kind = params.get("authentication", "none")
    credential = None
    if kind in AUTH_CREDENTIALS:
        refs = node.get("credentials") or {}
        ref = refs.get(AUTH_CREDENTIALS[kind]) if isinstance(refs, dict) else None
        if isinstance(ref, dict) and (ref.get("id") or ref.get("name")):
            try:
                found = await svc.store.credentials.resolve(
                    AUTH_CREDENTIALS[kind], ref, project_id=record.project_id
                )
                credential = found.data
            except HetumindError:  # missing, another project's, wrong type: none at all
                credential = None
    headers = {k.lower(): v for k, v in request.headers.items()}
    return check_webhook_request(params, credential, headers, client_ip(request))


def stored_node(record: WorkflowRecord, name: str) -> dict[str, Any]:
    """The stored document's node called `name` ({} if none)."""
    for n in record.data.get("nodes") or []:
        if isinstance(n, dict) and n.get("name") == name:
            return n
    return {}

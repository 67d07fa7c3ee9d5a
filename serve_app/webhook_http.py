"""How a request to a webhook-kind route becomes a node's input and how the node's answer
becomes the HTTP response: shared by /webhook, /form and the chat routes."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from hetumind.binary import read_binary
from hetumind.errors import HetumindError
from hetumind.nodes.builtin.webhook import (
    AUTH_CREDENTIALS,
    WebhookResponse,
    check_webhook_request,
)
from hetumind.store import WorkflowRecord
from serve_app.errors import error_body
from serve_app.services import Services

__all__ = [
    "SANDBOX_CSP",
    "authorize_node_call",
    "client_ip",
    "failed_response",
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


# Documents a browser runs scripts in. A workflow's answer of one of these types comes from
# the web app's origin, where a script could read the CSRF cookie and call the API as
# whoever opened the link; the CSP sandbox gives it an opaque origin instead (n8n wraps
# such answers in an iframe for the same reason).
_ACTIVE_TYPES = frozenset(
    {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml"}
)
SANDBOX_CSP = "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads"
SERVER_COOKIE_PREFIX = "hetumind_"
"""Cookies a workflow's answer may not set: the server's session and CSRF cookies."""


def _guarded(response: Response) -> Response:
    """`response` with nosniff, the sandbox for active content types, and no Set-Cookie of
    the server's own cookies (a workflow could otherwise fix a victim's session)."""
    media = (response.media_type or response.headers.get("content-type", "")).split(";")[0]
    cookies = [
        v
        for k, v in response.headers.items()
        if k == "set-cookie" and not v.strip().lower().startswith(SERVER_COOKIE_PREFIX)
    ]
    if "set-cookie" in response.headers:
        del response.headers["set-cookie"]
        for value in cookies:
            response.headers.append("set-cookie", value)
    response.headers["x-content-type-options"] = "nosniff"
    if media.strip().lower() in _ACTIVE_TYPES:
        response.headers.append("content-security-policy", SANDBOX_CSP)
    return response


def render_response(response: WebhookResponse, head: bool) -> Response:
    """The HTTP answer of a webhook-kind node: JSON, text, a binary file (read from the
    blob store) or nothing, always through `_guarded`."""
    headers = dict(response.headers)
    media: str | None
    if response.kind == "empty" or response.body is None or head:
        return _guarded(Response(status_code=response.status, headers=headers))
    if response.kind == "text":
        media = headers.pop("content-type", "text/plain; charset=utf-8")
        content: bytes | str = str(response.body)
    elif response.kind == "binary":
        entry = response.body if isinstance(response.body, dict) else {}
        media = headers.pop("content-type", None) or str(
            entry.get("mimeType") or "application/octet-stream"
        )
        content = read_binary(entry, where="the webhook's binary response")
    else:
        media = headers.pop("content-type", "application/json")
        content = json.dumps(response.body, default=str, separators=(",", ":"))
    return _guarded(
        Response(content, status_code=response.status, headers=headers, media_type=media)
    )


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

"""Chat Trigger endpoints: /webhook/<webhookId>/chat (active workflows).

GET shows the hosted chat page (public chats in hostedChat mode); POST takes n8n's chat
protocol: `sendMessage` starts a run with the body as the trigger's item and answers with
the last node's first item (responseMode lastNode), a Respond to Webhook response
(responseNode) or NDJSON chunks begin/item/end (streaming: the final output as one item
chunk); `loadPreviousSession` answers `{"data": [...]}` from the connected Window Buffer
Memory. Public routes, with the node's own authentication (none, basicAuth).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse

from hetumind.ai.memory import default_memory_backend
from hetumind.forms.chat_page import render_chat
from hetumind.forms.submission import read_submission
from hetumind.nodes.builtin.ai_memory import MemoryBufferWindow
from hetumind.nodes.builtin.webhook import WebhookResponse, last_node_response
from hetumind.nodes.registry import default_registry
from hetumind.store import WorkflowRecord
from serve_app.errors import ApiError
from serve_app.executor import RunRequest
from serve_app.http import parse_json, read_body
from serve_app.routes.forms import _refused
from serve_app.schemas import ERRORS
from serve_app.security import principal
from serve_app.services import Services, services
from serve_app.triggers import trigger_kind
from serve_app.webhook_http import (
    authorize_node_call,
    failed_response,
    render_response,
)

__all__ = ["router"]

router = APIRouter(tags=["chat"], responses=ERRORS)
Svc = Annotated[Services, Depends(services)]


async def _chat_node(
    svc: Services, request: Request, webhook_id: str, method: str
) -> tuple[WorkflowRecord, dict[str, Any]]:
    found = await svc.cache.route(f"{webhook_id}/chat", method)
    missing = ApiError(404, f"no active workflow has a chat at /webhook/{webhook_id}/chat")
    if found is None:
        raise missing
    record = await svc.cache.workflow(found[0])
    node = next((n for n in record.data.get("nodes") or [] if n.get("name") == found[1]), None)
    if node is None or trigger_kind(node.get("type")) != "chat":
        raise missing
    params = node.get("parameters") or {}
    if not params.get("public", False):
        raise missing  # n8n: only the editor's manual chat reaches a private one
    kind = params.get("authentication", "none")
    if kind == "n8nUserAuth":
        await principal(request, svc)  # a signed-in user (or API key) of this server
    elif kind == "basicAuth":
        await authorize_node_call(svc, request, record, str(node["name"]))
    return record, node


async def show_chat(webhook_id: str, request: Request, svc: Svc) -> Response:
    async def answer() -> Response:
        _, node = await _chat_node(svc, request, webhook_id, "GET")
        params = node.get("parameters") or {}
        if params.get("mode", "hostedChat") != "hostedChat":
            raise ApiError(404, "this chat is embedded elsewhere: it has no hosted page")
        return HTMLResponse(render_chat(params, str(request.url.path)))

    return await _refused(answer())


def _memory_messages(record: WorkflowRecord, trigger: str, session: str) -> list[dict[str, Any]]:
    """The session's messages in the connected memory, as LangChain's toJSON writes them."""
    registry = default_registry()
    by_name = {n.get("name"): n for n in record.data.get("nodes") or []}
    for source, kinds in (record.data.get("connections") or {}).items():
        for port in (kinds or {}).get("ai_memory") or []:
            if not any(link.get("node") == trigger for link in port or []):
                continue
            node = by_name.get(source) or {}
            if registry.get(str(node.get("type", ""))) is not MemoryBufferWindow:
                raise ApiError(
                    422, f"loading a previous session from {node.get('type')!r} is not supported"
                )
            messages = default_memory_backend().load(session)
            return [_lc_message(m) for m in messages]
    return []


def _lc_message(message: dict[str, Any]) -> dict[str, Any]:
    kind = "HumanMessage" if message.get("role") == "user" else "AIMessage"
    return {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain_core", "messages", kind],
        "kwargs": {
            "content": message.get("content", ""),
            "additional_kwargs": {},
            "response_metadata": {},
        },
    }


async def _body(svc: Services, request: Request) -> dict[str, Any]:
    raw = await read_body(request, svc.settings.max_body_bytes)
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() == "multipart/form-data":
        values, _files = read_submission(raw, content_type)  # files: not taken yet
        return {k: v[0] if len(v) == 1 else v for k, v in values.items()}
    body = parse_json(raw) if raw else {}
    if not isinstance(body, dict):
        raise ApiError(400, "the chat body must be a JSON object")
    return body


async def send_message(webhook_id: str, request: Request, svc: Svc) -> Response:
    async def answer() -> Response:
        record, node = await _chat_node(svc, request, webhook_id, "POST")
        params = node.get("parameters") or {}
        options = params.get("options") or {}
        body = await _body(svc, request)
        if body.get("action") == "loadPreviousSession":
            if options.get("loadPreviousSession") != "memory":
                return JSONResponse({"data": []})
            session = str(body.get("sessionId") or "")
            messages = await asyncio.to_thread(_memory_messages, record, node["name"], session)
            return JSONResponse({"data": messages})
        if not isinstance(body.get("chatInput", ""), str):
            raise ApiError(422, "chatInput must be a string")
        run = RunRequest(
            record.document(),
            record.id,
            record.version,
            mode="webhook",
            input_items=[body],
            triggers={str(node["name"])},
            create_row=False,
        )
        running = await svc.executor.start(run)
        mode = options.get("responseMode", "lastNode")
        if mode == "responseNode":
            response = await running.response
            if response is not None:
                return render_response(WebhookResponse.from_dict(response), head=False)
        result = await running.done
        if result.status != "success":
            return failed_response({"executionId": result.execution_id, "error": result.error})
        last = await asyncio.to_thread(last_node_response, {}, result)
        if mode == "streaming":
            return _chunks(last.body, result.last_node_executed or "")
        return render_response(last, head=False)

    return await _refused(answer())


def _chunks(body: Any, node: str) -> StreamingResponse:
    """n8n's streaming chunks (one per line); the whole answer comes as one item."""
    text = body.get("output", body.get("text")) if isinstance(body, dict) else body
    if not isinstance(text, str):
        text = json.dumps(text)
    meta = {"nodeName": node, "itemIndex": 0, "runIndex": 0}

    async def lines() -> AsyncIterator[bytes]:
        for chunk in (
            {"type": "begin", "metadata": meta},
            {"type": "item", "content": text, "metadata": meta},
            {"type": "end", "metadata": meta},
        ):
            yield (json.dumps(chunk) + "\n").encode()

    return StreamingResponse(lines(), media_type="application/json; charset=utf-8")


router.add_api_route(
    "/webhook/{webhook_id}/chat",
    show_chat,
    methods=["GET"],
    response_model=None,
    operation_id="show_chat_get",
)
router.add_api_route(
    "/webhook/{webhook_id}/chat",
    send_message,
    methods=["POST"],
    response_model=None,
    operation_id="send_message_post",
)

"""MCP Server Trigger endpoint: /mcp/<path> (active workflows), streamable HTTP.

The official `mcp` SDK speaks the protocol: a low-level `Server` whose tools/list and
tools/call each run the workflow once at the trigger (`hetumind.nodes.builtin.ai_mcp`
McpTrigger answers with the tools of its ai_tool sub-nodes, or a call's result), behind
the SDK's streamable HTTP transport in stateless JSON mode. Stateless: any API replica
can answer any request of a client, as no session lives in one. The node's own
authentication (none, bearerAuth, headerAuth) is checked first, as the Webhook node's.

n8n 1.x's SSE transport (/mcp/<path>/sse) is not served: its stream and its message
posts would have to meet on one replica.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from hetumind.errors import HetumindError
from hetumind.nodes.builtin.webhook import WebhookRefused
from hetumind.store import WorkflowRecord
from serve_app.executor import RunRequest
from serve_app.services import Services, services
from serve_app.triggers import trigger_kind
from serve_app.webhook_http import authorize_node_call

__all__ = ["router"]

router = APIRouter(tags=["mcp"])


async def _run(svc: Services, record: WorkflowRecord, node: str, request: dict[str, Any]) -> Any:
    """Run the workflow at the trigger with one MCP request; the trigger's answer."""
    run = RunRequest(
        record.document(),
        record.id,
        record.version,
        mode="webhook",
        input_items=[{"mcp": request}],
        triggers={node},
        create_row=False,
    )
    running = await svc.executor.start(run)
    result = await running.done
    if result.status != "success":
        message = (result.error or {}).get("message", "the workflow failed")
        raise RuntimeError(f"the MCP Server Trigger's workflow failed: {message}")
    items = result.outputs(node)[0] if result.outputs(node) else []
    return items[0] if items else {}


def _server(svc: Services, record: WorkflowRecord, node: str) -> Any:
    from mcp import types
    from mcp.server.lowlevel import Server

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        answer = await _run(svc, record, node, {"method": "tools/list"})
        return types.ListToolsResult(
            tools=[
                types.Tool(
                    name=str(t["name"]),
                    description=str(t.get("description") or ""),
                    input_schema=dict(t.get("inputSchema") or {"type": "object"}),
                )
                for t in answer.get("tools") or []
            ]
        )

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        request = {"method": "tools/call", "name": params.name, "arguments": params.arguments}
        try:
            answer = await _run(svc, record, node, request)
        except RuntimeError as exc:
            answer = {"isError": True, "text": str(exc)}
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=str(answer.get("text", "")))],
            is_error=bool(answer.get("isError")),
        )

    return Server(
        f"hetumind: {record.name or record.id}",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


class _Endpoint:
    """A raw ASGI endpoint: the SDK's transport writes the response itself."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

        request = Request(scope, receive)
        svc = await services()
        path = str(scope.get("path_params", {}).get("path", "")).strip("/")
        found = await svc.cache.route(f"mcp/{path}", "POST")
        missing = JSONResponse(
            {"code": 404, "message": f"no active workflow has an MCP server at /mcp/{path}"},
            status_code=404,
        )
        if found is None and path.endswith(("/sse", "/messages")):
            base = path.rsplit("/", 1)[0]
            if await svc.cache.route(f"mcp/{base}", "POST") is not None:
                missing = JSONResponse(
                    {
                        "code": 404,
                        "message": f"the SSE transport is not served here; connect with "
                        f"streamable HTTP at /mcp/{base}",
                    },
                    status_code=404,
                )
        if found is None:
            await missing(scope, receive, send)
            return
        record = await svc.cache.workflow(found[0])
        node = next((n for n in record.data.get("nodes") or [] if n.get("name") == found[1]), None)
        if node is None or trigger_kind(node.get("type")) != "mcp":
            await missing(scope, receive, send)
            return
        try:
            await authorize_node_call(svc, request, record, str(node["name"]))
        except WebhookRefused as refused:
            await Response(refused.message, status_code=refused.status, media_type="text/plain")(
                scope, receive, send
            )
            return
        except HetumindError as exc:
            await JSONResponse({"code": 403, "message": exc.message}, status_code=403)(
                scope, receive, send
            )
            return
        manager = StreamableHTTPSessionManager(
            app=_server(svc, record, str(node["name"])), stateless=True, json_response=True
        )
        async with manager.run():
            await manager.handle_request(scope, receive, send)


router.add_route(
    "/mcp/{path:path}",
    _Endpoint(),  # type: ignore[arg-type]
    methods=["GET", "POST", "DELETE"],
    include_in_schema=False,
)

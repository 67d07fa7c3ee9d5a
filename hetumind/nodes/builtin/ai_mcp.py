"""MCP Client Tool: the tools of an MCP server, supplied to the AI Agent (hetumind.ai.mcp)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.ai.agent import Tool
from hetumind.ai.errors import AIConfigError
from hetumind.ai.mcp import McpConnectionError, McpEndpoint, mcp_tools, normalize_endpoint
from hetumind.ai.subnodes import SubNodeView, supplied
from hetumind.asyncbridge import run_fresh
from hetumind.capabilities import CapabilityDenied, capabilities_of, check_url_host
from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, node
from hetumind.nodes.builtin.ai_models import LANGCHAIN, SubNodeBase

__all__ = ["McpClientTool", "McpTrigger"]


def _names(value: Any) -> list[str]:
    """includeTools / excludeTools: a list, or a comma-separated string (an expression)."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def _auth_headers(view: SubNodeView, authentication: str) -> dict[str, str]:
    if authentication == "bearerAuth":
        token = view.credential("httpBearerAuth").get("token")
        if not token:
            raise AIConfigError(
                f"sub-node {view.name!r}: authentication 'bearerAuth' needs an "
                "httpBearerAuth credential with a token"
            )
        return {"Authorization": f"Bearer {token}"}
    if authentication == "headerAuth":
        data = view.credential("httpHeaderAuth")
        name = str(data.get("name") or "").strip()
        if not name:
            raise AIConfigError(
                f"sub-node {view.name!r}: authentication 'headerAuth' needs an "
                "httpHeaderAuth credential with a header name"
            )
        return {name: str(data.get("value") or "")}
    if authentication not in ("", "none", None):
        raise AIConfigError(
            f"sub-node {view.name!r}: parameter 'authentication' must be 'none', "
            f"'bearerAuth' or 'headerAuth', not {authentication!r}"
        )
    return {}


@node(
    "mcpClientTool",
    versions=[1, 1.1, 1.2],
    display_name="MCP Client Tool",
    inputs=0,
    supplies="ai_tool",
    n8n=False,
    aliases=(f"{LANGCHAIN}.mcpClientTool",),
)
class McpClientTool(SubNodeBase):
    """Connect tools from an MCP Server: every tool the server lists (or those selected)
    becomes one of the agent's tools; a call runs tools/call on the server.

    Version 1 reads `sseEndpoint` (SSE); 1.1+ read `endpointUrl` and `serverTransport`
    (`sse` by default in 1.1, `httpStreamable` from 1.2).
    """

    def supply(self, view: SubNodeView) -> list[Tool]:
        version = float(view.sub.node.type_version or 1)
        if version < 1.1:
            transport = "sse"
            raw_url = view.param("sseEndpoint", "")
            url_param = "sseEndpoint"
        else:
            transport = str(
                view.param("serverTransport", "sse" if version < 1.2 else "httpStreamable")
            )
            raw_url = view.param("endpointUrl", "")
            url_param = "endpointUrl"
        if transport not in ("sse", "httpStreamable"):
            raise AIConfigError(
                f"sub-node {view.name!r}: parameter 'serverTransport' must be 'sse' or "
                f"'httpStreamable', not {transport!r}"
            )
        try:
            url = normalize_endpoint(str(raw_url or ""))
        except AIConfigError as exc:
            raise AIConfigError(f"sub-node {view.name!r} ({url_param}): {exc.message}") from None
        timeout_ms = view.param("options.timeout", 60_000)
        try:
            timeout = float(timeout_ms) / 1000
        except (TypeError, ValueError):
            raise AIConfigError(
                f"sub-node {view.name!r}: option 'timeout' must be a number of milliseconds"
            ) from None
        if timeout <= 0:
            raise AIConfigError(f"sub-node {view.name!r}: option 'timeout' must be at least 1")
        capabilities = capabilities_of(view.ctx)
        what = f"sub-node {view.name!r}: MCP endpoint"
        if capabilities.network.restricted:
            # refuse early with a clear message; connections are checked again as they open
            check_url_host(capabilities, url, what=what)
        endpoint = McpEndpoint(
            url=url,
            transport=transport,  # type: ignore[arg-type]
            headers=_auth_headers(view, str(view.param("authentication", "none") or "none")),
            timeout=timeout,
            network=capabilities.network,
            client_name=str(view.sub.node.type),
            client_version=str(view.sub.node.type_version),
        )
        try:
            return mcp_tools(
                endpoint,
                str(view.param("include", "all") or "all"),
                _names(view.param("includeTools", [])),
                _names(view.param("excludeTools", [])),
            )
        except CapabilityDenied as exc:
            raise CapabilityDenied(f"{what}: {exc.message}") from None
        except McpConnectionError as exc:
            raise McpConnectionError(f"sub-node {view.name!r}: {exc.message}") from None
        except AIConfigError as exc:
            raise AIConfigError(f"sub-node {view.name!r}: {exc.message}") from None


def _serve_tools(ctx: NodeContext, request: Mapping[str, Any]) -> dict[str, Any]:
    """One MCP request to the trigger's tools: `tools/list`, or `tools/call` with a
    name and arguments (validated against the tool's schema)."""
    import jsonschema

    tools: list[Tool] = supplied(ctx, "ai_tool")
    method = request.get("method")
    if method == "tools/list":
        return {
            "tools": [
                {"name": t.name, "description": t.description, "inputSchema": dict(t.parameters)}
                for t in tools
            ]
        }
    if method != "tools/call":
        raise NodeExecutionError(f"unknown MCP request {method!r}", node=ctx.node_name)
    name = str(request.get("name") or "")
    tool = next((t for t in tools if t.name == name), None)
    if tool is None:
        known = ", ".join(sorted(t.name for t in tools)) or "none"
        return {"isError": True, "text": f"Tool {name!r} not found (tools: {known})"}
    args = request.get("arguments") or {}
    if not isinstance(args, dict):
        return {"isError": True, "text": "the arguments must be a JSON object"}
    problems = [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in jsonschema.Draft202012Validator(dict(tool.parameters)).iter_errors(args)
    ]
    if problems:
        return {"isError": True, "text": "invalid arguments: " + "; ".join(problems[:5])}

    async def call() -> str:
        return await tool.call(args)

    try:
        return {"isError": False, "text": run_fresh(call())}
    except HetumindError as exc:
        return {"isError": True, "text": exc.message}
    except Exception as exc:  # a tool's failure is the client's to see, not the run's
        return {"isError": True, "text": f"{type(exc).__name__}: {exc}"}


@node(
    "mcpTrigger",
    versions=[1, 1.1, 2],
    display_name="MCP Server Trigger",
    description="Expose the connected tools to MCP clients",
    inputs=0,
    n8n=False,
    aliases=(f"{LANGCHAIN}.mcpTrigger",),
    accepts=("ai_tool",),
    trigger_kind="mcp",
)
class McpTrigger(Node):
    """Serves the tools connected to it (ai_tool sub-nodes) to MCP clients at
    /mcp/<path> (streamable HTTP; serve_app/routes/mcp.py), with the node's
    `authentication` (none, bearerAuth, headerAuth). Each MCP request runs the workflow
    once with `{"mcp": {"method": ..., "name": ..., "arguments": ...}}` as the item; the
    node answers it with one item (`tools`, or `isError` and `text`)."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        items = inputs[0].to_json() if inputs and len(inputs[0]) else []
        request = items[0].get("mcp") if items else None
        if not isinstance(request, Mapping):
            request = {"method": "tools/list"}
        return [ItemBatch.from_json([_serve_tools(ctx, request)])]

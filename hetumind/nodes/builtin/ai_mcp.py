"""MCP Client Tool: the tools of an MCP server, supplied to the AI Agent (hetumind.ai.mcp)."""

from __future__ import annotations

from typing import Any

from hetumind.ai.agent import Tool
from hetumind.ai.errors import AIConfigError
from hetumind.ai.mcp import McpConnectionError, McpEndpoint, mcp_tools, normalize_endpoint
from hetumind.ai.subnodes import SubNodeView
from hetumind.capabilities import CapabilityDenied, capabilities_of, check_url_host
from hetumind.nodes.api import node
from hetumind.nodes.builtin.ai_models import LANGCHAIN, SubNodeBase

__all__ = ["McpClientTool"]


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

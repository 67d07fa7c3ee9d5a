"""Tools from an MCP server (Model Context Protocol), through the official `mcp` SDK.

`mcp_tools` connects once to list the server's tools (tools/list, every page) and makes
one `hetumind.ai.agent.Tool` of each: its name, description and input schema are the
server's. A call opens its own connection and sends tools/call with the arguments the
agent validated, so calls from items that run concurrently never share a session and
nothing stays open between runs. Transports: streamable HTTP and SSE (n8n's
`httpStreamable` and `sse`).

Every connection goes through the execution's network policy: in server mode the
endpoint must be a public address or listed in HETUMIND_ALLOWED_HOSTS, checked where the
socket opens (`hetumind.http.client.guarded_async_client`), for the SSE transport's
message endpoint too.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import anyio

from hetumind.ai.agent import Tool
from hetumind.ai.errors import AIConfigError, ToolError
from hetumind.ai.tools import tool_name
from hetumind.asyncbridge import run_fresh
from hetumind.capabilities import CapabilityDenied, NetworkPolicy
from hetumind.http.client import guarded_async_client

__all__ = [
    "McpConnectionError",
    "McpEndpoint",
    "call_mcp_tool",
    "list_mcp_tools",
    "mcp_tools",
    "normalize_endpoint",
    "select_tools",
]

Transport = Literal["sse", "httpStreamable"]
IncludeMode = Literal["all", "selected", "except"]


class McpConnectionError(AIConfigError):
    """The MCP server could not be reached, refused the connection or the handshake."""


@dataclass(frozen=True)
class McpEndpoint:
    url: str
    transport: Transport = "httpStreamable"
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 60.0
    """Seconds a tool call (connection included) may take: n8n's options.timeout."""
    network: NetworkPolicy = field(default_factory=NetworkPolicy)
    client_name: str = "hetumind"
    client_version: str = "1"


def normalize_endpoint(raw: str) -> str:
    """n8n's URL rule: no scheme means https; anything that is not an http(s) URL with
    a host is invalid (AIConfigError with n8n's text)."""
    text = str(raw or "").strip()
    if not text:
        raise AIConfigError("Could not connect to your MCP server. The provided URL is invalid.")
    lowered = text.lower()
    if not (lowered.startswith("http://") or lowered.startswith("https://")):
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        parts = None
    if parts is None or not parts.hostname or " " in text:
        raise AIConfigError(
            f"Could not connect to your MCP server. The provided URL is invalid: {raw!r}"
        )
    return text


def _leaves(exc: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups, in order."""
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


def _reason(exc: BaseException, statuses: Sequence[int] = ()) -> str:
    """A short text for why a connection or call failed (no traceback); `statuses`:
    the HTTP error statuses the server answered on the way (the SDK hides them)."""
    leaves = _leaves(exc)
    for leaf in leaves:
        if isinstance(leaf, CapabilityDenied):
            return leaf.message
    for leaf in leaves:
        response = getattr(leaf, "response", None)
        status = getattr(response, "status_code", None)
        if isinstance(status, int):
            return f"the server answered HTTP {status}"
    leaf = leaves[0] if leaves else exc
    if isinstance(leaf, TimeoutError):
        return "timed out"
    text = str(leaf) or type(leaf).__name__
    text = text if len(text) <= 300 else text[:300] + "..."
    if statuses:
        text = f"{text} (HTTP {statuses[-1]})"
    return text


def _denied(exc: BaseException) -> CapabilityDenied | None:
    return next((e for e in _leaves(exc) if isinstance(e, CapabilityDenied)), None)


@asynccontextmanager
async def _connected(endpoint: McpEndpoint, statuses: list[int]) -> AsyncIterator[Any]:
    """An initialized `mcp.Client` for `endpoint`, through the network policy; HTTP
    error statuses the server answers are appended to `statuses`."""
    import httpx2
    from mcp import Client
    from mcp.client.sse import sse_client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client
    from mcp.types import Implementation

    headers = dict(endpoint.headers)

    async def note(response: httpx2.Response) -> None:
        if response.status_code >= 400:
            statuses.append(response.status_code)

    hooks = {"response": [note]}

    def http_client(
        headers: dict[str, str] | None = None,
        timeout: httpx2.Timeout | None = None,
        auth: httpx2.Auth | None = None,
    ) -> httpx2.AsyncClient:
        timeout = timeout or httpx2.Timeout(30.0, read=max(endpoint.timeout, 30.0))
        guarded = guarded_async_client(
            endpoint.network,
            library="httpx2",
            headers=headers,
            timeout=timeout,
            auth=auth,
            event_hooks=hooks,
        )
        if guarded is not None:
            return guarded
        client = create_mcp_http_client(headers=headers, timeout=timeout, auth=auth)
        client.event_hooks = hooks
        return client

    info = Implementation(name=endpoint.client_name, version=endpoint.client_version)
    if endpoint.transport == "sse":
        transport = sse_client(endpoint.url, headers=headers, httpx_client_factory=http_client)
        async with Client(transport, client_info=info, mode="legacy", cache=None) as client:
            yield client
    else:
        async with http_client(headers=headers) as http:
            transport = streamable_http_client(endpoint.url, http_client=http)
            async with Client(transport, client_info=info, cache=None) as client:
                yield client


async def list_mcp_tools(endpoint: McpEndpoint) -> list[Any]:
    """Every tool the server lists (`mcp.types.Tool`), following the pages' cursors.
    McpConnectionError when the server cannot be reached; CapabilityDenied when the
    network policy refuses the endpoint."""
    statuses: list[int] = []
    try:
        with anyio.fail_after(endpoint.timeout):
            async with _connected(endpoint, statuses) as client:
                tools: list[Any] = []
                cursor: str | None = None
                for _ in range(1000):
                    page = await client.list_tools(cursor=cursor)
                    tools.extend(page.tools)
                    cursor = page.next_cursor
                    if not cursor:
                        break
                return tools
    except Exception as exc:
        denied = _denied(exc)
        if denied is not None:
            raise CapabilityDenied(denied.message) from None
        raise McpConnectionError(
            f"Could not connect to your MCP server at {endpoint.url}: {_reason(exc, statuses)}"
        ) from None


def _content_text(result: Any) -> str:
    """What the model sees of a tools/call result: the text blocks joined, else the
    structured content or the blocks as JSON."""
    blocks = list(getattr(result, "content", None) or [])
    texts = [b.text for b in blocks if getattr(b, "type", None) == "text"]
    if blocks and len(texts) == len(blocks):
        return "\n".join(texts)
    structured = getattr(result, "structured_content", None)
    if not blocks and structured is not None:
        return json.dumps(structured, ensure_ascii=False, default=str)
    dumped = [
        b.model_dump(mode="json", by_alias=True, exclude_none=True)
        if hasattr(b, "model_dump")
        else b
        for b in blocks
    ]
    return json.dumps(dumped, ensure_ascii=False, default=str)


async def call_mcp_tool(endpoint: McpEndpoint, name: str, arguments: dict[str, Any]) -> str:
    """tools/call on its own connection; ToolError (for the model) when the server
    reports an error, refuses the call, or cannot be reached in time."""
    from mcp.shared.exceptions import MCPError

    statuses: list[int] = []
    try:
        with anyio.fail_after(endpoint.timeout):
            async with _connected(endpoint, statuses) as client:
                result = await client.call_tool(name, arguments)
    except TimeoutError:
        raise ToolError(
            f"MCP tool {name!r} did not finish within {endpoint.timeout * 1000:.0f} ms"
        ) from None
    except Exception as exc:
        protocol = next((e for e in _leaves(exc) if isinstance(e, MCPError)), None)
        if protocol is not None:
            status = f" (HTTP {statuses[-1]})" if statuses else ""
            raise ToolError(f"MCP tool {name!r} failed: {protocol}{status}") from None
        raise ToolError(
            f"MCP tool {name!r}: could not reach the MCP server at {endpoint.url}: "
            f"{_reason(exc, statuses)}"
        ) from None
    if getattr(result, "is_error", False):
        text = _content_text(result).strip()
        raise ToolError(text or f'Failed to execute tool "{name}"')
    return _content_text(result)


def select_tools(
    tools: Sequence[Any],
    mode: str,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> list[Any]:
    """n8n's selection: `selected` keeps the listed names (all when none is listed),
    `except` drops the listed names, `all` keeps every tool."""
    if mode == "selected":
        if not include:
            return list(tools)
        wanted = set(include)
        return [t for t in tools if t.name in wanted]
    if mode == "except":
        unwanted = set(exclude)
        return [t for t in tools if t.name not in unwanted]
    return list(tools)


def _schema(raw: Any) -> tuple[dict[str, Any], bool]:
    """(the argument schema offered to the model, whether it wraps the server's)."""
    schema = dict(raw) if isinstance(raw, Mapping) else {}
    if not schema:
        return {"type": "object", "properties": {}}, False
    if schema.get("type", "object") == "object" and "items" not in schema:
        schema["type"] = "object"
        schema.setdefault("properties", {})
        return schema, False
    # n8n wraps a schema that is not an object's as {value: <schema>}
    return {"type": "object", "properties": {"value": schema}, "required": ["value"]}, True


def _tool(endpoint: McpEndpoint, listed: Any) -> Tool:
    server_name = str(listed.name)
    # a wrapped schema's arguments go as they are, {value: ...}, as n8n sends them
    schema, _wrapped = _schema(listed.input_schema)

    async def call(args: dict[str, Any]) -> str:
        return await call_mcp_tool(endpoint, server_name, args)

    return Tool(
        name=tool_name(server_name, "tool"),
        description=str(listed.description or ""),
        parameters=schema,
        call=call,
    )


def mcp_tools(
    endpoint: McpEndpoint,
    mode: str = "all",
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> list[Tool]:
    """The server's tools (as selected) for the agent; listing happens now, from a
    synchronous caller. AIConfigError when the selection leaves none (n8n's text)."""
    listed = run_fresh(list_mcp_tools(endpoint))
    chosen = select_tools(listed, mode, include, exclude)
    if not chosen:
        raise AIConfigError(
            "MCP Server returned no tools: connected successfully to your MCP server "
            f"at {endpoint.url} but it returned an empty list of tools"
            + (" (after the tool selection)" if listed else "")
        )
    return [_tool(endpoint, t) for t in chosen]

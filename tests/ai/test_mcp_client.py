"""MCP Client Tool against a real MCP server built with the official SDK (`MCPServer`,
the SDK 2.x name of FastMCP), over streamable HTTP and SSE on loopback, driven by an
agent whose model is the scripted stand-in: tools listed by the server, calls with the
agent's arguments, tool selection, auth headers, tool errors back to the model, an
unreachable server, and the server-mode network policy."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from hetumind.capabilities import Capabilities
from hetumind.credentials import credential_key
from hetumind.engine import run_workflow
from tests.ai.standin import StandInServer, reply
from tests.ai.test_agent_loop import tool_results
from tests.ai.workflows import L, agent_node, ai_workflow, model_node

TOKEN = "mcp-secret-token"


def _mcp_app() -> MCPServer:
    app = MCPServer("hetumind-test")

    @app.tool()
    def add(a: int, b: int) -> int:
        """Adds two integers a and b."""
        return a + b

    @app.tool()
    def shout(text: str) -> str:
        """Returns the text in capitals."""
        return text.upper() + "!"

    @app.tool()
    def explode(reason: str) -> str:
        """Always fails with the reason."""
        raise ToolError(f"exploded because {reason}")

    return app


class _Recorder:
    """ASGI wrapper: records every request's headers; with `token`, answers 401 to a
    request without `Authorization: Bearer <token>` (or `X-Api-Key: <token>`)."""

    def __init__(self, app: Any, token: str | None = None) -> None:
        self.app = app
        self.token = token
        self.headers: list[dict[str, str]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            self.headers.append(headers)
            if self.token is not None and not (
                headers.get("authorization") == f"Bearer {self.token}"
                or headers.get("x-api-key") == self.token
            ):
                await send({"type": "http.response.start", "status": 401, "headers": []})
                await send({"type": "http.response.body", "body": b"unauthorized"})
                return
        await self.app(scope, receive, send)


class _Served:
    def __init__(self, app: Any, host: str = "127.0.0.1") -> None:
        self.recorder = _Recorder(app)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, 0))
        sock.listen()
        self.host = host
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.recorder, log_level="error", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the MCP test server did not start")
            time.sleep(0.02)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def mcp_servers() -> Iterator[dict[str, _Served]]:
    from mcp.server.transport_security import TransportSecuritySettings

    open_security = TransportSecuritySettings(enable_dns_rebinding_protection=False)
    http = _Served(_mcp_app().streamable_http_app(transport_security=open_security))
    sse = _Served(_mcp_app().sse_app(transport_security=open_security))
    served = {"httpStreamable": http, "sse": sse}
    try:
        yield served
    finally:
        for one in served.values():
            one.stop()


def _endpoint(servers: dict[str, _Served], transport: str) -> str:
    return servers[transport].url("/mcp" if transport == "httpStreamable" else "/sse")


def mcp_node(version: float = 1.2, **parameters: Any) -> dict[str, Any]:
    return {
        "name": "MCP Client",
        "type": f"{L}.mcpClientTool",
        "typeVersion": version,
        "parameters": parameters,
    }


def _run(
    script: Any,
    tool: dict[str, Any],
    *,
    capabilities: Capabilities | None = None,
    credentials: dict[str, Any] | None = None,
) -> tuple[Any, StandInServer]:
    with StandInServer(script) as server:
        model = model_node(server.base_url)
        wf = ai_workflow(
            agent_node(returnIntermediateSteps=True),
            [(model, "ai_languageModel"), (tool, "ai_tool")],
        )
        key = credential_key("openAiApi", model["credentials"]["openAiApi"])
        result = run_workflow(
            wf,
            backend="inline",
            input_items=[{"question": "use the tools"}],
            capabilities=capabilities,
            credentials={key: {"apiKey": "sk-test", "url": server.base_url}, **(credentials or {})},
        )
    return result, server


def _offered(server: StandInServer) -> dict[str, dict[str, Any]]:
    return {t["function"]["name"]: t["function"] for t in server.requests[0].get("tools", [])}


@pytest.mark.parametrize("transport", ["httpStreamable", "sse"])
def test_agent_calls_the_servers_tools(mcp_servers: dict[str, _Served], transport: str) -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        results = tool_results(body)
        if not results:
            return reply(tool_calls=[("add", {"a": 2, "b": 40}), ("shout", {"text": "hi"})])
        return reply("results: " + " | ".join(results))

    tool = mcp_node(1.1, endpointUrl=_endpoint(mcp_servers, transport), serverTransport=transport)
    result, server = _run(script, tool)
    assert result.status == "success", result.error
    (item,) = result.outputs("Agent")[0]
    assert item["output"] == "results: 42 | HI!"
    steps = item["intermediateSteps"]
    assert steps[0]["action"]["toolInput"] == {"a": 2, "b": 40}
    # names, descriptions and input schemas are the server's (tools/list)
    offered = _offered(server)
    assert sorted(offered) == ["add", "explode", "shout"]
    assert offered["add"]["description"] == "Adds two integers a and b."
    assert offered["add"]["parameters"]["properties"]["a"]["type"] == "integer"
    assert sorted(offered["add"]["parameters"]["required"]) == ["a", "b"]


def test_version_1_reads_the_sse_endpoint(mcp_servers: dict[str, _Served]) -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        results = tool_results(body)
        if not results:
            return reply(tool_calls=[("add", {"a": 1, "b": 1})])
        return reply(results[0])

    result, _ = _run(script, mcp_node(1, sseEndpoint=_endpoint(mcp_servers, "sse")))
    assert result.status == "success", result.error
    assert result.outputs("Agent")[0][0]["output"] == "2"


def test_version_1_2_defaults_to_streamable_http(mcp_servers: dict[str, _Served]) -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        return reply("listed")

    before = len(mcp_servers["httpStreamable"].recorder.headers)
    result, server = _run(
        script, mcp_node(1.2, endpointUrl=_endpoint(mcp_servers, "httpStreamable"))
    )
    assert result.status == "success", result.error
    assert len(mcp_servers["httpStreamable"].recorder.headers) > before
    assert "add" in _offered(server)


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ({"include": "selected", "includeTools": ["shout"]}, ["shout"]),
        ({"include": "except", "excludeTools": ["explode", "shout"]}, ["add"]),
        ({"include": "all"}, ["add", "explode", "shout"]),
    ],
)
def test_tool_selection(
    mcp_servers: dict[str, _Served], selection: dict[str, Any], expected: list[str]
) -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        return reply("ok")

    tool = mcp_node(endpointUrl=_endpoint(mcp_servers, "httpStreamable"), **selection)
    result, server = _run(script, tool)
    assert result.status == "success", result.error
    assert sorted(_offered(server)) == expected


def test_a_selection_that_leaves_no_tool_is_an_error(mcp_servers: dict[str, _Served]) -> None:
    tool = mcp_node(
        endpointUrl=_endpoint(mcp_servers, "httpStreamable"),
        include="selected",
        includeTools=["no_such_tool"],
    )
    result, _ = _run(lambda body: reply("never"), tool)
    assert result.status == "error"
    message = result.error["message"]
    assert "MCP Server returned no tools" in message and "'MCP Client'" in message


@pytest.mark.parametrize("transport", ["httpStreamable", "sse"])
def test_bearer_and_header_auth_reach_the_server(
    mcp_servers: dict[str, _Served], transport: str
) -> None:
    served = mcp_servers[transport]
    served.recorder.token = TOKEN
    try:

        def script(body: dict[str, Any]) -> dict[str, Any]:
            results = tool_results(body)
            if not results:
                return reply(tool_calls=[("shout", {"text": "auth"})])
            return reply(results[0])

        ref = {"id": "mcp-cred", "name": "mcp"}
        for kind, data in (
            ("httpBearerAuth", {"token": TOKEN}),
            ("httpHeaderAuth", {"name": "X-Api-Key", "value": TOKEN}),
        ):
            served.recorder.headers.clear()
            tool = mcp_node(
                1.1,
                endpointUrl=_endpoint(mcp_servers, transport),
                serverTransport=transport,
                authentication="bearerAuth" if kind == "httpBearerAuth" else "headerAuth",
            )
            tool["credentials"] = {kind: ref}
            result, _ = _run(script, tool, credentials={credential_key(kind, ref): data})
            assert result.status == "success", (kind, result.error)
            assert result.outputs("Agent")[0][0]["output"] == "AUTH!"
            if kind == "httpBearerAuth":
                assert all(
                    h.get("authorization") == f"Bearer {TOKEN}" for h in served.recorder.headers
                )
            else:
                assert all(h.get("x-api-key") == TOKEN for h in served.recorder.headers)
            assert served.recorder.headers  # the server saw the requests

        # without the credential the server refuses, and the error says so
        tool = mcp_node(
            1.1, endpointUrl=_endpoint(mcp_servers, transport), serverTransport=transport
        )
        result, _ = _run(script, tool)
        assert result.status == "error"
        assert "Could not connect to your MCP server" in result.error["message"]
        assert "401" in result.error["message"]
    finally:
        served.recorder.token = None


def test_a_tool_error_goes_back_to_the_model(mcp_servers: dict[str, _Served]) -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        results = tool_results(body)
        if not results:
            return reply(tool_calls=[("explode", {"reason": "the fuse was lit"})])
        if len(results) == 1:
            return reply(tool_calls=[("add", {"a": "one", "b": 2})])
        return reply("errors: " + " || ".join(results))

    result, _ = _run(script, mcp_node(endpointUrl=_endpoint(mcp_servers, "httpStreamable")))
    assert result.status == "success", result.error
    output = result.outputs("Agent")[0][0]["output"]
    first, second = output.removeprefix("errors: ").split(" || ")
    assert first.startswith("Error: ") and "exploded because the fuse was lit" in first
    # the agent validated the arguments against the server's schema before calling
    assert "invalid arguments" in second and "'one' is not of type 'integer'" in second
    steps = result.run_data["Agent"][0].meta.extra["ai"]["items"][0]["steps"]
    assert [s["ok"] for s in steps if s["type"] == "tool"] == [False, False]


def test_an_unreachable_server_is_named() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/mcp"
    result, server = _run(lambda body: reply("never"), mcp_node(endpointUrl=url))
    assert result.status == "error"
    message = result.error["message"]
    assert "'MCP Client'" in message and "Could not connect to your MCP server" in message
    assert url in message
    assert not server.requests  # the model was not asked


def test_an_invalid_url_is_named() -> None:
    result, _ = _run(lambda body: reply("never"), mcp_node(endpointUrl="http://"))
    assert result.status == "error"
    assert "The provided URL is invalid" in result.error["message"]
    assert "endpointUrl" in result.error["message"]


def _server_caps(tmp_path: Any, allowed: str) -> Capabilities:
    return Capabilities.server_mode(
        {"HETUMIND_HOME": str(tmp_path / "home"), "HETUMIND_ALLOWED_HOSTS": allowed}
    )


def test_server_mode_refuses_a_loopback_endpoint_not_allowed(tmp_path: Any) -> None:
    # the model's loopback address (127.0.0.1) is allowed; an MCP server on another
    # loopback address (127.0.0.2) is not, and is never reached
    from mcp.server.transport_security import TransportSecuritySettings

    open_security = TransportSecuritySettings(enable_dns_rebinding_protection=False)
    other = _Served(_mcp_app().streamable_http_app(transport_security=open_security), "127.0.0.2")
    try:
        caps = _server_caps(tmp_path, "127.0.0.1")
        tool = mcp_node(endpointUrl=other.url("/mcp"))
        result, server = _run(lambda body: reply("never"), tool, capabilities=caps)
        assert result.status == "error"
        message = result.error["message"]
        assert "'MCP Client'" in message and "MCP endpoint" in message
        assert "127.0.0.2 is not allowed" in message and "HETUMIND_ALLOWED_HOSTS" in message
        assert not other.recorder.headers  # never reached
        assert not server.requests
        # locally (no restriction) the same endpoint answers
        result, _ = _run(lambda body: reply("listed"), tool)
        assert result.status == "success", result.error
        assert other.recorder.headers
    finally:
        other.stop()


def test_server_mode_allows_a_listed_endpoint(
    mcp_servers: dict[str, _Served], tmp_path: Any
) -> None:
    def script(body: dict[str, Any]) -> dict[str, Any]:
        results = tool_results(body)
        if not results:
            return reply(tool_calls=[("add", {"a": 20, "b": 22})])
        return reply(results[0])

    caps = _server_caps(tmp_path, "127.0.0.1")
    result, _ = _run(
        script, mcp_node(endpointUrl=_endpoint(mcp_servers, "httpStreamable")), capabilities=caps
    )
    assert result.status == "success", result.error
    assert result.outputs("Agent")[0][0]["output"] == "42"

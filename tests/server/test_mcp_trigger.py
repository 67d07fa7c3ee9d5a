"""MCP Server Trigger on the real server (the shared `server` fixture: Ray Serve, two API
replicas), driven by the official `mcp` SDK's client over streamable HTTP: the connected
tools listed with their schemas, a call running the tool, a failing tool as an isError
result, bearer auth, and an unknown path."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.ai.test_agent_loop import ADD_WORKFLOW, add_tool
from tests.ai.workflows import L
from tests.server.helpers import Server

pytestmark = pytest.mark.slow

FAILING = {
    **ADD_WORKFLOW,
    "nodes": [
        ADD_WORKFLOW["nodes"][0],
        {
            "name": "Fail",
            "type": "n8n-nodes-base.stopAndError",
            "parameters": {"errorMessage": "the breaker tripped"},
        },
    ],
    "connections": {"In": {"main": [[{"node": "Fail", "type": "main", "index": 0}]]}},
}


def _workflow(path: str, **parameters: Any) -> dict[str, Any]:
    broken = add_tool(name="broken", description="always fails", workflowJson=json.dumps(FAILING))
    broken["name"] = "Broken"
    trigger = {
        "name": "MCP Server Trigger",
        "type": f"{L}.mcpTrigger",
        "typeVersion": 2,
        "webhookId": f"hook-{path}",
        "parameters": {"path": path, **parameters},
    }
    return {
        "name": f"mcp {path}",
        "nodes": [trigger, add_tool(), broken],
        "connections": {
            "Add": {"ai_tool": [[{"node": trigger["name"], "type": "ai_tool", "index": 0}]]},
            "Broken": {"ai_tool": [[{"node": trigger["name"], "type": "ai_tool", "index": 0}]]},
        },
        "settings": {},
    }


async def _session(url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    async with httpx2.AsyncClient(headers=headers or {}, timeout=60) as http:
        transport = streamable_http_client(url, http_client=http)
        async with Client(transport, cache=None) as client:
            listed = await client.list_tools()
            added = await client.call_tool("add", {"a": 2, "b": 3})
            failed = await client.call_tool("broken", {"a": 1, "b": 1})
            invalid = await client.call_tool("add", {"a": "x"})
    return {"listed": listed, "added": added, "failed": failed, "invalid": invalid}


def test_an_mcp_client_lists_and_calls_the_triggers_tools(server: Server) -> None:
    server.create(_workflow("tools-one"), activate=True)
    out = asyncio.run(_session(f"{server.url}/mcp/tools-one"))
    tools = {t.name: t for t in out["listed"].tools}
    assert sorted(tools) == ["add", "broken"]
    assert tools["add"].description == "adds two numbers a and b"
    assert tools["add"].input_schema["required"] == ["a", "b"]
    assert not out["added"].is_error and out["added"].content[0].text == "5"
    assert out["failed"].is_error and "the breaker tripped" in out["failed"].content[0].text
    assert out["invalid"].is_error and "invalid arguments" in out["invalid"].content[0].text


def test_bearer_auth_and_unknown_paths(server: Server) -> None:
    made = server.client.post(
        "/api/v1/credentials",
        json={"name": "mcp bearer", "type": "httpBearerAuth", "data": {"token": "tok-1"}},
    )
    assert made.status_code == 201, made.text
    doc = _workflow("tools-locked", authentication="bearerAuth")
    doc["nodes"][0]["credentials"] = {
        "httpBearerAuth": {"id": made.json()["id"], "name": "mcp bearer"}
    }
    server.create(doc, activate=True)
    url = f"{server.url}/mcp/tools-locked"
    refused = server.client.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert refused.status_code in (401, 403), refused.text
    out = asyncio.run(_session(url, {"Authorization": "Bearer tok-1"}))
    assert out["added"].content[0].text == "5"
    header = server.client.post(
        "/api/v1/credentials",
        json={
            "name": "mcp header",
            "type": "httpHeaderAuth",
            "data": {"name": "X-Mcp-Key", "value": "k-2"},
        },
    )
    assert header.status_code == 201, header.text
    doc = _workflow("tools-header", authentication="headerAuth")
    doc["nodes"][0]["credentials"] = {
        "httpHeaderAuth": {"id": header.json()["id"], "name": "mcp header"}
    }
    server.create(doc, activate=True)
    url = f"{server.url}/mcp/tools-header"
    wrong = server.client.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers={"X-Mcp-Key": "nope"}
    )
    assert wrong.status_code in (401, 403), wrong.text
    out = asyncio.run(_session(url, {"X-Mcp-Key": "k-2"}))
    assert out["added"].content[0].text == "5"
    missing = server.client.post(
        f"{server.url}/mcp/no-such-path", json={"jsonrpc": "2.0", "id": 1, "method": "ping"}
    )
    assert missing.status_code == 404
    sse = server.client.get(f"{server.url}/mcp/tools-locked/sse")
    assert sse.status_code == 404 and "streamable HTTP at /mcp/tools-locked" in sse.text

"""Live events over SSE and WebSocket, in order, across two API replicas."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.server.helpers import AUTH, Server, manual_workflow, webhook_workflow

pytestmark = pytest.mark.slow

EXPECTED = [
    ("executionStarted", None),
    ("nodeStarted", "Start"),
    ("nodeFinished", "Start"),
    ("nodeStarted", "Double"),
    ("nodeFinished", "Double"),
    ("executionFinished", None),
]


def _sse(url: str) -> list[dict[str, Any]]:
    events = []
    with httpx.stream("GET", url, timeout=30, headers=AUTH) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        kind = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                kind = line[len("event: ") :]
            elif line.startswith("data: "):
                event = json.loads(line[len("data: ") :])
                assert event["type"] == kind
                events.append(event)
    return events


def test_sse_replays_an_execution_in_order(server: Server) -> None:
    wf = server.create(manual_workflow("sse"))
    r = server.client.post(f"/api/v1/workflows/{wf['id']}/run", json=[{"n": 1}, {"n": 2}])
    assert r.status_code == 202
    execution_id = r.json()["executionId"]
    events = _sse(f"{server.url}/api/v1/executions/{execution_id}/events")
    assert [(e["type"], e.get("node")) for e in events] == EXPECTED
    assert all(e["executionId"] == execution_id for e in events)
    assert events[4]["itemCounts"] == [2]
    assert events[-1]["status"] == "success"
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs)


def test_sse_unknown_execution_is_404(server: Server) -> None:
    r = server.client.get("/api/v1/executions/doesnotexist/events")
    assert r.status_code == 404


def test_websocket_subscribes_to_workflow_and_execution(server: Server) -> None:
    wf = server.create(webhook_workflow("ws-hook", "lastNode"), activate=True)
    ws_url = server.url.replace("http://", "ws://") + "/api/v1/ws"
    with connect(ws_url, open_timeout=30, additional_headers=AUTH) as ws:
        ws.send(json.dumps({"action": "subscribe", "workflowId": wf["id"]}))
        ack = json.loads(ws.recv(timeout=30))
        assert ack["type"] == "subscribed" and ack["workflowId"] == wf["id"]
        ws.send("not json")
        assert json.loads(ws.recv(timeout=30))["type"] == "error"
        # Webhook runs on either replica reach this subscriber.
        for name in ("A", "B"):
            assert server.client.post("/webhook/ws-hook", json={"name": name}).status_code == 200
        events: list[dict[str, Any]] = []
        while sum(e["type"] == "executionFinished" for e in events) < 2:
            events.append(json.loads(ws.recv(timeout=30)))
    by_execution: dict[str, list[tuple[str, Any]]] = {}
    for e in events:
        assert e["workflowId"] == wf["id"]
        by_execution.setdefault(e["executionId"], []).append((e["type"], e.get("node")))
    assert len(by_execution) == 2
    for sequence in by_execution.values():
        assert sequence == [
            ("executionStarted", None),
            ("nodeStarted", "Webhook"),
            ("nodeFinished", "Webhook"),
            ("nodeStarted", "Set"),
            ("nodeFinished", "Set"),
            ("executionFinished", None),
        ]
    counts = [e["itemCounts"] for e in events if e["type"] == "nodeFinished"]
    assert counts == [[1]] * 4


def test_websocket_execution_subscription_replays(server: Server) -> None:
    wf = server.create(manual_workflow("ws-exec"))
    run = server.client.post(f"/api/v1/workflows/{wf['id']}/run?wait=true", json={"n": 3})
    execution_id = run.json()["executionId"]
    ws_url = server.url.replace("http://", "ws://") + "/api/v1/ws"
    with connect(ws_url, open_timeout=30, additional_headers=AUTH) as ws:
        ws.send(json.dumps({"action": "subscribe", "executionId": execution_id}))
        assert json.loads(ws.recv(timeout=30))["type"] == "subscribed"
        events = [json.loads(ws.recv(timeout=30)) for _ in EXPECTED]
    assert [(e["type"], e.get("node")) for e in events] == EXPECTED

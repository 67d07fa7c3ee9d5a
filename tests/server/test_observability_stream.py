"""Following one execution over SSE (/executions/{id}/stream) and its profile
(/executions/{id}/profile), on the real Serve app across two replicas.

(In tests/server, not tests/observability: it needs this directory's session `server`.)
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from tests.server.helpers import AUTH, Server

pytestmark = pytest.mark.slow

WAIT_SECONDS = 2


def _workflow(name: str, trigger: dict[str, Any] | None = None) -> dict[str, Any]:
    """Trigger -> Code (logs a line) -> Wait -> Set."""
    first = trigger or {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1}
    return {
        "name": name,
        "nodes": [
            first,
            {
                "name": "Code",
                "type": "n8n-nodes-base.code",
                "typeVersion": 2,
                "parameters": {
                    "jsCode": "console.log('saw', $input.all().length, 'items');\n"
                    "return $input.all();"
                },
            },
            {
                "name": "Wait",
                "type": "n8n-nodes-base.wait",
                "typeVersion": 1.1,
                "parameters": {"resume": "timeInterval", "amount": WAIT_SECONDS, "unit": "seconds"},
            },
            {
                "name": "Set",
                "type": "n8n-nodes-base.set",
                "typeVersion": 3.4,
                "parameters": {
                    "assignments": {
                        "assignments": [{"name": "done", "value": "yes", "type": "string"}]
                    }
                },
            },
        ],
        "connections": {
            first["name"]: {"main": [[{"node": "Code", "type": "main", "index": 0}]]},
            "Code": {"main": [[{"node": "Wait", "type": "main", "index": 0}]]},
            "Wait": {"main": [[{"node": "Set", "type": "main", "index": 0}]]},
        },
    }


def _events(server: Server, execution_id: str, on_event: Any = None) -> list[dict[str, Any]]:
    """Every event of the stream, until the server closes it."""
    events = []
    url = f"{server.url}/api/v1/executions/{execution_id}/stream"
    with httpx.stream("GET", url, timeout=60, headers=AUTH) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        kind = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                kind = line[len("event: ") :]
            elif line.startswith("data: "):
                event = json.loads(line[len("data: ") :])
                assert event["type"] == kind
                events.append(event)
                if on_event is not None:
                    on_event(event)
    return events


def _member(server: Server) -> dict[str, str]:
    """A member of no project of the owner's, with an API key."""
    email, password = f"{uuid.uuid4().hex[:8]}@example.com", "a-long-password-1"
    r = server.client.post("/api/v1/users", json={"email": email, "password": password})
    assert r.status_code == 201, r.text
    r = httpx.post(f"{server.url}/api/v1/auth/login", json={"email": email, "password": password})
    bearer = {"Authorization": f"Bearer {r.json()['accessToken']}"}
    r = httpx.post(f"{server.url}/api/v1/keys", json={}, headers=bearer)
    assert r.status_code == 201, r.text
    return {"X-HETUMIND-API-KEY": r.json()["key"]}


EXPECTED = [
    ("executionStarted", None),
    ("nodeStarted", "Start"),
    ("nodeFinished", "Start"),
    ("nodeStarted", "Code"),
    ("nodeFinished", "Code"),
    ("log", "Code"),
    ("nodeStarted", "Wait"),
    ("nodeFinished", "Wait"),
    ("nodeStarted", "Set"),
    ("nodeFinished", "Set"),
    ("executionFinished", None),
]


def test_stream_follows_an_execution_live_then_replays_it(server: Server) -> None:
    wf = server.create(_workflow("stream"))
    r = server.client.post(f"/api/v1/workflows/{wf['id']}/run", json=[{"n": 1}, {"n": 2}])
    assert r.status_code == 202, r.text
    execution_id = r.json()["executionId"]
    seen_while: dict[str, str] = {}

    def during(event: dict[str, Any]) -> None:
        if event["type"] == "nodeStarted" and event["node"] == "Wait":
            # the stream is live: the Wait has started and the execution still runs
            record = server.client.get(f"/api/v1/executions/{execution_id}").json()
            seen_while["status"] = record["status"]

    events = _events(server, execution_id, during)
    assert [(e["type"], e.get("node")) for e in events] == EXPECTED, events
    # (the recorder may not have written "running" yet: "new" is not finished either)
    assert seen_while["status"] in ("new", "running")
    assert all(e["executionId"] == execution_id for e in events)
    log = events[5]
    assert log["message"] == "saw 2 items"
    assert events[-1]["status"] == "success"
    assert events[7]["itemCounts"] == [2]

    # Once it ended, the same stream replays it and closes.
    again = _events(server, execution_id)
    assert [(e["type"], e.get("node")) for e in again] == EXPECTED, again

    # Its profile: the Wait took most of the time.
    r = server.client.get(f"/api/v1/executions/{execution_id}/profile")
    assert r.status_code == 200, r.text
    profile = r.json()
    assert profile["status"] == "success"
    rows = {row["node"]: row for row in profile["nodes"]}
    assert profile["nodes"][0]["node"] == "Wait"
    assert rows["Wait"]["share"] > 0.5
    assert rows["Wait"]["type"] == "n8n-nodes-base.wait"
    assert rows["Set"]["itemsIn"] == 2 and rows["Set"]["itemsOut"] == 2
    assert rows["Code"]["runs"] == 1
    runs = [e for e in profile["traceEvents"] if e["ph"] == "X"]
    assert sorted(e["name"] for e in runs) == ["Code", "Set", "Start", "Wait"]
    by_name = {e["name"]: e for e in runs}
    assert by_name["Wait"]["ts"] >= by_name["Code"]["ts"]


def test_stream_of_an_unwatched_webhook_run_follows_the_store(server: Server) -> None:
    hook = {
        "name": "Hook",
        "type": "n8n-nodes-base.webhook",
        "typeVersion": 2,
        "parameters": {"httpMethod": "POST", "path": "stream-hook", "responseMode": "onReceived"},
    }
    wf = server.create(_workflow("stream hook", hook), activate=True)
    assert server.client.post("/webhook/stream-hook", json={"x": 1}).status_code == 200

    def started() -> str | None:
        rows = server.client.get("/api/v1/executions", params={"workflowId": wf["id"]})
        data = rows.json()["data"]
        return str(data[0]["id"]) if data else None

    execution_id = server.wait_for(started)
    events = _events(server, execution_id)
    finished = [e["node"] for e in events if e["type"] == "nodeFinished"]
    assert finished == ["Hook", "Code", "Wait", "Set"]
    assert [e["message"] for e in events if e["type"] == "log"] == ["saw 1 items"]
    assert events[-1]["type"] == "executionFinished" and events[-1]["status"] == "success"


def test_stream_and_profile_need_access_to_the_execution(server: Server) -> None:
    wf = server.create(_workflow("stream access"))
    r = server.client.post(f"/api/v1/workflows/{wf['id']}/run?wait=true", json=[{"n": 1}])
    execution_id = r.json()["executionId"]
    other = _member(server)
    for route in ("stream", "profile"):
        url = f"{server.url}/api/v1/executions/{execution_id}/{route}"
        assert httpx.get(url).status_code == 401
        assert httpx.get(url, headers=other).status_code == 404
        missing = f"{server.url}/api/v1/executions/doesnotexist/{route}"
        assert httpx.get(missing, headers=AUTH).status_code == 404

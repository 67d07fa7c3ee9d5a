"""Retrying an execution starts at the failed node (or `fromNode`) and reuses the stored
items of the nodes before it, as n8n's retry does."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.server.helpers import Server

pytestmark = pytest.mark.slow


class _FailsOnce(BaseHTTPRequestHandler):
    """500 for the first request to a path, 200 after."""

    seen: set[str] = set()

    def do_GET(self) -> None:
        first = self.path not in self.seen
        self.seen.add(self.path)
        self.send_response(500 if first else 200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"message": "first try fails"}' if first else b'{"ok": true}')

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def flaky_url() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _FailsOnce)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _flaky_workflow(url: str) -> dict[str, Any]:
    def link(to: str) -> dict[str, Any]:
        return {"main": [[{"node": to, "type": "main", "index": 0}]]}

    def stamp(name: str) -> dict[str, Any]:
        return {
            "name": name,
            "type": "n8n-nodes-base.set",
            "typeVersion": 3.4,
            "parameters": {
                "assignments": {
                    "assignments": [
                        {"name": name, "value": "={{ $execution.id }}", "type": "string"}
                    ]
                },
                "includeOtherFields": True,
                "options": {},
            },
        }

    return {
        "name": "fails once",
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1},
            stamp("Before"),
            {
                "name": "Flaky",
                "type": "n8n-nodes-base.httpRequest",
                "typeVersion": 4.2,
                "parameters": {"url": f"{url}/{uuid.uuid4().hex}"},
            },
            stamp("After"),
        ],
        "connections": {"Start": link("Before"), "Before": link("Flaky"), "Flaky": link("After")},
    }


def _retry(server: Server, execution_id: str, **params: str) -> dict[str, Any]:
    r = server.client.post(
        f"/api/v1/executions/{execution_id}/retry", params={"wait": "true", **params}
    )
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def test_retry_starts_at_the_failed_node_with_the_stored_items(
    server: Server, flaky_url: str
) -> None:
    wf = server.create(_flaky_workflow(flaky_url))
    first = server.client.post(
        f"/api/v1/workflows/{wf['id']}/run", params={"wait": "true"}, json={"n": 1}
    ).json()
    assert first["status"] == "error"
    assert "first try fails" in first["error"]["message"]

    again = _retry(server, first["executionId"])
    assert again["status"] == "success"
    assert again["runData"]["Flaky"][0]["outputs"][0][0]["ok"] is True
    assert "After" in again["runData"]
    # Before was restored from the first execution (its stamp is the first id), not run
    # again, and it is part of the new execution's record.
    before = again["runData"]["Before"][0]["outputs"][0][0]
    assert before["Before"] == first["executionId"] != again["executionId"]

    # fromNode runs that node again, and what follows it.
    partial = _retry(server, first["executionId"], fromNode="Before")
    stamp = partial["runData"]["Before"][0]["outputs"][0][0]["Before"]
    assert stamp == partial["executionId"]


def test_retry_from_an_unknown_node_is_a_400(server: Server, flaky_url: str) -> None:
    wf = server.create(_flaky_workflow(flaky_url))
    first = server.client.post(f"/api/v1/workflows/{wf['id']}/run", params={"wait": "true"})
    r = server.client.post(
        f"/api/v1/executions/{first.json()['executionId']}/retry", params={"fromNode": "Nope"}
    )
    assert r.status_code == 400
    assert "no node named 'Nope'" in r.json()["error"]["message"]

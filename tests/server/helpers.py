"""Helpers of the server tests: the Server handle and small workflows."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # serve_app sits next to the hetumind package
    sys.path.insert(0, str(ROOT))


OWNER_EMAIL = "owner@localhost"
OWNER_PASSWORD = "owner-password-for-tests"
OWNER_KEY = "hmk_testowner_" + "k" * 40
"""Provisioned at first start (HETUMIND_OWNER_API_KEY): the test clients act as the owner."""
AUTH = {"X-HETUMIND-API-KEY": OWNER_KEY}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    home: Path
    replicas: int
    client: httpx.Client

    def deploy(self) -> None:
        from ray import serve

        from serve_app import ServerSettings, build_app

        settings = ServerSettings.from_env(
            {
                "HETUMIND_HOME": str(self.home),
                "HETUMIND_MAX_BODY_BYTES": str(64 * 1024),
                # test servers the workflows call listen on loopback (hetumind.capabilities)
                "HETUMIND_ALLOWED_HOSTS": "127.0.0.1",
                "HETUMIND_OWNER_PASSWORD": OWNER_PASSWORD,
                "HETUMIND_OWNER_API_KEY": OWNER_KEY,
            }
        )
        self.client.headers.update(AUTH)
        serve.run(build_app(settings, replicas=self.replicas), name="hetumind", route_prefix="/")

    def restart(self) -> None:
        """Tear the whole app down and bring it back on the same SQLite file."""
        from ray import serve

        serve.delete("hetumind", _blocking=True)
        self.deploy()

    def create(self, doc: dict[str, Any], *, activate: bool = False) -> dict[str, Any]:
        r = self.client.post("/api/v1/workflows", json=doc)
        assert r.status_code == 201, r.text
        wf: dict[str, Any] = r.json()
        if activate:
            r = self.client.post(f"/api/v1/workflows/{wf['id']}/activate")
            assert r.status_code == 200, r.text
            wf = r.json()
        return wf

    def wait_for(self, check: Callable[[], Any], timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            time.sleep(0.1)


def webhook_workflow(
    path: str,
    mode: str = "lastNode",
    *,
    respond: dict[str, Any] | None = None,
    method: str = "POST",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Webhook -> Set (greeting from the body) [-> Respond to Webhook]."""
    nodes: list[dict[str, Any]] = [
        {
            "name": "Webhook",
            "type": "n8n-nodes-base.webhook",
            "typeVersion": 2,
            "parameters": {
                "httpMethod": method,
                "path": path,
                "responseMode": mode,
                **(extra or {}),
            },
        },
        {
            "name": "Set",
            "type": "n8n-nodes-base.set",
            "typeVersion": 3.4,
            "parameters": {
                "assignments": {
                    "assignments": [
                        {
                            "name": "greeting",
                            "value": "=Hello {{ $json.body.name }}",
                            "type": "string",
                        },
                        {"name": "q", "value": "={{ $json.query.q }}", "type": "string"},
                    ]
                },
                "options": {},
            },
        },
    ]
    connections: dict[str, Any] = {
        "Webhook": {"main": [[{"node": "Set", "type": "main", "index": 0}]]}
    }
    if respond is not None:
        nodes.append(
            {
                "name": "Respond",
                "type": "n8n-nodes-base.respondToWebhook",
                "typeVersion": 1.1,
                "parameters": respond,
            }
        )
        connections["Set"] = {"main": [[{"node": "Respond", "type": "main", "index": 0}]]}
    return {"name": f"hook {path}", "nodes": nodes, "connections": connections}


def manual_workflow(name: str = "manual") -> dict[str, Any]:
    return {
        "name": name,
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1},
            {
                "name": "Double",
                "type": "n8n-nodes-base.set",
                "typeVersion": 3.4,
                "parameters": {
                    "assignments": {
                        "assignments": [
                            {"name": "double", "value": "={{ $json.n * 2 }}", "type": "number"}
                        ]
                    },
                    "includeOtherFields": True,
                    "options": {},
                },
            },
        ],
        "connections": {"Start": {"main": [[{"node": "Double", "type": "main", "index": 0}]]}},
    }

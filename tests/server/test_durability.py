"""Accepted means persisted, once: Idempotency-Key on runs and webhooks; backpressure
(a bounded queue, then 429 with Retry-After). Real HTTP on the session's Serve."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.server.helpers import AUTH, OWNER_KEY, Server, manual_workflow, webhook_workflow

pytestmark = pytest.mark.slow


def _executions(server: Server, workflow_id: str) -> list[dict[str, Any]]:
    r = server.client.get("/api/v1/executions", params={"workflowId": workflow_id})
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def test_run_with_the_same_idempotency_key_starts_one_execution(server: Server) -> None:
    wf = server.create(manual_workflow("idempotent run"))
    url = f"/api/v1/workflows/{wf['id']}/run"
    key = {"Idempotency-Key": "order-42"}
    first = server.client.post(url, json=[{"n": 1}], headers=key, params={"wait": "true"})
    assert first.status_code == 200, first.text
    assert first.json()["runData"]["Double"][0]["outputs"][0][0]["double"] == 2
    again = server.client.post(url, json=[{"n": 1}], headers=key)
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == {
        "executionId": first.json()["executionId"],
        "status": "success",
        "duplicate": True,
    }
    other = server.client.post(url, json=[{"n": 2}], headers={"Idempotency-Key": "order-43"})
    assert other.status_code == 202 and other.json()["executionId"] != first.json()["executionId"]
    ids = {
        e["id"]
        for e in server.wait_for(
            lambda: len(_executions(server, wf["id"])) == 2 and _executions(server, wf["id"])
        )
    }
    assert ids == {first.json()["executionId"], other.json()["executionId"]}


def test_webhook_redelivery_with_the_same_key_runs_once(server: Server) -> None:
    wf = server.create(webhook_workflow("idem-hook", "lastNode"), activate=True)
    key = {"Idempotency-Key": "delivery-7"}
    first = server.client.post("/webhook/idem-hook", json={"name": "Ada"}, headers=key)
    assert first.status_code == 200, first.text
    assert "Idempotent-Replayed" not in first.headers
    again = server.client.post("/webhook/idem-hook", json={"name": "Ada"}, headers=key)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    executions = server.wait_for(lambda: _executions(server, wf["id"]))
    time.sleep(0.5)  # a second execution, were there one, would be written by now
    executions = _executions(server, wf["id"])
    assert len(executions) == 1
    assert again.json()["executionId"] == executions[0]["id"]


def test_a_malformed_idempotency_key_is_a_400(server: Server) -> None:
    wf = server.create(manual_workflow("idempotent bad key"))
    r = server.client.post(
        f"/api/v1/workflows/{wf['id']}/run", json=[], headers={"Idempotency-Key": "x" * 300}
    )
    assert r.status_code == 400
    assert "Idempotency-Key" in r.json()["error"]["message"]
    assert _executions(server, wf["id"]) == []


def _slow_workflow(name: str, seconds: float) -> dict[str, Any]:
    code = (
        f"const t = Date.now(); while (Date.now() - t < {int(seconds * 1000)}) {{}}\nreturn items;"
    )
    return {
        "name": name,
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1},
            {
                "name": "Busy",
                "type": "n8n-nodes-base.code",
                "typeVersion": 2,
                "parameters": {"jsCode": code},
            },
        ],
        "connections": {"Start": {"main": [[{"node": "Busy", "type": "main", "index": 0}]]}},
        "settings": {"backend": "inline"},
    }


@pytest.fixture(scope="module")
def small_server(server: Server) -> Iterator[httpx.Client]:
    """A second app on the same Serve: one execution at a time, a queue of one."""
    from ray import serve

    from serve_app import ServerSettings, build_app

    settings = ServerSettings.from_env(
        {
            "HETUMIND_HOME": str(server.home / "small"),
            "HETUMIND_MAX_CONCURRENCY": "1",
            "HETUMIND_MAX_QUEUE": "1",
            "HETUMIND_OWNER_API_KEY": OWNER_KEY,
        }
    )
    serve.run(build_app(settings), name="hetumind-small", route_prefix="/small")
    with httpx.Client(base_url=f"{server.url}/small", timeout=60, headers=AUTH) as client:
        yield client
    serve.delete("hetumind-small", _blocking=True)


def test_a_full_queue_answers_429_with_retry_after(small_server: httpx.Client) -> None:
    c = small_server
    r = c.post("/api/v1/workflows", json=_slow_workflow("slow", 2.0))
    assert r.status_code == 201, r.text
    url = f"/api/v1/workflows/{r.json()['id']}/run"
    running = c.post(url, json=[{"i": 1}])
    queued = c.post(url, json=[{"i": 2}])
    assert running.status_code == 202 and queued.status_code == 202, queued.text
    refused = c.post(url, json=[{"i": 3}])
    assert refused.status_code == 429, refused.text
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "too_many_requests"
    ids = [running.json()["executionId"], queued.json()["executionId"]]

    def finished() -> list[str] | None:
        statuses = [c.get(f"/api/v1/executions/{i}").json()["status"] for i in ids]
        return statuses if all(s not in ("new", "running") for s in statuses) else None

    deadline = time.monotonic() + 60
    statuses = None
    while statuses is None and time.monotonic() < deadline:
        statuses = finished()
        time.sleep(0.2)
    assert statuses == ["success", "success"]
    listed = c.get("/api/v1/executions").json()["data"]
    assert sorted(e["id"] for e in listed) == sorted(ids)  # the refused run left no row
    # A slot is free again: the next run is accepted.
    assert c.post(url, json=[{"i": 4}]).status_code == 202

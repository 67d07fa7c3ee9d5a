"""Wait nodes under the server: parked executions hold nothing, show as waiting, and resume
exactly once, by time or by their resume webhook, continuing from their checkpoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hetumind.store import Store
from hetumind.store.settings import sqlite_url
from tests.server.helpers import Server

pytestmark = pytest.mark.slow


def _waiting_workflow(name: str, wait: dict[str, Any]) -> dict[str, Any]:
    def set_node(node: str, field: str, value: str) -> dict[str, Any]:
        return {
            "name": node,
            "type": "n8n-nodes-base.set",
            "typeVersion": 3.4,
            "parameters": {
                "assignments": {"assignments": [{"name": field, "value": value, "type": "string"}]},
                "includeOtherFields": True,
                "options": {},
            },
        }

    return {
        "name": name,
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1},
            set_node("Before", "resumeUrl", "={{ $execution.resumeUrl }}"),
            {"name": "Wait", "type": "n8n-nodes-base.wait", "typeVersion": 1.1, "parameters": wait},
            set_node("After", "after", "={{ $json.body ? $json.body.answer : $json.n }}"),
        ],
        "connections": {
            "Start": {"main": [[{"node": "Before", "type": "main", "index": 0}]]},
            "Before": {"main": [[{"node": "Wait", "type": "main", "index": 0}]]},
            "Wait": {"main": [[{"node": "After", "type": "main", "index": 0}]]},
        },
    }


def _execution(server: Server, execution_id: str) -> dict[str, Any]:
    r = server.client.get(f"/api/v1/executions/{execution_id}", params={"includeData": "true"})
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def _start(server: Server, doc: dict[str, Any]) -> str:
    wf = server.create(doc)
    r = server.client.post(f"/api/v1/workflows/{wf['id']}/run", json={"n": "7"})
    assert r.status_code == 202, r.text
    execution_id: str = r.json()["executionId"]
    return execution_id


def _status_is(server: Server, execution_id: str, status: str) -> dict[str, Any]:
    found: dict[str, Any] = server.wait_for(
        lambda: (e := _execution(server, execution_id))["status"] == status and e, timeout=60
    )
    return found


def test_a_webhook_wait_parks_and_its_resume_url_wakes_it_once(server: Server) -> None:
    execution_id = _start(server, _waiting_workflow("wait for hook", {"resume": "webhook"}))
    parked = _status_is(server, execution_id, "waiting")
    assert "After" not in parked["runData"]
    url = parked["runData"]["Before"][0]["outputs"][0][0]["resumeUrl"]
    assert url.endswith(f"/webhook-waiting/{execution_id}")

    r = server.client.post(f"/webhook-waiting/{execution_id}", json={"answer": "yes"})
    assert r.status_code == 200, r.text
    again = server.client.post(f"/webhook-waiting/{execution_id}", json={"answer": "twice"})
    assert again.status_code == 409
    assert "not waiting" in again.json()["error"]["message"]

    done = _status_is(server, execution_id, "success")
    assert done["runData"]["After"][0]["outputs"][0][0]["after"] == "yes"
    # Nodes that ran before the wait were restored, not run again: one run each.
    assert [len(done["runData"][n]) for n in ("Start", "Before", "Wait", "After")] == [1] * 4


def test_a_timed_wait_parks_until_its_time_and_then_resumes(server: Server) -> None:
    wait = {"resume": "timeInterval", "amount": 2, "unit": "hours"}
    execution_id = _start(server, _waiting_workflow("wait two hours", wait))
    parked = _status_is(server, execution_id, "waiting")
    till = datetime.fromisoformat(parked["waitTill"].replace("Z", "+00:00"))
    assert timedelta(hours=1.9) < till - datetime.now(UTC) <= timedelta(hours=2)

    # Two hours pass (in the database): the sweeper wakes it.
    store = Store.open_sync(sqlite_url(server.home / "hetumind.db"))
    try:
        store.run_sync(store.leases.set_wait_till(execution_id, datetime.now(UTC)))
    finally:
        store.close_sync()
    done = _status_is(server, execution_id, "success")
    assert done["runData"]["After"][0]["outputs"][0][0]["after"] == "7"
    assert done["waitTill"] is None


def test_an_unknown_execution_cannot_be_resumed(server: Server) -> None:
    r = server.client.post("/webhook-waiting/nosuchexecution", json={})
    assert r.status_code == 409


def test_a_parked_execution_survives_a_server_restart(server: Server) -> None:
    execution_id = _start(server, _waiting_workflow("wait across restart", {"resume": "webhook"}))
    _status_is(server, execution_id, "waiting")
    server.restart()
    assert _execution(server, execution_id)["status"] == "waiting"  # not marked crashed
    r = server.client.post(f"/webhook-waiting/{execution_id}", json={"answer": "after"})
    assert r.status_code == 200, r.text
    done = _status_is(server, execution_id, "success")
    assert done["runData"]["After"][0]["outputs"][0][0]["after"] == "after"

"""The scheduler fires each tick once, however many API replicas run, and follows
activation and deactivation without a restart."""

from __future__ import annotations

import itertools
import time
from datetime import datetime

import pytest

from tests.server.helpers import Server

pytestmark = pytest.mark.slow


def schedule_workflow() -> dict:
    return {
        "name": "every second",
        "settings": {"timezone": "Europe/Berlin"},
        "nodes": [
            {
                "name": "Tick",
                "type": "n8n-nodes-base.scheduleTrigger",
                "typeVersion": 1.2,
                "parameters": {"rule": {"interval": [{"field": "seconds", "secondsInterval": 1}]}},
            },
            {"name": "Pass", "type": "n8n-nodes-base.noOp", "typeVersion": 1},
        ],
        "connections": {"Tick": {"main": [[{"node": "Pass", "type": "main", "index": 0}]]}},
    }


def test_schedule_fires_once_per_tick_and_stops_on_deactivate(server: Server) -> None:
    assert server.replicas == 2
    c = server.client
    wf = server.create(schedule_workflow())
    time.sleep(1.5)
    assert c.get("/api/v1/executions", params={"workflowId": wf["id"]}).json()["data"] == []
    assert c.post(f"/api/v1/workflows/{wf['id']}/activate").status_code == 200
    time.sleep(4.5)
    assert c.post(f"/api/v1/workflows/{wf['id']}/deactivate").status_code == 200

    def finished() -> list:
        rows = c.get("/api/v1/executions", params={"workflowId": wf["id"]}).json()["data"]
        return rows if rows and all(e["finished"] for e in rows) else []

    rows = server.wait_for(finished)
    assert all(e["mode"] == "schedule" and e["status"] == "success" for e in rows)
    ticks = []
    for e in rows:
        data = c.get(f"/api/v1/executions/{e['id']}", params={"includeData": "true"}).json()
        item = data["runData"]["Tick"][0]["outputs"][0][0]
        assert item["Timezone"].startswith("Europe/Berlin")
        ticks.append(datetime.fromisoformat(item["timestamp"]))
    assert 3 <= len(ticks) <= 6
    assert len(set(ticks)) == len(ticks), "a tick started more than one execution"
    ticks.sort()
    assert all((b - a).total_seconds() == 1 for a, b in itertools.pairwise(ticks))
    count = len(rows)
    time.sleep(2.5)
    after = c.get("/api/v1/executions", params={"workflowId": wf["id"]}).json()["data"]
    assert len(after) == count, "deactivated workflow kept firing"

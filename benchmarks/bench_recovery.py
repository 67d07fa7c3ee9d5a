"""Recovery after SIGKILL with default settings: 100 accepted webhook executions.

A real `hetumind serve` (its own Ray, embedded SQLite store, default heartbeat and sweep
periods) gets 100 webhook calls of Webhook (onReceived) -> Wait 4 s -> Set; one second
later its whole process group is SIGKILLed, as losing the machine would. It is started
again on the same store, and the clock runs from the moment it answers /healthz until
every one of the 100 executions has finished (each exactly once: checked).

Baseline: the same 100 executions on a running server, from the first call until all
have finished: what "resumed executions run with the same concurrency as new ones" is
measured against. `run()` returns seconds per variant.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.chaos.server_process import ServerProcess  # noqa: E402
from tests.server.helpers import free_port  # noqa: E402

EXECUTIONS = 100
WAIT_SECONDS = 4
# ServerProcess provisions the owner key of the test helpers at first start.
API_KEY = os.environ.get("HETUMIND_API_KEY", "") or "hmk_testowner_" + "k" * 40


def workflow(path: str) -> dict[str, Any]:
    assign = [{"name": "done", "value": "={{ $json.body.n }}", "type": "number"}]
    return {
        "name": f"recovery {path}",
        "nodes": [
            {
                "name": "Webhook",
                "type": "n8n-nodes-base.webhook",
                "typeVersion": 2,
                "parameters": {"httpMethod": "POST", "path": path, "responseMode": "onReceived"},
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
                "parameters": {"assignments": {"assignments": assign}, "options": {}},
            },
        ],
        "connections": {
            "Webhook": {"main": [[{"node": "Wait", "type": "main", "index": 0}]]},
            "Wait": {"main": [[{"node": "Set", "type": "main", "index": 0}]]},
        },
    }


def _client(server: ServerProcess) -> httpx.Client:
    headers = {"X-HETUMIND-API-KEY": API_KEY} if API_KEY else {}
    return httpx.Client(base_url=server.url, timeout=60, headers=headers)


def _fire(client: httpx.Client, path: str) -> str:
    r = client.post("/api/v1/workflows", json=workflow(path))
    r.raise_for_status()
    wf_id = str(r.json()["id"])
    client.post(f"/api/v1/workflows/{wf_id}/activate").raise_for_status()
    for n in range(EXECUTIONS):
        client.post(f"/webhook/{path}", json={"n": n}).raise_for_status()
    return wf_id


def _finished(client: httpx.Client, wf_id: str) -> bool:
    try:
        r = client.get("/api/v1/executions", params={"workflowId": wf_id, "limit": 250})
    except httpx.HTTPError:  # the restarted app still coming up
        return False
    if r.status_code != 200:
        return False
    rows = r.json()["data"]
    done = [e for e in rows if e["finished"]]
    if len(done) == len(rows) == EXECUTIONS:
        failed = [e for e in rows if e["status"] != "success"]
        assert not failed, failed[:2]
        return True
    assert len(rows) <= EXECUTIONS, "an execution was duplicated"
    return False


def _until_finished(client: httpx.Client, wf_id: str, server: ServerProcess) -> None:
    deadline = time.monotonic() + 900
    while not _finished(client, wf_id):
        assert time.monotonic() < deadline, server.log_tail()
        time.sleep(0.5)


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as home:
        server = ServerProcess(Path(home), free_port(), default_beats=True)
        server.start()
        try:
            with _client(server) as client:
                t0 = time.perf_counter()
                wf_id = _fire(client, "fresh")
                _until_finished(client, wf_id, server)
                fresh = time.perf_counter() - t0

                wf_id = _fire(client, "killed")
                time.sleep(1.0)  # the first ones are in their Wait, the rest queued
            server.kill()
            server.start()
            t0 = time.perf_counter()
            with _client(server) as client:
                _until_finished(client, wf_id, server)
            recovered = time.perf_counter() - t0
        finally:
            server.stop()
    return {
        "100 new executions on a running server (baseline)": fresh,
        "100 orphans finished after restart (from /healthz)": recovered,
    }


if __name__ == "__main__":
    for name, seconds in run().items():
        print(f"{name}: {seconds:.1f} s")

"""Durability (a): the server is killed with SIGKILL while 100 executions run; after a
restart every accepted execution finishes exactly once, with the right output.

The server is a real `hetumind serve` process with its own Ray, in a process group of its
own, so that SIGKILL takes down the API, the executors and Ray together, as losing the
machine would. Each execution waits 3 s (in place), then POSTs to a counting HTTP server
on loopback with an Idempotency-Key, then doubles its number.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.chaos.counting_server import CountingServer, counting_server, notifying_workflow
from tests.chaos.server_process import ServerProcess
from tests.server.helpers import AUTH, free_port

pytestmark = pytest.mark.slow

EXECUTIONS = 100


@pytest.fixture
def counter() -> Iterator[CountingServer]:
    with counting_server() as server:
        yield server


def _workflow(counter_url: str) -> dict[str, Any]:
    double = [{"name": "double", "value": '={{ $("Start").item.json.n * 2 }}', "type": "number"}]
    return notifying_workflow(
        "survives SIGKILL",
        counter_url,
        wait_seconds=3,
        last={
            "name": "Double",
            "type": "n8n-nodes-base.set",
            "typeVersion": 3.4,
            "parameters": {"assignments": {"assignments": double}, "options": {}},
        },
        # Executor threads rather than Ray tasks: 64 waits at once on a 2-core machine.
        # The HTTP node may be in flight at the kill: the workflow opts in to running it
        # again (its requests carry an idempotency key); without the opt-in such a run
        # fails as interrupted instead (tests/engine/test_checkpoint.py).
        settings={"backend": "inline", "retryOnWorkerFailure": True},
        notify_options={"idempotencyKey": True},
    )


def test_sigkill_during_100_executions_loses_and_repeats_none(
    tmp_path: Path, counter: CountingServer
) -> None:
    seen = counter.seen
    server = ServerProcess(tmp_path, free_port())
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=60, headers=AUTH) as client:
            wf = client.post("/api/v1/workflows", json=_workflow(counter.url)).json()
            accepted: dict[str, int] = {}
            for n in range(EXECUTIONS):
                r = client.post(f"/api/v1/workflows/{wf['id']}/run", json={"n": n})
                assert r.status_code == 202, r.text
                accepted[r.json()["executionId"]] = n
        time.sleep(1.0)  # the first executions are in their Wait, the rest queued
        server.kill()
        sent_before_kill = len(seen)

        server.start()
        with httpx.Client(base_url=server.url, timeout=60, headers=AUTH) as client:

            def finished() -> list[dict[str, Any]] | None:
                try:
                    r = client.get(
                        "/api/v1/executions", params={"workflowId": wf["id"], "limit": 250}
                    )
                except httpx.HTTPError:  # the restarted app still coming up
                    return None
                if r.status_code != 200:  # Serve's proxy is up before the app's routes
                    return None
                rows = r.json()["data"]
                done = [e for e in rows if e["finished"]]
                return rows if len(done) == len(rows) == EXECUTIONS else None

            deadline = time.monotonic() + 300
            while (rows := finished()) is None:
                assert time.monotonic() < deadline, server.log_tail()
                time.sleep(1)
            assert {e["id"] for e in rows} == set(accepted)  # none lost, none added
            failed = [(e["id"], e["error"]) for e in rows if e["status"] != "success"]
            assert not failed, failed[:3]
            for execution_id, n in accepted.items():
                data = client.get(
                    f"/api/v1/executions/{execution_id}", params={"includeData": "true"}
                ).json()
                runs = data["runData"]
                assert {node: len(r) for node, r in runs.items()} == dict.fromkeys(
                    ("Start", "Wait", "Notify", "Double"), 1
                )
                assert runs["Double"][0]["outputs"] == [[{"double": 2 * n}]]
    finally:
        server.stop()

    # Every execution notified once; a request repeated after the crash carries the same
    # key as the first, so the receiver can drop it.
    by_execution = Counter(counter.executions)
    assert set(by_execution) == set(accepted)
    keys = {e: {n.idempotency_key for n in seen if n.execution == e} for e in by_execution}
    assert all(len(k) == 1 and "" not in k for k in keys.values())
    print(
        f"accepted {EXECUTIONS}, completed {len(rows)}, lost 0, duplicated executions 0, "
        f"notifications before kill {sent_before_kill}, repeated requests "
        f"{len(seen) - len(by_execution)}"
    )

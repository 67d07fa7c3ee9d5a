"""Issue 18, item 2: Hetumind on a three-node Ray cluster started with `ray start`.

One cluster for the module (harness.py): the tests run in order and each leaves the
cluster whole for the next — placement, a `ray job submit` batch run, a worker machine
lost mid-execution, the head lost and restarted. What each step measured is printed at
the end (run with -s) and recorded in docs/operations.md.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.batch.helpers import chain, single_run
from tests.batch.test_equality import BIG, SCORE, TAG, TRIGGER
from tests.cluster.multinode.harness import App, multinode, wait_until
from tests.server.helpers import AUTH, manual_workflow, webhook_workflow

__all__ = ["multinode"]  # the module's fixture, imported to be found

pytestmark = [pytest.mark.slow, pytest.mark.system]


def _on_ray(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "settings": {**doc.get("settings", {}), "backend": "ray"}}


def _waiting_workflow(seconds: int) -> dict[str, Any]:
    """Start -> Wait -> Double on Ray: long enough to lose a machine in the middle. All
    three are pure (docs/reliability.md), so Ray may run them again."""
    doc = manual_workflow("waits on a worker")
    wait = {
        "name": "Wait",
        "type": "n8n-nodes-base.wait",
        "typeVersion": 1.1,
        "parameters": {"resume": "timeInterval", "amount": seconds, "unit": "seconds"},
    }
    link = lambda n: {"main": [[{"node": n, "type": "main", "index": 0}]]}  # noqa: E731
    return _on_ray(
        {
            **doc,
            "nodes": [doc["nodes"][0], wait, doc["nodes"][1]],
            "connections": {"Start": link("Wait"), "Wait": link("Double")},
        }
    )


def test_webhooks_and_executions_run_with_node_runs_on_the_workers(multinode: App) -> None:
    app, client = multinode, multinode.client
    # The replicas sit on worker_b (the config pins them there), none on the head.
    actors = app.cluster.state("actors", "state=ALIVE")
    replicas = {a["class_name"]: a["node_id"] for a in actors if "ServeReplica" in a["class_name"]}
    assert set(replicas) == {f"ServeReplica:hetumind:{d}" for d in ("Api", "Scheduler", "EventBus")}
    assert set(replicas.values()) == {app.node_ids["worker_b"]}

    # A webhook, answered inside the API replica, through the head's proxy and worker_b's.
    client.post("/api/v1/workflows", json=webhook_workflow("mn-hello")).raise_for_status()
    wf = client.get("/api/v1/workflows").json()["data"][0]
    assert client.post(f"/api/v1/workflows/{wf['id']}/activate").status_code == 200
    for node in ("head", "worker_b"):
        r = httpx.post(f"{app.url(node)}/webhook/mn-hello?q={node}", json={"name": "Ada"})
        assert r.status_code == 200, r.text
        assert r.json() == {"greeting": "Hello Ada", "q": node}

    # The same webhook and an API run on the Ray backend: their node runs are Ray tasks,
    # and they run on worker_a, the only node with a CPU free for them.
    before = len(app.segment_tasks())
    hook = _on_ray(webhook_workflow("mn-ray"))
    hook_id = client.post("/api/v1/workflows", json=hook).json()["id"]
    assert client.post(f"/api/v1/workflows/{hook_id}/activate").status_code == 200
    r = client.post("/webhook/mn-ray", json={"name": "Bo"})
    assert r.status_code == 200 and r.json() == {"greeting": "Hello Bo", "q": None}, r.text
    run_id = client.post("/api/v1/workflows", json=_on_ray(manual_workflow())).json()["id"]
    r = client.post(f"/api/v1/workflows/{run_id}/run", json={"n": 21})
    assert r.status_code == 202, r.text
    done = app.finished(r.json()["executionId"])
    assert done["status"] == "success", done["error"]
    assert done["runData"]["Double"][0]["outputs"] == [[{"n": 21, "double": 42}]]

    def recorded() -> list[dict[str, Any]] | None:
        tasks = app.segment_tasks()
        return tasks if len(tasks) >= before + 2 else None

    tasks = wait_until(recorded, 30, "both executions' node-run tasks in the state API")
    assert {t["node_id"] for t in tasks} == {app.node_ids["worker_a"]}
    assert {t["state"] for t in tasks} == {"FINISHED"}


def test_ray_job_submit_runs_a_batch(multinode: App, tmp_path: Path) -> None:
    job_dir = tmp_path / "job"  # the working dir ray job submit uploads: workflow + data
    job_dir.mkdir()
    doc = chain(TRIGGER, SCORE, BIG, TAG)
    (job_dir / "wf.json").write_text(json.dumps(doc))
    data = pa.table({"id": list(range(20_000)), "value": [i % 997 for i in range(20_000)]})
    pq.write_table(data, job_dir / "in.parquet")
    out = tmp_path / "out.jsonl"  # outside the working dir: the job writes it in place
    started = time.monotonic()
    stdout = multinode.cluster.cli(
        "ray", "job", "submit", "--address", multinode.cluster.dashboard,
        "--working-dir", str(job_dir), "--",
        "python", "-m", "hetumind.batch", "wf.json", "--input", "in.parquet",
        "--output", str(out), "--block-rows", "5000", "--executor", "ray",
        "--json", "--no-progress",
        timeout=300,
    )  # fmt: skip
    multinode.measured["ray job submit batch s"] = round(time.monotonic() - started, 1)
    assert "succeeded" in stdout, stdout[-3000:]
    summary = json.loads(next(ln for ln in stdout.splitlines() if ln.startswith('{"status"')))
    assert summary["status"] == "success" and summary["blocks"] == 4, summary
    assert set(summary["rayNodes"]) == {multinode.node_ids["worker_a"]}, summary["rayNodes"]
    got = [json.loads(x) for x in out.read_text().splitlines()]
    assert got == single_run(doc, data, "Tag")


def test_worker_machine_killed_mid_execution(multinode: App) -> None:
    app, client, cluster = multinode, multinode.client, multinode.cluster
    killed = app.node_ids["worker_a"]
    wf = client.post("/api/v1/workflows", json=_waiting_workflow(6)).json()
    runs = {}
    for n in (1, 2):
        r = client.post(f"/api/v1/workflows/{wf['id']}/run", json={"n": n})
        assert r.status_code == 202, r.text
        runs[r.json()["executionId"]] = n

    def waiting_on_worker_a() -> bool:
        return any(t["state"] == "RUNNING" and t["node_id"] == killed for t in app.segment_tasks())

    wait_until(waiting_on_worker_a, 60, "a Wait running on worker_a")
    cluster.nodes["worker_a"].kill()  # the machine is gone: raylet, workers, agents
    lost_at = time.monotonic()
    # A replacement machine joins with the same resources (as an autoscaler's would):
    # the only other CPU is taken by the app's replicas.
    cluster.start_worker("worker_a")
    fresh = wait_until(lambda: (i := cluster.alive_nodes().get("worker_a")) != killed and i,
                       90, "a new worker_a")  # fmt: skip
    app.measured["worker lost -> replacement node alive s"] = round(time.monotonic() - lost_at, 1)
    for execution_id, n in runs.items():
        done = app.finished(execution_id, timeout=120)
        assert done["status"] == "success", done["error"]
        assert done["runData"]["Double"][0]["outputs"] == [[{"n": n, "double": 2 * n}]]
        assert [len(done["runData"][k]) for k in ("Start", "Wait", "Double")] == [1, 1, 1]
    app.measured["worker lost -> both executions success s"] = round(time.monotonic() - lost_at, 1)
    app.node_ids["worker_a"] = fresh
    # Ray ran the killed segment again, on the new machine (attempt 1 there).
    attempts = [t for t in app.segment_tasks() if t["node_id"] == fresh]
    assert any(t["attempt_number"] >= 1 and t["state"] == "FINISHED" for t in attempts)


class _Prober(threading.Thread):
    """Calls a webhook and /healthz on worker_b's proxy every 0.2 s; keeps each answer."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.results: list[tuple[float, bool]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.url, headers=AUTH, timeout=5) as client:
            while not self.stop.is_set():
                ok = True
                try:
                    r = client.post("/webhook/mn-hello", json={"name": "Cy"})
                    ok = r.status_code == 200 and client.get("/healthz").status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.results.append((time.monotonic(), ok))
                time.sleep(0.2)

    def between(self, start: float, end: float) -> list[bool]:
        return [ok for t, ok in self.results if start <= t <= end]


def test_head_killed_and_restarted(multinode: App) -> None:
    app, client, cluster = multinode, multinode.client, multinode.cluster
    prober = _Prober(app.url("worker_b"))
    prober.start()
    try:
        wait_until(lambda: len(prober.results) >= 5, 30, "probes before the kill")
        workers_before = {w: app.node_ids[w] for w in ("worker_a", "worker_b")}
        cluster.nodes["head"].kill()  # GCS, dashboard, Serve controller, head proxy
        killed_at = time.monotonic()
        time.sleep(3)  # a head pod's restart is not instant either
        restarted_at = time.monotonic()
        cluster.start_head()

        # The same GCS address and Redis namespace: the workers reconnect as themselves.
        def all_three() -> dict[str, str] | None:
            nodes = cluster.alive_nodes()
            return nodes if len(nodes) == 3 else None

        nodes = wait_until(all_three, 120, "3 nodes again")
        back_at = time.monotonic()
        assert {w: nodes[w] for w in workers_before} == workers_before
        wait_until(cluster.serve_running, 120, "the Serve app RUNNING after the restart")
        serve_at = time.monotonic()
        # A new execution, with its node runs on Ray again.
        run_id = client.post("/api/v1/workflows", json=_on_ray(manual_workflow())).json()["id"]
        r = client.post(f"/api/v1/workflows/{run_id}/run", json={"n": 5})
        assert r.status_code == 202, r.text
        done = app.finished(r.json()["executionId"])
        assert done["status"] == "success", done["error"]
        assert done["runData"]["Double"][0]["outputs"] == [[{"n": 5, "double": 10}]]
        done_at = time.monotonic()
    finally:
        prober.stop.set()
        prober.join(10)
    during = prober.between(killed_at, back_at)
    failed = [t for t, ok in prober.results if not ok and t >= killed_at]
    app.measured.update(
        {
            "head down (kill -> new head started) s": round(restarted_at - killed_at, 1),
            "head kill -> 3 nodes alive s": round(back_at - killed_at, 1),
            "head kill -> serve status RUNNING s": round(serve_at - killed_at, 1),
            "head kill -> new Ray execution success s": round(done_at - killed_at, 1),
            "probes while head down/recovering": len(during),
            "probes failed after the kill": len(failed),
            "longest failure span s": round(failed[-1] - failed[0], 1) if failed else 0,
        }
    )
    # Serve kept answering from worker_b's proxy and replicas while there was no head.
    assert any(during), "no webhook answered while the head was down"

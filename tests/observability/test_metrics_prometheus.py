"""The metrics reach a real Prometheus the way a cluster's do: Prometheus scrapes the Ray
node's metrics export port, where Ray publishes what the API replicas and the workers
recorded. Real webhook executions (some failing) through the test server."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hetumind.ai.chat import parse_completion
from serve_app.admission import Admission, Overloaded
from tests.server.helpers import Server, free_port, webhook_workflow

pytestmark = pytest.mark.slow

FAILING = {
    "name": "Fail",
    "type": "n8n-nodes-base.stopAndError",
    "typeVersion": 1,
    "parameters": {"errorMessage": "failing on purpose"},
}


def _metrics_targets() -> list[str]:
    import ray

    return [
        f"127.0.0.1:{n['MetricsExportPort']}"
        for n in ray.nodes()
        if n["Alive"] and n.get("MetricsExportPort")
    ]


@pytest.fixture
def prometheus(server: Server, tmp_path: Path) -> Iterator[httpx.Client]:
    """Prometheus on a free loopback port, scraping the Ray node every second."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("no prometheus binary: run scripts/ensure-prometheus.sh (make test does)")
    targets = _metrics_targets()
    assert targets, "the Ray node exports no metrics port"
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: ray\n    static_configs:\n"
        f"      - targets: [{', '.join(repr(t) for t in targets)}]\n"
    )
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "prometheus.log").open("w"),
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            _until(lambda: _ready(client), 20, "Prometheus did not become ready", tmp_path)
            yield client
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _ready(client: httpx.Client) -> bool:
    try:
        return client.get("/-/ready").status_code == 200
    except httpx.TransportError:
        return False


def _until(check: Any, timeout: float, what: Any, logs: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            tail = (logs / "prometheus.log").read_text()[-2000:] if logs else ""
            pytest.fail(f"{what() if callable(what) else what}\n{tail}")
        time.sleep(0.5)


def _query(client: httpx.Client, expr: str) -> dict[tuple[tuple[str, str], ...], float]:
    """Instant query: {labels (sorted, without __name__): value}."""
    body = client.get("/api/v1/query", params={"query": expr}).json()
    assert body["status"] == "success", body
    return {
        tuple(sorted((k, v) for k, v in r["metric"].items() if k != "__name__")): float(
            r["value"][1]
        )
        for r in body["data"]["result"]
    }


def test_executions_and_node_runs_reach_prometheus(
    server: Server, prometheus: httpx.Client
) -> None:
    ok = server.create(webhook_workflow("metrics-ok", "lastNode"), activate=True)
    failing = webhook_workflow("metrics-fail", "lastNode")
    failing["nodes"].append(FAILING)
    failing["connections"]["Set"] = {"main": [[{"node": "Fail", "type": "main", "index": 0}]]}
    bad = server.create(failing, activate=True)
    for name in ("Ada", "Bo", "Cy"):
        assert server.client.post("/webhook/metrics-ok", json={"name": name}).status_code == 200
    for name in ("Di", "Ed"):
        assert server.client.post("/webhook/metrics-fail", json={"name": name}).status_code >= 400

    # In this process (a Ray driver, as the coordinator of a `ray job` is): an LLM reply's
    # usage, and a replica's admission queue filling up until it refuses.
    parse_completion(
        {
            "model": "metrics-test-model",
            "choices": [{"message": {"content": "hi"}}],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3},
        }
    )
    admission = Admission(max_running=1, max_queued=1)
    assert admission.reserve("w") is None and admission.reserve("w") is not None
    with pytest.raises(Overloaded):
        admission.reserve("w")

    # Ray publishes what each process recorded every few seconds, each on its own clock;
    # Prometheus scrapes every second: wait until every process's share has arrived.
    queries = {
        "executions": "sum by (workflow, status, mode) "
        f'(ray_hetumind_executions_total{{workflow=~"{ok["id"]}|{bad["id"]}"}})',
        # node runs, by type (other tests' runs count too: at least ours are there)
        "runs": "sum by (node_type) (ray_hetumind_node_run_seconds_count)",
        "set_buckets": "sum by (le) "
        '(ray_hetumind_node_run_seconds_bucket{node_type="n8n-nodes-base.set"})',
        "fail_items": "sum by (direction) "
        '(ray_hetumind_node_run_items_total{node_type="n8n-nodes-base.stopAndError"})',
        "tokens": 'sum by (kind) (ray_hetumind_llm_tokens_total{model="metrics-test-model"})',
        "queue": "max(ray_hetumind_queue_depth)",
        "refusals": "sum by (reason) (ray_hetumind_admission_refusals_total)",
        "latency": "sum by (method) (ray_hetumind_webhook_latency_seconds_count)",
    }
    expected = {
        (("mode", "webhook"), ("status", "success"), ("workflow", ok["id"])): 3.0,
        (("mode", "webhook"), ("status", "error"), ("workflow", bad["id"])): 2.0,
    }

    def snapshot() -> dict[str, dict[Any, float]]:
        return {name: _query(prometheus, expr) for name, expr in queries.items()}

    def complete(got: dict[str, dict[Any, float]]) -> bool:
        return (
            got["executions"] == expected
            and got["fail_items"].get((("direction", "in"),), 0) >= 2
            and len(got["tokens"]) == 2
            and got["queue"].get((), 0) >= 1
            and got["refusals"].get((("reason", "queue_full"),), 0) >= 1
            and got["latency"].get((("method", "POST"),), 0) >= 5
        )

    _until(lambda: complete(snapshot()), 35, lambda: f"not all arrived: {snapshot()}")
    got = snapshot()
    assert got["executions"] == expected
    runs = got["runs"]
    assert runs[(("node_type", "n8n-nodes-base.webhook"),)] >= 5
    assert runs[(("node_type", "n8n-nodes-base.set"),)] >= 5
    assert runs[(("node_type", "n8n-nodes-base.stopAndError"),)] >= 2
    assert got["set_buckets"][(("le", "+Inf"),)] == runs[(("node_type", "n8n-nodes-base.set"),)]
    assert got["fail_items"][(("direction", "in"),)] >= 2
    assert got["tokens"] == {(("kind", "prompt"),): 7.0, (("kind", "completion"),): 3.0}
    assert got["queue"][()] >= 1
    assert got["refusals"][(("reason", "queue_full"),)] >= 1
    assert got["latency"][(("method", "POST"),)] >= 5

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


def _until(check: Any, timeout: float, what: str, logs: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            tail = (logs / "prometheus.log").read_text()[-2000:] if logs else ""
            pytest.fail(f"{what}\n{tail}")
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

    # Ray publishes what processes recorded every few seconds; Prometheus scrapes each second.
    by_workflow = (
        "sum by (workflow, status, mode) "
        f'(ray_hetumind_executions_total{{workflow=~"{ok["id"]}|{bad["id"]}"}})'
    )
    expected = {
        (("mode", "webhook"), ("status", "success"), ("workflow", ok["id"])): 3.0,
        (("mode", "webhook"), ("status", "error"), ("workflow", bad["id"])): 2.0,
    }
    got = _until(
        lambda: (r := _query(prometheus, by_workflow)) == expected and r,
        35,
        f"executions never showed as {expected}: {_query(prometheus, by_workflow)}",
    )
    assert got == expected

    # Node runs, by type (other tests' runs count too: at least ours are there).
    runs = _query(prometheus, "sum by (node_type) (ray_hetumind_node_run_seconds_count)")
    assert runs[(("node_type", "n8n-nodes-base.webhook"),)] >= 5
    assert runs[(("node_type", "n8n-nodes-base.set"),)] >= 5
    assert runs[(("node_type", "n8n-nodes-base.stopAndError"),)] >= 2
    buckets = _query(
        prometheus,
        'sum by (le) (ray_hetumind_node_run_seconds_bucket{node_type="n8n-nodes-base.set"})',
    )
    assert buckets[(("le", "+Inf"),)] == runs[(("node_type", "n8n-nodes-base.set"),)]
    items = _query(
        prometheus,
        "sum by (direction) "
        '(ray_hetumind_node_run_items_total{node_type="n8n-nodes-base.stopAndError"})',
    )
    assert items[(("direction", "in"),)] >= 2 and (("direction", "out"),) not in items
    latency = _query(prometheus, "sum by (method) (ray_hetumind_webhook_latency_seconds_count)")
    assert latency[(("method", "POST"),)] >= 5

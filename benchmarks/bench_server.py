"""Webhook throughput: Hetumind's Serve app against a bare Ray Serve echo (the floor),
and against a real n8n 1.123 in the same run.

A webhook -> set workflow (responseMode lastNode, execution data saved to the embedded
SQLite store and blob directory; n8n saves to its default SQLite as well) under
closed-loop load from a second process on loopback, at 1 and 16 concurrent clients.
Reported: requests per second and p50/p99 latency; `run()` returns seconds per request
(1 / throughput). HETUMIND_BENCH_N8N=0 leaves n8n out.

Reference figures on the lead's machine (README of the issue): the Serve echo floor gave
153 req/s (p50 6 ms) at 1 client and 86 req/s (p50 151 ms, p99 708 ms) at 16; n8n 1.123
with the same workflow gave 63 req/s (p50 15 ms) and 70 req/s (p50 226 ms).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CLIENTS = (1, 16)
DURATION_S = float(os.environ.get("HETUMIND_BENCH_SECONDS", "8"))
WARMUP_S = 2.0

WORKFLOW: dict[str, Any] = {
    "name": "bench webhook",
    "nodes": [
        {
            "name": "Webhook",
            "type": "n8n-nodes-base.webhook",
            "typeVersion": 2,
            # n8n registers production paths by webhookId; without one it prefixes the path
            "webhookId": "5b0f7a52-1a1c-4d8e-9a51-6f3f2c1e0b11",
            "position": [0, 0],
            "parameters": {"httpMethod": "POST", "path": "bench", "responseMode": "lastNode"},
        },
        {
            "name": "Set",
            "type": "n8n-nodes-base.set",
            "typeVersion": 3.4,
            "position": [200, 0],
            "parameters": {
                "assignments": {
                    "assignments": [
                        {
                            "id": "a1",
                            "name": "greeting",
                            "value": "=Hello {{ $json.body.name }}",
                            "type": "string",
                        },
                        {
                            "id": "a2",
                            "name": "n",
                            "value": "={{ $json.body.n * 2 }}",
                            "type": "number",
                        },
                    ]
                },
                "options": {},
            },
        },
    ],
    "connections": {
        "Webhook": {"main": [[{"node": "Set", "type": "main", "index": 0}]]},
    },
}
"""Webhook -> Set, answered with the last node's first item (responseMode lastNode). Not
Webhook -> Set -> Respond to Webhook: n8n refuses a Respond node under lastNode."""

N8N_HOME = Path(os.environ.get("N8N_ORACLE_HOME", str(Path.home() / ".cache" / "n8n-oracle")))
N8N_ID = "hetumindBench001"

# The load generator runs in its own process so it does not share the server's GIL.
LOAD = r"""
import asyncio, json, sys, time
import httpx

url, clients = sys.argv[1], int(sys.argv[2])
duration, warmup = float(sys.argv[3]), float(sys.argv[4])
body = json.dumps({"name": "Ada", "n": 21}).encode()
headers = {"content-type": "application/json"}

async def client(c, stop_at, measure_from, latencies, errors):
    while True:
        t0 = time.perf_counter()
        if t0 >= stop_at:
            return
        r = await c.post(url, content=body, headers=headers)
        t1 = time.perf_counter()
        if r.status_code != 200:
            errors.append(r.status_code)
        elif t0 >= measure_from:
            latencies.append(t1 - t0)

async def main():
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=60) as c:
        start = time.perf_counter()
        measure_from, stop_at = start + warmup, start + warmup + duration
        latencies, errors = [], []
        await asyncio.gather(*(client(c, stop_at, measure_from, latencies, errors)
                               for _ in range(clients)))
    latencies.sort()
    n = len(latencies)
    print(json.dumps({
        "rps": n / duration,
        "p50": latencies[n // 2] if n else None,
        "p99": latencies[min(n - 1, int(n * 0.99))] if n else None,
        "errors": len(errors),
    }))

asyncio.run(main())
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load(url: str, clients: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", LOAD, url, str(clients), str(DURATION_S), str(WARMUP_S)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    if result["errors"]:
        raise RuntimeError(f"{url}: {result['errors']} failed requests")
    return result


def _n8n_env(folder: Path, port: int) -> dict[str, str]:
    return dict(
        os.environ,
        N8N_USER_FOLDER=str(folder),
        N8N_PORT=str(port),
        N8N_LISTEN_ADDRESS="127.0.0.1",
        N8N_DIAGNOSTICS_ENABLED="false",
        N8N_VERSION_NOTIFICATIONS_ENABLED="false",
        N8N_PERSONALIZATION_ENABLED="false",
        N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS="false",
        N8N_RUNNERS_ENABLED="false",
        N8N_LOG_LEVEL="warn",
        # isolated-vm (the default "vm" engine) does not build here: n8n-oracle's choice too
        N8N_EXPRESSION_ENGINE="legacy",
    )


def measure_n8n() -> dict[str, dict[str, float]]:
    """The same workflow on a real n8n (`n8n start`, its default SQLite and execution
    saving), imported and activated through its CLI. {} with a message on stderr when
    n8n is not installed (../shared/tools/n8n-oracle install)."""
    import httpx

    n8n = N8N_HOME / "node_modules" / ".bin" / "n8n"
    if not n8n.exists():
        print(f"n8n not measured: {n8n} is missing", file=sys.stderr)
        return {}
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="hetumind-bench-n8n-") as tmp:
        port = _free_port()
        env = _n8n_env(Path(tmp) / "user", port)
        doc = Path(tmp) / "workflow.json"
        doc.write_text(json.dumps([{**WORKFLOW, "id": N8N_ID, "settings": {}}]))
        for args in (
            ["import:workflow", f"--input={doc}"],
            ["update:workflow", f"--id={N8N_ID}", "--active=true"],
        ):
            subprocess.run([str(n8n), *args], env=env, check=True, capture_output=True)
        server = subprocess.Popen(
            [str(n8n), "start"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            url = f"http://127.0.0.1:{port}/webhook/bench"
            deadline = time.monotonic() + 120
            while True:  # up once the workflow's webhook answers
                try:
                    if httpx.post(url, json={"name": "Ada", "n": 21}, timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("n8n did not start serving the webhook")
                time.sleep(1.0)
            for clients in CLIENTS:
                results[f"n8n 1.123 webhook, {clients} client(s)"] = load(url, clients)
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
    return results


def _echo_app() -> Any:
    from ray import serve
    from starlette.requests import Request

    @serve.deployment(ray_actor_options={"num_cpus": 0.1}, max_ongoing_requests=200)
    class Echo:
        async def __call__(self, request: Request) -> Any:
            return await request.json()

    return Echo.bind()  # type: ignore[attr-defined]


def measure() -> dict[str, dict[str, float]]:
    """{variant: {rps, p50, p99}} for the echo floor and Hetumind, at 1 and 16 clients."""
    import httpx
    import ray
    from ray import serve

    home = tempfile.mkdtemp(prefix="hetumind-bench-")
    os.environ["HETUMIND_HOME"] = home
    own_ray = not ray.is_initialized()
    if own_ray:
        # Our own local Ray: never join a cluster someone else started on this machine.
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")
        ray.init(address="local", include_dashboard=False, logging_level=logging.WARNING)
    port = _free_port()
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    base = f"http://127.0.0.1:{port}"
    results: dict[str, dict[str, float]] = {}
    try:
        serve.run(_echo_app(), name="echo", route_prefix="/echo")
        for clients in CLIENTS:
            results[f"Serve echo floor, {clients} client(s)"] = load(f"{base}/echo", clients)
        serve.delete("echo")

        from serve_app import ServerSettings, build_app

        # The API needs a principal: a key provisioned for the owner at first start.
        owner_key = "hmk_bench_" + "k" * 40
        auth = {"X-HETUMIND-API-KEY": owner_key}
        settings = ServerSettings.from_env(
            {"HETUMIND_HOME": home, "HETUMIND_OWNER_API_KEY": owner_key}
        )
        serve.run(build_app(settings), name="hetumind", route_prefix="/")
        with httpx.Client(base_url=base, timeout=60, headers=auth) as c:
            wf = c.post("/api/v1/workflows", json=WORKFLOW).json()
            c.post(f"/api/v1/workflows/{wf['id']}/activate").raise_for_status()
        for clients in CLIENTS:
            results[f"Hetumind webhook, {clients} client(s)"] = load(
                f"{base}/webhook/bench", clients
            )
        time.sleep(1.0)  # the last runs' data is written after their responses
        with httpx.Client(base_url=base, timeout=60, headers=auth) as c:
            saved = c.get("/api/v1/executions", params={"limit": 5}).json()["data"]
            if not saved or not all(e["dataSaved"] for e in saved):
                raise RuntimeError(f"execution data was not saved: {saved}")
        # The same app scaled out: one more replica process (and GIL) for the API.
        serve.run(build_app(settings, replicas=2), name="hetumind", route_prefix="/")
        results["Hetumind webhook, 2 API replicas, 16 client(s)"] = load(
            f"{base}/webhook/bench", 16
        )
    finally:
        serve.shutdown()
        if own_ray:
            ray.shutdown()
    # n8n last, on a machine without our servers running.
    if os.environ.get("HETUMIND_BENCH_N8N", "1") != "0":
        try:
            results.update(measure_n8n())
        except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
            # Our rows stand on their own; say why n8n's are missing.
            print(f"n8n not measured: {exc}", file=sys.stderr)
    return results


def run() -> dict[str, float]:
    """Seconds per request for each variant (the echo floor first)."""
    results = measure()
    return {name: 1.0 / r["rps"] for name, r in results.items()}


def main() -> None:
    results = measure()
    print(
        f"| variant | req/s | p50 | p99 |  ({DURATION_S:g} s per variant, {os.cpu_count()} cores)"
    )
    print("|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['rps']:.0f} | {r['p50'] * 1000:.1f} ms | {r['p99'] * 1000:.1f} ms |")


if __name__ == "__main__":
    main()

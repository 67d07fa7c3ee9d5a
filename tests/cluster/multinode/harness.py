"""A Ray cluster of three nodes on one machine, as `ray start` builds one on three.

A head (no CPUs for tasks, the dashboard, GCS fault tolerance on a private Redis) and two
worker raylets, each with a temp dir, ports and a custom resource of its own (`head`,
`worker_a`, `worker_b`), so that where a task or replica ran is visible. Every Ray process
runs with Ray's token authentication, as `hetumind serve` runs its embedded Ray.

Each node is a `ray start --block` in a process group of its own: SIGKILL of that group is
the node's machine dying. Nothing here uses `ray stop`, which stops every Ray on the
machine; shutdown kills, by pid, only the processes this harness started.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
STORAGE_NAMESPACE = "hetumind-multinode"
WORKERS = ("worker_a", "worker_b")

__all__ = [
    "ROOT",
    "WORKERS",
    "App",
    "Cluster",
    "CommandFailed",
    "free_port",
    "multinode",
    "wait_until",
]


class CommandFailed(subprocess.SubprocessError):
    """A Ray CLI command exited non-zero (wait_until retries these)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except (httpx.HTTPError, OSError, subprocess.SubprocessError, ValueError):
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        time.sleep(0.5)


@dataclass
class RayNode:
    """One `ray start --block` process group: its name, resource and ports."""

    name: str
    temp_dir: Path
    args: list[str]
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    pids: set[int] = field(default_factory=set)

    def start(self) -> None:
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        with (self.temp_dir / "ray-start.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [str(BIN / "ray"), "start", "--block", *self.args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: killpg is the machine dying
            )

    def processes(self) -> list[psutil.Process]:
        """The node's live processes: its group, and descendants that left it."""
        if self.proc is None:
            return []
        found: dict[int, psutil.Process] = {}
        try:
            root = psutil.Process(self.proc.pid)
            for p in [root, *root.children(recursive=True)]:
                found[p.pid] = p
        except psutil.NoSuchProcess:
            pass
        for p in psutil.process_iter():
            try:
                if os.getpgid(p.pid) == self.proc.pid:
                    found[p.pid] = p
            except (ProcessLookupError, psutil.Error):
                pass
        self.pids.update(found)
        return list(found.values())

    def kill(self) -> None:
        """SIGKILL every process of the node at once (its machine is gone)."""
        procs = self.processes()
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        for p in procs:
            with contextlib.suppress(psutil.Error):
                p.kill()
        psutil.wait_procs(procs, timeout=10)
        if self.proc is not None:
            self.proc.wait(10)

    def terminate(self) -> list[psutil.Process]:
        """SIGTERM (`ray start --block` then stops its node); returns what to wait for."""
        procs = self.processes()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
        return procs

    def log_tail(self) -> str:
        path = self.temp_dir / "ray-start.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


class Cluster:
    """Redis, a head and two workers; `close()` undoes everything, also after a failure.

    Attributes:
        gcs: the head's GCS address (host:port), which a restarted head keeps.
        dashboard: the dashboard's URL (`serve deploy`, `ray job submit`, the state API).
        http_port: the head proxy's port; `proxy_port[worker]` each worker proxy's.
    """

    def __init__(self) -> None:
        # short: Ray's unix socket paths live under the temp dir (108-byte limit)
        self.root = Path(tempfile.mkdtemp(prefix="hmn-", dir="/tmp"))
        self.redis_port = free_port()
        self.gcs = f"127.0.0.1:{free_port()}"
        self.dashboard_port = free_port()
        self.dashboard = f"http://127.0.0.1:{self.dashboard_port}"
        self.http_port = free_port()
        self.grpc_port = free_port()
        self.proxy_port = {w: free_port() for w in WORKERS}
        token = self.root / "ray-auth-token"
        token.write_text(secrets.token_hex(32))
        token.chmod(0o600)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("RAY_", "HETUMIND_"))},
            # the same token authentication as `hetumind serve`'s embedded Ray
            "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN_PATH": str(token),
            "RAY_USAGE_STATS_ENABLED": "0",
            "PYTHONPATH": str(ROOT),  # serve_app next to hetumind, as in the checkout
            # as if the venv were activated: a job's `python` is the cluster's Python
            "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
        }
        self.redis: subprocess.Popen[bytes] | None = None
        self.nodes: dict[str, RayNode] = {}
        """The current node of each name (a restarted node replaces the killed one)."""
        self.started: list[RayNode] = []
        """Every node ever started here, for shutdown and the leftover check."""

    # -- processes -----------------------------------------------------------------------

    def start(self) -> None:
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.redis_port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.root),
            ],
            stdout=(self.root / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(self._redis_up, 20, "redis-server")
        self.start_head()
        for worker in WORKERS:
            self.start_worker(worker)
        wait_until(lambda: len(self.alive_nodes()) == 3, 90, "three nodes alive")

    def _redis_up(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    def _node(self, name: str, args: list[str], env: Mapping[str, str]) -> RayNode:
        node = RayNode(
            name=name,
            temp_dir=self.root / f"{name}-{len(self.started)}",
            args=[
                *args,
                "--node-ip-address", "127.0.0.1",
                "--object-store-memory", str(80 * 1024 * 1024),
                "--node-manager-port", str(free_port()),
                "--object-manager-port", str(free_port()),
                "--metrics-export-port", str(free_port()),
                "--dashboard-agent-listen-port", str(free_port()),
                "--dashboard-agent-grpc-port", str(free_port()),
                "--runtime-env-agent-port", str(free_port()),
                "--disable-usage-stats",
            ],
            env={**self.env, **env},
        )  # fmt: skip
        node.args += ["--temp-dir", str(node.temp_dir)]
        node.start()
        self.nodes[name] = node
        self.started.append(node)
        return node

    def start_head(self) -> RayNode:
        """The head, on the GCS port and Redis namespace a restarted head reuses."""
        port = self.gcs.rsplit(":", 1)[1]
        return self._node(
            "head",
            [
                "--head",
                "--port", port,
                "--num-cpus", "0",  # tasks and replicas run on the workers
                "--resources", json.dumps({"head": 1}),
                "--include-dashboard", "true",
                "--dashboard-host", "127.0.0.1",
                "--dashboard-port", str(self.dashboard_port),
                "--ray-client-server-port", str(free_port()),
            ],
            {
                "RAY_REDIS_ADDRESS": f"127.0.0.1:{self.redis_port}",
                "RAY_external_storage_namespace": STORAGE_NAMESPACE,
            },
        )  # fmt: skip

    def start_worker(self, name: str) -> RayNode:
        return self._node(
            name,
            ["--address", self.gcs, "--num-cpus", "1", "--resources", json.dumps({name: 1})],
            {
                # proxies share the machine: each worker's on a port of its own
                "RAY_SERVE_WORKER_PROXY_HTTP_PORT": str(self.proxy_port[name]),
                "RAY_SERVE_WORKER_PROXY_GRPC_PORT": str(free_port()),
            },
        )

    def close(self) -> None:
        # all nodes at once (one by one takes ~15 s each), SIGKILL for what lingers
        procs = [p for node in self.started for p in node.terminate()]
        _, alive = psutil.wait_procs(procs, timeout=10)
        for p in alive:
            with contextlib.suppress(psutil.Error):
                p.kill()
        psutil.wait_procs(alive, timeout=5)
        for node in self.started:
            if node.proc is not None and node.proc.poll() is None:
                node.proc.kill()
                node.proc.wait(5)
        if self.redis is not None and self.redis.poll() is None:
            self.redis.terminate()
            try:
                self.redis.wait(10)
            except subprocess.TimeoutExpired:
                self.redis.kill()
                self.redis.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def leftovers(self) -> list[str]:
        """Processes of any node ever started here that still run (should be none)."""
        alive = []
        for node in self.started:
            for pid in node.pids:
                try:
                    p = psutil.Process(pid)
                    if p.status() != psutil.STATUS_ZOMBIE:
                        alive.append(f"{pid} {' '.join(p.cmdline())[:100]}")
                except psutil.Error:
                    pass
        return alive

    # -- Ray's own clients ---------------------------------------------------------------

    def cli(self, *args: str, timeout: float = 120, check: bool = True) -> str:
        """A Ray CLI command (`ray ...`, `serve ...`) against this cluster."""
        proc = subprocess.run(
            [str(BIN / args[0]), *args[1:]],
            env={**self.env, "RAY_ADDRESS": self.dashboard},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and proc.returncode != 0:
            raise CommandFailed(
                f"{' '.join(args)}: exit {proc.returncode}\n"
                f"{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
            )
        return proc.stdout

    def state(self, kind: str, *filters: str) -> list[dict[str, Any]]:
        """`ray list KIND` from the state API (the dashboard), as JSON rows."""
        args = ["ray", "list", kind, "--address", self.dashboard, "--format", "json"]
        args += ["--detail", "--limit", "10000"]
        for f in filters:
            args += ["--filter", f]
        out = self.cli(*args, timeout=60)
        if out.startswith("No resource"):  # what `ray list` prints for none
            return []
        rows: list[dict[str, Any]] = json.loads(out)
        return rows

    def alive_nodes(self) -> dict[str, str]:
        """Custom resource name (head, worker_a, worker_b) -> Ray node id, alive only."""
        found = {}
        for row in self.state("nodes", "state=ALIVE"):
            for name in ("head", *WORKERS):
                if name in (row.get("resources_total") or {}):
                    found[name] = row["node_id"]
        return found

    # -- the app -------------------------------------------------------------------------

    def deploy(self, env_vars: Mapping[str, str], pin: str) -> Path:
        """`serve deploy` of serve_app/config.yaml, as shipped except: the ports of this
        cluster, the app's settings in runtime_env.env_vars, and every deployment pinned
        to the `pin` worker (the other one is the compute node a test may kill)."""
        config = yaml.safe_load((ROOT / "serve_app" / "config.yaml").read_text())
        config["http_options"]["port"] = self.http_port
        config["http_options"]["host"] = "127.0.0.1"
        config["grpc_options"]["port"] = self.grpc_port
        app = config["applications"][0]
        app["runtime_env"] = {"env_vars": dict(env_vars)}
        for deployment in app["deployments"]:
            deployment["ray_actor_options"]["resources"] = {pin: 0.01}
        path = self.root / "serve-config.yaml"
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        self.cli("serve", "deploy", str(path), "--address", self.dashboard)
        return path

    def serve_running(self) -> bool:
        status = yaml.safe_load(self.cli("serve", "status", "--address", self.dashboard))
        apps = status.get("applications") or {}
        return bool(apps.get("hetumind", {}).get("status") == "RUNNING")


# -- pytest fixtures ---------------------------------------------------------------------

PG_ADMIN = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "database": "postgres"}


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(**PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@dataclass
class App:
    """The deployed app: a client on worker_b's proxy (the API node), the cluster."""

    cluster: Cluster
    client: httpx.Client
    node_ids: dict[str, str]
    """head / worker_a / worker_b -> the Ray node id they had when the app came up."""
    measured: dict[str, Any] = field(default_factory=dict)

    def url(self, node: str) -> str:
        port = self.cluster.http_port if node == "head" else self.cluster.proxy_port[node]
        return f"http://127.0.0.1:{port}"

    def finished(self, execution_id: str, timeout: float = 120) -> dict[str, Any]:
        def check() -> dict[str, Any] | None:
            r = self.client.get(
                f"/api/v1/executions/{execution_id}", params={"includeData": "true"}
            )
            body: dict[str, Any] = r.json() if r.status_code == 200 else {}
            return body if body.get("finished") else None

        result: dict[str, Any] = wait_until(check, timeout, f"execution {execution_id}")
        return result

    def segment_tasks(self) -> list[dict[str, Any]]:
        """Every attempt of the engine's node-run task the cluster remembers."""
        return self.cluster.state("tasks", "func_or_class_name=_run_segment_task")


@pytest.fixture(scope="module")
def multinode() -> Iterator[App]:
    """One cluster for the module: Redis, head, worker_a (compute), worker_b (the app's
    replicas), the app deployed with `serve deploy` on a PostgreSQL database of its own.
    Torn down whatever the tests did; a process left running fails the teardown."""
    from tests.server.helpers import AUTH, OWNER_KEY

    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (Debian package redis-server)")
    db = f"hetumind_multinode_{secrets.token_hex(6)}"
    try:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{db}"'))
    except OSError as exc:
        pytest.fail(f"PostgreSQL is not reachable on 127.0.0.1:5432 ({exc})")
    cluster = Cluster()
    client = httpx.Client(base_url=f"http://127.0.0.1:{cluster.proxy_port['worker_b']}",
                          headers=AUTH, timeout=60)  # fmt: skip
    try:
        started = time.monotonic()
        cluster.start()
        home = cluster.root / "home"  # blobs: one machine, so one directory for all nodes
        home.mkdir()
        cluster.deploy(
            {
                "HETUMIND_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{db}",
                "HETUMIND_HOME": str(home),
                "HETUMIND_OWNER_API_KEY": OWNER_KEY,
                "HETUMIND_PUBLIC_URL": str(client.base_url).rstrip("/"),
            },
            pin="worker_b",
        )
        wait_until(cluster.serve_running, 240, "serve deploy: application RUNNING")
        wait_until(lambda: client.get("/healthz").status_code == 200, 60, "API on worker_b")
        app = App(cluster, client, cluster.alive_nodes())
        app.measured["cluster up and app RUNNING s"] = round(time.monotonic() - started, 1)
        yield app
        print(f"\nmulti-node harness measured: {json.dumps(app.measured)}")
    finally:
        client.close()
        cluster.close()
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
    left = cluster.leftovers()
    assert not left, f"processes left running: {left}"

"""Two Ray nodes on this machine (one CPU each): blocks run on both, output unchanged."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.batch.helpers import chain, single_run, table
from tests.batch.test_equality import BIG, SCORE, TAG, TRIGGER

RAY = str(Path(sys.executable).with_name("ray"))


def _free_ports(n: int) -> list[int]:
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [int(s.getsockname()[1]) for s in socks]
    for s in socks:
        s.close()
    return ports


def _node_args() -> list[str]:
    p = _free_ports(6)
    return [
        "--num-cpus", "1", "--block", "--disable-usage-stats",
        "--node-manager-port", str(p[0]), "--object-manager-port", str(p[1]),
        "--dashboard-agent-listen-port", str(p[2]), "--dashboard-agent-grpc-port", str(p[3]),
        "--metrics-export-port", str(p[4]), "--runtime-env-agent-port", str(p[5]),
    ]  # fmt: skip


def _wait_for_nodes(address: str, count: int, env: dict[str, str]) -> None:
    probe = (
        f"import ray; ray.init(address={address!r}, logging_level='ERROR'); "
        "print(sum(1 for n in ray.nodes() if n['Alive']))"
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        proc = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120
        )
        lines = proc.stdout.strip().splitlines()
        if proc.returncode == 0 and lines and int(lines[-1]) >= count:
            return
        time.sleep(2)
    raise AssertionError(f"the cluster at {address} never had {count} nodes")


@pytest.fixture
def two_node_cluster(tmp_path: Path) -> Iterator[str]:
    port, client_port = _free_ports(2)
    # A private temp dir keeps this cluster out of /tmp/ray/ray_current_cluster, where
    # other processes' ray.init() would look for one to join.
    temp_dir = tempfile.mkdtemp(prefix="hb", dir="/tmp")
    address = f"127.0.0.1:{port}"
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    env.pop("RAY_ADDRESS", None)
    procs = [
        subprocess.Popen(
            [RAY, "start", "--head", "--port", str(port), "--node-ip-address", "127.0.0.1",
             "--include-dashboard=false", "--temp-dir", temp_dir,
             "--ray-client-server-port", str(client_port),
             *_node_args()],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
    ]  # fmt: skip
    try:
        time.sleep(8)
        procs.append(
            subprocess.Popen(
                [RAY, "start", "--address", address, "--node-ip-address", "127.0.0.1",
                 *_node_args()],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )  # fmt: skip
        _wait_for_nodes(address, 2, env)
        yield address
    finally:
        for proc in reversed(procs):  # `ray start --block` stops its node's processes
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
        shutil.rmtree(temp_dir, ignore_errors=True)


@pytest.mark.slow
def test_blocks_run_on_both_nodes(two_node_cluster: str, tmp_path: Path) -> None:
    doc = chain(TRIGGER, SCORE, BIG, TAG)
    wf = tmp_path / "wf.json"
    wf.write_text(json.dumps(doc))
    data = table(6_000)
    pq.write_table(data, tmp_path / "in.parquet")
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    proc = subprocess.run(
        [sys.executable, "-m", "hetumind.batch", str(wf), "--input", str(tmp_path / "in.parquet"),
         "--output", str(out), "--address", two_node_cluster, "--block-rows", "250",
         "--json", "--no-progress"],
        capture_output=True, text=True, timeout=400, env=env, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["blocks"] == 24
    assert len(summary["rayNodes"]) == 2, summary["rayNodes"]
    got = [json.loads(x) for x in out.read_text().splitlines()]
    assert got == single_run(doc, data, "Tag")

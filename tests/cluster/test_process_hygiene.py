"""Process hygiene of `hetumind serve` (issue 18): its embedded Ray dies with it.

A real server subprocess is SIGKILLed, as an OOM killer or `kill -9` would, and every
process it had started (GCS, raylet, workers, Serve replicas, the dashboard and runtime-env
agents) must be gone shortly after, so that nothing keeps running or writing logs.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.chaos.server_process import ServerProcess
from tests.server.helpers import free_port

GONE_WITHIN_SECONDS = 10.0  # SIGTERM, then SIGKILL after the reaper's 2 s grace


def _descendants(pid: int) -> list[psutil.Process]:
    """The server's processes, minus the reaper (which exits once it has done its job)."""
    found = []
    for proc in psutil.Process(pid).children(recursive=True):
        try:
            if "hetumind.cli.ray_reaper" not in " ".join(proc.cmdline()):
                found.append(proc)
        except psutil.NoSuchProcess:
            pass
    return found


def _survivors(procs: list[psutil.Process]) -> list[str]:
    """Processes still running (is_running() also checks the start time: a reused pid is
    not a survivor)."""
    alive = []
    for proc in procs:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{proc.pid} {' '.join(proc.cmdline())[:120]}")
        except psutil.NoSuchProcess:
            pass
    return alive


def _wait_gone(procs: list[psutil.Process]) -> list[str]:
    deadline = time.monotonic() + GONE_WITHIN_SECONDS
    while (alive := _survivors(procs)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return alive


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    srv = ServerProcess(tmp_path, free_port())
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def _ray_processes(server: ServerProcess) -> list[psutil.Process]:
    assert server.proc is not None
    procs = _descendants(server.proc.pid)
    names = " ".join(p.name() for p in procs)
    # the embedded Ray really is there (else the test would prove nothing)
    assert "raylet" in names and "gcs_server" in names, names
    return procs


@pytest.mark.slow
@pytest.mark.system
@pytest.mark.parametrize("target", ["process group", "server process alone"])
def test_sigkill_leaves_no_ray_process_behind(server: ServerProcess, target: str) -> None:
    procs = _ray_processes(server)
    assert server.proc is not None
    if target == "process group":
        server.kill()
    else:
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait()
    alive = _wait_gone(procs)
    assert not alive, f"{len(alive)} of {len(procs)} Ray processes outlived the server:\n" + (
        "\n".join(alive)
    )


def test_the_server_joins_only_the_ray_it_is_told_to(monkeypatch: pytest.MonkeyPatch) -> None:
    from hetumind.cli.serve import ray_address

    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    assert ray_address(None) == "local"  # never a cluster Ray finds recorded on the machine
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.5:6380")
    assert ray_address(None) == "10.0.0.5:6380"
    assert ray_address("ray://head:10001") == "ray://head:10001"  # --address wins

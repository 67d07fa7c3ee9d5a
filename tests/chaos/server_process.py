"""A real `hetumind serve` subprocess that the chaos tests start, kill and restart.

It runs in a process group of its own, so that SIGKILL takes down the API, the executors
and its Ray together, as losing the machine would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from tests.server.helpers import OWNER_KEY

__all__ = ["ServerProcess"]


class ServerProcess:
    """`hetumind serve` on `port` with HETUMIND_HOME `home` (its log: home/server.log),
    beating and sweeping every second unless `default_beats`; `env` adds to or overrides
    its environment."""

    def __init__(
        self,
        home: Path,
        port: int,
        env: Mapping[str, str] | None = None,
        *,
        default_beats: bool = False,
    ) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self._port = port
        beats = {"HETUMIND_HEARTBEAT_SECONDS": "1", "HETUMIND_RESUME_SWEEP_SECONDS": "1"}
        self._env = {
            **{
                k: v
                for k, v in os.environ.items()
                if k != "RAY_ADDRESS" and not (default_beats and k in beats)
            },
            "HETUMIND_HOME": str(home),
            "HETUMIND_NUM_CPUS": "2",
            # the counting servers these tests notify listen on loopback, which server
            # mode refuses unless allow-listed (hetumind.capabilities)
            "HETUMIND_ALLOWED_HOSTS": "127.0.0.1",
            # the API needs a principal: the clients act as the owner (tests/server/helpers)
            "HETUMIND_OWNER_API_KEY": OWNER_KEY,
            **({} if default_beats else beats),
            **(env or {}),
        }
        self._log = home / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self._log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "hetumind.cli.main", "serve", "--port", str(self._port)],
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: Ray dies with it
            )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.proc.poll() is None, self.log_tail()
            time.sleep(0.5)
        raise AssertionError("server did not start:\n" + self.log_tail())

    def log_tail(self) -> str:
        return self._log.read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

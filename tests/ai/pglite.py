"""A real PostgreSQL with pgvector for the PGVector store tests: PGlite (PostgreSQL 18
compiled to WebAssembly) with its pgvector extension, served on a loopback port by
@electric-sql/pglite-socket, installed by scripts/ensure-pglite.sh (make test runs it).
Debian's packages here have no pgvector for the system PostgreSQL."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def pglite_dir() -> Path:
    explicit = os.environ.get("HETUMIND_PGLITE_DIR")
    if explicit:
        return Path(explicit)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "hetumind-pglite"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PGliteServer:
    """`with PGliteServer() as pg:` a fresh in-memory database at `pg.credential`."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def credential(self) -> dict[str, Any]:
        """n8n's postgres credential data for this server."""
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "database": "postgres",
            "user": "postgres",
            "password": "postgres",
        }

    def __enter__(self) -> PGliteServer:
        script = pglite_dir() / "node_modules/@electric-sql/pglite-socket/dist/scripts/server.js"
        if not script.exists():
            subprocess.run(["sh", str(ROOT / "scripts/ensure-pglite.sh")], check=True)
        node = shutil.which("node")
        assert node, "node (Debian's nodejs) is needed to run PGlite"
        self.process = subprocess.Popen(
            [
                node,
                str(script),
                "--port",
                str(self.port),
                "--max-connections",
                "16",
                "--extensions",
                "@electric-sql/pglite-pgvector:vector",
            ],
            cwd=pglite_dir(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"PGlite exited: {self.process.stderr.read().decode()!r}")  # type: ignore[union-attr]
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("PGlite did not listen within 60 s")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

"""A private PostgreSQL cluster for tests that stop the database on purpose.

The machine's shared PostgreSQL (127.0.0.1:5432) serves every other test, so outages are
staged on a cluster of our own: `initdb` into a temporary folder, `pg_ctl start` on a
free port, trust auth, no Unix socket. PostgreSQL refuses to run as root, so when the
tests run as root the cluster belongs to the `postgres` user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.server.helpers import free_port

__all__ = ["PrivatePostgres", "private_postgres"]

BIN = Path(os.environ.get("HETUMIND_PG_BIN", "/usr/lib/postgresql/15/bin"))


class PrivatePostgres:
    """One cluster: `url` for Hetumind, `stop()` and `start()` to stage an outage."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = port
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
        self._as: dict[str, Any] = {}
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(folder, user.pw_uid, user.pw_gid)
            self._as = {"user": user.pw_uid, "group": user.pw_gid}

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            args, capture_output=True, text=True, check=False, timeout=120, **self._as
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")

    def init(self) -> None:
        self._run(
            str(BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c max_connections=200"
        )
        log = str(self.folder / "postgres.log")
        self._run(
            str(BIN / "pg_ctl"), "-D", str(self.data), "-l", log, "-o", options, "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        """`fast`: roll back open transactions and cut every connection, as an outage does."""
        self._run(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A started cluster, stopped and deleted afterwards."""
    if not (BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL server binaries not found in {BIN} (HETUMIND_PG_BIN)")
    # Not pytest's tmp_path: its parents are private to root, and the server may not be.
    folder = Path(tempfile.mkdtemp(prefix="hetumind-pg-"))
    cluster = PrivatePostgres(folder, free_port())
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        if cluster.running():
            cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)

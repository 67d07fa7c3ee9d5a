"""Debian's OpenSSH server on a free loopback port, with its own host key, config and
authorized key in a temporary folder (the system's sshd and its config are untouched).
The client logs in as the user running the tests, with a key made for the session."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.nodes.protocols.helpers import free_port

SSHD = "/usr/sbin/sshd"


@dataclass
class SshServer:
    host: str
    port: int
    user: str
    private_key: str
    other_key: str
    """A valid key the server does not accept."""
    root: Path
    """A scratch folder on the server's machine (the same machine) for file tests."""

    def key_credential(self, **changes: Any) -> dict[str, Any]:
        data = {
            "host": self.host,
            "port": self.port,
            "username": self.user,
            "privateKey": self.private_key,
        }
        return {**data, **changes}


def _keygen(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path.read_text()


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(100):
        if process.poll() is not None:
            raise RuntimeError(f"sshd exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"sshd did not listen on {port}: {log.read_text()[-2000:]}")


@contextmanager
def running_sshd() -> Iterator[SshServer]:
    if not os.path.exists(SSHD):
        raise RuntimeError("no /usr/sbin/sshd: run scripts/ensure-openssh.sh (make test does)")
    folder = Path(tempfile.mkdtemp(prefix="hm-sshd-"))
    try:
        _keygen(folder / "host_key")
        client_key = _keygen(folder / "client_key")
        other_key = _keygen(folder / "other_key")
        shutil.copy(folder / "client_key.pub", folder / "authorized_keys")
        port = free_port()
        config = folder / "sshd_config"
        config.write_text(
            f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder / 'host_key'}\n"
            f"PidFile {folder / 'sshd.pid'}\nAuthorizedKeysFile {folder / 'authorized_keys'}\n"
            "StrictModes no\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\n"
            "PermitRootLogin prohibit-password\nUsePAM no\nMaxStartups 50\n"
            "Subsystem sftp internal-sftp\n"
        )
        log = folder / "sshd.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [SSHD, "-D", "-e", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT
            )
        try:
            _wait_listening(port, process, log)
            scratch = folder / "files"
            scratch.mkdir()
            yield SshServer("127.0.0.1", port, getpass.getuser(), client_key, other_key, scratch)
        finally:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

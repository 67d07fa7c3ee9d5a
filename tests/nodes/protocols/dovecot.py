"""Debian's dovecot as an IMAP server on a free loopback port, with its own config, a
passwd-file user and Maildir storage in a temporary folder (no system config is used).
Run as root it stores mail as the `dovecot` system user (dovecot refuses uid 0)."""

from __future__ import annotations

import imaplib
import os
import pwd
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

DOVECOT = "/usr/sbin/dovecot"
IMAP_USER = "mailuser"
IMAP_PASSWORD = "mail-secret"


@dataclass
class ImapServer:
    host: str
    port: int

    def credential(self, **changes: Any) -> dict[str, Any]:
        data = {
            "host": self.host,
            "port": self.port,
            "secure": False,
            "user": IMAP_USER,
            "password": IMAP_PASSWORD,
        }
        return {**data, **changes}

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(IMAP_USER, IMAP_PASSWORD)
        return client

    def reset(self, *messages: bytes) -> None:
        """Empty the inbox, then append `messages` (unseen)."""
        client = self.client()
        try:
            _, count = client.select("INBOX")
            if int(count[0] or 0):
                client.store("1:*", "+FLAGS", "(\\Deleted)")
                client.expunge()
            for message in messages:
                client.append("INBOX", None, None, message)
        finally:
            client.logout()

    def seen(self) -> list[int]:
        client = self.client()
        try:
            client.select("INBOX")
            _, found = client.uid("SEARCH", "SEEN")
            return [int(u) for u in found[0].split()]
        finally:
            client.logout()


@contextmanager
def running_dovecot() -> Iterator[ImapServer]:
    if not os.path.exists(DOVECOT):
        raise RuntimeError("no dovecot: run scripts/ensure-dovecot.sh (make test does)")
    folder = Path(tempfile.mkdtemp(prefix="hm-dovecot-"))
    folder.chmod(0o755)
    try:
        if os.getuid() == 0:
            account = pwd.getpwnam("dovecot")
            uid, gid = account.pw_uid, account.pw_gid
        else:
            uid, gid = os.getuid(), os.getgid()
        mail = folder / "mail"
        mail.mkdir()
        (folder / "state").mkdir()
        os.chown(mail, uid, gid)
        (folder / "passwd").write_text(f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}\n")
        port = free_port()
        (folder / "dovecot.conf").write_text(
            f"""protocols = imap
listen = 127.0.0.1
base_dir = {folder}/run
state_dir = {folder}/state
instance_name = hm-test-{port}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
log_path = {folder}/dovecot.log
mail_location = maildir:{mail}/%u
first_valid_uid = {uid}
first_valid_gid = {gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {folder}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
        )
        process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(folder / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(100):
                if process.poll() is not None:
                    raise RuntimeError("dovecot exited at start")
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    time.sleep(0.05)
            yield ImapServer("127.0.0.1", port)
        finally:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

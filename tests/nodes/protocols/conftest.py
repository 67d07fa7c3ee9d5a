"""Real servers for the protocol nodes, each started once per session on a free loopback
port and stopped at the end: SMTP (aiosmtpd), HTTP for feeds and GraphQL, FTP (pyftpdlib)
and sshd (Debian's openssh-server, own host key and config). MariaDB is the machine's own
(127.0.0.1:3306, scripts/ensure-mariadb.sh)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from hetumind.binary import reset_blob_store
from tests.nodes.protocols.dovecot import ImapServer, running_dovecot
from tests.nodes.protocols.helpers import free_port
from tests.nodes.protocols.sshd import SshServer, running_sshd
from tests.nodes.protocols.web_server import WebServer, serving

SMTP_USER = "mailer"
SMTP_PASSWORD = "s3cret"


@dataclass
class Received:
    """One message the SMTP server accepted."""

    sender: str
    recipients: list[str]
    message: Message


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: list[Received] = field(default_factory=list)

    def credential(self, **changes: Any) -> dict[str, Any]:
        data = {
            "host": self.host,
            "port": self.port,
            "secure": False,
            "user": SMTP_USER,
            "password": SMTP_PASSWORD,
        }
        return {**data, **changes}


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.endswith("@rejected.test"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.server.inbox.append(
            Received(
                envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content)
            )
        )
        return "250 Message accepted for delivery"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == SMTP_USER.encode()
        and data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer("127.0.0.1", free_port())
    controller = Controller(
        _Handler(server),
        hostname=server.host,
        port=server.port,
        authenticator=_authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def inbox(smtp_server: SmtpServer) -> Iterator[list[Received]]:
    smtp_server.inbox.clear()
    yield smtp_server.inbox


@pytest.fixture(autouse=True)
def blob_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Binary data of each test in a blob store of its own."""
    monkeypatch.setenv("HETUMIND_HOME", str(tmp_path))
    monkeypatch.delenv("HETUMIND_BLOB_URL", raising=False)
    reset_blob_store()
    yield
    reset_blob_store()


@pytest.fixture(scope="session")
def web_server() -> Iterator[WebServer]:
    with serving() as server:
        yield server


@pytest.fixture(scope="session")
def sshd() -> Iterator[SshServer]:
    with running_sshd() as server:
        yield server


FTP_USER = "ftpuser"
FTP_PASSWORD = "ftp-secret"


@dataclass
class FtpServer:
    host: str
    port: int
    root: Path

    def credential(self, **changes: Any) -> dict[str, Any]:
        data = {
            "host": self.host,
            "port": self.port,
            "username": FTP_USER,
            "password": FTP_PASSWORD,
        }
        return {**data, **changes}


@pytest.fixture(scope="session")
def ftp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FtpServer]:
    """pyftpdlib on a free loopback port, one user whose home is a scratch folder."""
    import threading

    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import ThreadedFTPServer

    root = tmp_path_factory.mktemp("ftp-root")
    authorizer = DummyAuthorizer()
    authorizer.add_user(FTP_USER, FTP_PASSWORD, str(root), perm="elradfmwMT")
    handler = type(
        "Handler",
        (FTPHandler,),
        {"authorizer": authorizer, "banner": "hm test", "auth_failed_timeout": 0.1},
    )
    server = ThreadedFTPServer(("127.0.0.1", 0), handler)
    host, port = server.address[:2]
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.2}, daemon=True)
    thread.start()
    try:
        yield FtpServer(str(host), int(port), root)
    finally:
        server.close_all()
        thread.join(5)


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    with running_dovecot() as server:
        yield server

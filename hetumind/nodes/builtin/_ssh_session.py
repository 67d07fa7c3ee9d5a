"""SSH connections for the SSH and FTP (SFTP) nodes, on asyncssh.

asyncssh is maintained, pure Python over `cryptography` (already a dependency), and gives
command execution and an SFTP client on one connection. Like n8n (ssh2 without a host
verifier), the server's host key is not checked: a credential names the server by host.
Connections run on the process's asyncio loop (hetumind.asyncbridge); errors come back in the
words n8n's ssh2 uses where they differ from asyncssh's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncssh

from hetumind.nodes.api import NodeContext
from hetumind.nodes.builtin._protocol import pinned

__all__ = ["ConnectFailed", "connect", "describe_ssh_error"]

CONNECT_TIMEOUT_S = 20.0


class ConnectFailed(Exception):
    """The connection or the login failed; the message is ssh2's kind of text."""


def _private_key(text: str, passphrase: str | None) -> asyncssh.SSHKey:
    # n8n's formatPrivateKey: a key pasted on one line gets its line breaks back
    key = text.strip()
    if "\n" not in key and key.startswith("-----BEGIN"):
        begin, _, rest = key[5:].partition("-----")
        body, _, end = rest.partition("-----END")
        key = f"-----{begin}-----\n" + "\n".join(body.split()) + f"\n-----END{end}"
    try:
        return asyncssh.import_private_key(key, passphrase or None)
    except (asyncssh.KeyImportError, ValueError) as exc:
        raise ConnectFailed(f"Cannot parse privateKey: {exc}") from None


async def connect(
    ctx: NodeContext, credential: Mapping[str, Any], *, use_key: bool
) -> asyncssh.SSHClientConnection:
    """An authenticated connection for `credential` (host, port, username, and password
    or privateKey + passphrase)."""
    host = str(credential.get("host") or "")
    port = int(credential.get("port") or 22)
    address = pinned(ctx, host, port)
    options: dict[str, Any] = {
        "username": str(credential.get("username") or ""),
        "known_hosts": None,
        "connect_timeout": CONNECT_TIMEOUT_S,
        "agent_path": None,
    }
    if use_key:
        key = _private_key(str(credential.get("privateKey") or ""), credential.get("passphrase"))
        options.update(client_keys=[key], password=None)
    else:
        options.update(password=str(credential.get("password") or ""), client_keys=None)
    try:
        return await asyncssh.connect(address, port, **options)
    except asyncssh.PermissionDenied:
        raise ConnectFailed("All configured authentication methods failed") from None
    except ConnectionRefusedError:
        raise ConnectFailed(f"connect ECONNREFUSED {address}:{port}") from None
    except TimeoutError:
        raise ConnectFailed("Timed out while waiting for handshake") from None
    except (OSError, asyncssh.Error) as exc:
        raise ConnectFailed(describe_ssh_error(exc)) from None


def describe_ssh_error(exc: BaseException) -> str:
    if isinstance(exc, asyncssh.SFTPNoSuchFile):
        return "No such file"
    if isinstance(exc, asyncssh.SFTPError):
        return str(exc.reason) if exc.reason else type(exc).__name__
    if isinstance(exc, asyncssh.Error):
        return str(exc.reason) if exc.reason else type(exc).__name__
    return str(exc) or type(exc).__name__

"""SSH (n8n's ssh node, version 1): run commands, upload and download files.

One connection serves every item, as in n8n; `authentication` picks the `sshPassword` or
`sshPrivateKey` credential. A command's item is node-ssh's `execCommand` result: `code`,
`signal`, and `stdout` / `stderr` trimmed. Files move over SFTP on the same connection.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Sequence
from typing import Any

import asyncssh

from hetumind.asyncbridge import run_sync
from hetumind.binary import put_binary
from hetumind.errors import HetumindError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import js_string
from hetumind.nodes.builtin._files import binary_entry, entry_bytes
from hetumind.nodes.builtin._protocol import as_mapping, credential
from hetumind.nodes.builtin._ssh_session import ConnectFailed, connect, describe_ssh_error
from hetumind.nodes.item_wise import batch_error, item_error


class SshParams(NodeParams):
    resource: str = "command"


class ItemFailed(Exception):
    """One item failed (a command could not start, a file is missing)."""


@node("ssh", versions=[1], display_name="SSH", params=SshParams, fusible=False)
class Ssh(Node):
    """Executes commands and moves files over SSH."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        if not len(batch):
            return [ItemBatch.empty()]
        try:
            return [run_sync(_run(ctx, batch))]
        except ConnectFailed as exc:
            return [batch_error(ctx, str(exc))]


async def _run(ctx: NodeContext, batch: ItemBatch) -> ItemBatch:
    resource = str(ctx.param("resource", 0, "command"))
    operation = str(ctx.param("operation", 0, "execute" if resource == "command" else "upload"))
    use_key = ctx.param("authentication", 0, "password") == "privateKey"
    if not ctx.credentials("sshPrivateKey" if use_key else "sshPassword"):
        # exports carry odd `authentication` values: use the credential the node has
        use_key = bool(ctx.credentials("sshPrivateKey"))
    cred = credential(ctx, "sshPrivateKey" if use_key else "sshPassword")
    rows = batch.to_json()
    out_rows: list[dict[str, Any]] = []
    out_binary: list[dict[str, Any] | None] = []
    paired: list[int] = []
    async with await connect(ctx, cred, use_key=use_key) as conn:
        for i, row in enumerate(rows):
            try:
                json_out, binary_out = await _item(ctx, conn, batch, i, row, resource, operation)
            except (ItemFailed, HetumindError, OSError, asyncssh.Error) as exc:
                message = (
                    exc.message
                    if isinstance(exc, HetumindError)
                    else str(exc)
                    if isinstance(exc, ItemFailed)
                    else describe_ssh_error(exc)
                )
                json_out, binary_out = item_error(ctx, i, message), None
            out_rows.append(json_out)
            out_binary.append(binary_out)
            paired.append(i)
    return ItemBatch.from_json(out_rows, binary=out_binary, paired=paired)


async def _home_path(ctx: NodeContext, conn: asyncssh.SSHClientConnection, path: str) -> str:
    """n8n's resolveHomeDir: a leading `~/` is the remote user's home."""
    if path.startswith("~/"):
        home = str((await conn.run("echo $HOME")).stdout or "").strip()
        return (home if home.endswith("/") else home + "/") + path[2:]
    if path.startswith("~"):
        raise ItemFailed('Invalid path. Replace "~" with home directory or "~/"')
    return path


def _sanitized(name: str) -> str:
    """The file name without path parts or characters file systems refuse."""
    name = re.sub(r'[\x00-\x1f\x80-\x9f/\\?<>:*|"]', "", name)
    return "" if name in (".", "..") else name


async def _item(
    ctx: NodeContext,
    conn: asyncssh.SSHClientConnection,
    batch: ItemBatch,
    i: int,
    row: dict[str, Any],
    resource: str,
    operation: str,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    binary = batch.binary[i] if batch.binary is not None else None
    if resource == "command" and operation == "execute":
        command = js_string(ctx.param("command", i, "") or "")
        cwd = await _home_path(ctx, conn, js_string(ctx.param("cwd", i, "/") or "/"))
        # node-ssh: change to cwd quietly, then run the command whatever cd said
        full = f"cd {shlex.quote(cwd)} 1> /dev/null 2> /dev/null; {command}" if cwd else command
        result = await conn.run(full, check=False)
        return {
            "code": result.exit_status,
            "signal": result.exit_signal[0] if result.exit_signal else None,
            "stdout": str(result.stdout or "").strip(),
            "stderr": str(result.stderr or "").strip(),
        }, None
    if resource != "file" or operation not in ("download", "upload"):
        raise ItemFailed(f'The operation "{operation}" is not supported for "{resource}"')
    path = await _home_path(ctx, conn, js_string(ctx.param("path", i, "") or ""))
    prop = js_string(ctx.param("binaryPropertyName", i, "data"))
    file_name = js_string(as_mapping(ctx.param("options", i, {})).get("fileName") or "")
    async with conn.start_sftp_client() as sftp:
        if operation == "download":
            async with sftp.open(path, "rb") as remote:
                data = await remote.read()
            raw = data if isinstance(data, bytes) else str(data).encode()
            entry = put_binary(raw, file_name=file_name or path)
            return row, {**(binary or {}), prop: entry}
        source = binary_entry(batch, i, prop)
        name = _sanitized(file_name or str(source.get("fileName") or ""))
        target = posixpath.join(path, name) if path.endswith("/") else f"{path}/{name}"
        async with sftp.open(target, "wb") as remote:
            await remote.write(entry_bytes(source, prop))
    return {"success": True}, None

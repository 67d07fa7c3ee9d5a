"""FTP (n8n's ftp node, version 1): list, download, upload, delete and rename over FTP
(the `ftp` credential) or SFTP (the `sftp` credential, password or private key).

FTP uses the standard library's ftplib (passive mode, as n8n's promise-ftp); SFTP uses
asyncssh. One connection serves every item. Listing entries take n8n's shapes: for FTP
node-ftp's parse of the server's `LIST` lines (type, name, rights, owner, group, size,
modifyTime, path), for SFTP ssh2-sftp-client's (type, name, size, modifyTime, accessTime,
rights, owner and group ids, path).
"""

from __future__ import annotations

import contextlib
import ftplib
import posixpath
import stat
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncssh

from hetumind.asyncbridge import run_sync
from hetumind.binary import put_binary
from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import js_string
from hetumind.nodes.builtin._files import binary_entry, entry_bytes
from hetumind.nodes.builtin._ftp_listing import parse_list_line
from hetumind.nodes.builtin._protocol import as_mapping, credential, pinned
from hetumind.nodes.builtin._ssh_session import ConnectFailed, connect, describe_ssh_error
from hetumind.nodes.item_wise import batch_error, item_error

OPERATIONS = ("delete", "download", "list", "rename", "upload")
TIMEOUT_S = 30.0


class FtpParams(NodeParams):
    protocol: str = "ftp"


class ItemFailed(Exception):
    """One item's operation failed."""


class _Out:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.binary: list[dict[str, Any] | None] = []
        self.paired: list[int] = []

    def add(self, row: dict[str, Any], i: int, binary: dict[str, Any] | None = None) -> None:
        self.rows.append(row)
        self.binary.append(binary)
        self.paired.append(i)

    def batch(self) -> ItemBatch:
        return ItemBatch.from_json(self.rows, binary=self.binary, paired=self.paired)


@node("ftp", versions=[1], display_name="FTP", params=FtpParams, fusible=False)
class Ftp(Node):
    """Transfers files via FTP or SFTP."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        if not len(batch):
            return [ItemBatch.empty()]
        operation = str(ctx.param("operation", 0, "download"))
        if operation not in OPERATIONS:
            raise NodeExecutionError(
                f'The operation "{operation}" is not supported!', node=ctx.node_name
            )
        protocol = str(ctx.param("protocol", 0, "ftp"))
        try:
            if protocol == "sftp":
                return [run_sync(_sftp_run(ctx, batch, operation))]
            return [_ftp_run(ctx, batch, operation)]
        except (ConnectFailed, ftplib.Error, OSError) as exc:
            message = _ftp_error(exc)
            return [batch_error(ctx, message)]


def _ftp_error(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return f"connect ECONNREFUSED {exc.filename or ''}".strip()
    return str(exc) or type(exc).__name__


def _each(
    ctx: NodeContext, batch: ItemBatch, out: _Out, step: Callable[[int, dict[str, Any]], None]
) -> None:
    for i, row in enumerate(batch.to_json()):
        try:
            step(i, row)
        except (ItemFailed, HetumindError, ftplib.Error, OSError, asyncssh.Error) as exc:
            if isinstance(exc, HetumindError):
                message = exc.message
            elif isinstance(exc, asyncssh.Error):
                message = describe_ssh_error(exc)
            else:
                message = str(exc)
            out.add(item_error(ctx, i, message), i)


def _joined(path: str, name: str) -> str:
    return f"{path}{'' if path.endswith('/') else '/'}{name}"


def _upload_bytes(ctx: NodeContext, batch: ItemBatch, i: int) -> bytes:
    if ctx.param("binaryData", i, True):
        prop = js_string(ctx.param("binaryPropertyName", i, "data"))
        return entry_bytes(binary_entry(batch, i, prop), prop)
    return js_string(ctx.param("fileContent", i, "") or "").encode()


def _download_item(
    ctx: NodeContext, batch: ItemBatch, i: int, row: dict[str, Any], path: str, data: bytes
) -> tuple[dict[str, Any], dict[str, Any]]:
    prop = js_string(ctx.param("binaryPropertyName", i, "data"))
    previous = batch.binary[i] if batch.binary is not None else None
    entry = put_binary(data, file_name=posixpath.basename(path))
    return row, {**(previous or {}), prop: entry}


# FTP ----------------------------------------------------------------------------------
def _ftp_connect(ctx: NodeContext) -> ftplib.FTP:
    cred = credential(ctx, "ftp")
    host = str(cred.get("host") or "")
    port = int(cred.get("port") or 21)
    address = pinned(ctx, host, port)
    client = ftplib.FTP(timeout=TIMEOUT_S)
    try:
        client.connect(address, port)
    except ConnectionRefusedError:
        raise ConnectFailed(f"connect ECONNREFUSED {address}:{port}") from None
    except TimeoutError:
        raise ConnectFailed("Timeout while connecting to server") from None
    try:
        client.login(str(cred.get("username") or "anonymous"), str(cred.get("password") or ""))
    except ftplib.error_perm as exc:
        client.close()
        raise ConnectFailed(str(exc)) from None
    return client


def _ftp_list(client: ftplib.FTP, path: str, recursive: bool) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    pending = [path]
    while pending:
        folder = pending.pop(0)
        lines: list[str] = []
        client.retrlines(f"LIST {folder}", lines.append)
        for line in lines:
            item = parse_list_line(line)
            if item is None or item["name"] in (".", ".."):
                continue
            item["modifyTime"] = item.pop("date")
            item["path"] = _joined(folder, item["name"])
            if recursive and item["type"] == "d":
                pending.append(item["path"])
            entries.append(item)
    return entries


def _ftp_rmtree(client: ftplib.FTP, path: str) -> None:
    for item in _ftp_list(client, path, recursive=False):
        if item["type"] == "d":
            _ftp_rmtree(client, item["path"])
        else:
            client.delete(item["path"])
    client.rmd(path)


def _ftp_mkdirs(client: ftplib.FTP, folder: str) -> None:
    current = "/" if folder.startswith("/") else ""
    for part in [p for p in folder.split("/") if p]:
        current = posixpath.join(current, part)
        with contextlib.suppress(ftplib.error_perm):  # it exists already
            client.mkd(current)


def _ftp_run(ctx: NodeContext, batch: ItemBatch, operation: str) -> ItemBatch:
    out = _Out()
    client = _ftp_connect(ctx)
    try:

        def step(i: int, row: dict[str, Any]) -> None:
            path = js_string(ctx.param("path", i, "/" if operation == "list" else "") or "")
            if operation == "list":
                for item in _ftp_list(client, path, bool(ctx.param("recursive", i, False))):
                    out.add(item, i)
            elif operation == "delete":
                options = as_mapping(ctx.param("options", i, {}))
                if options.get("folder") is True:
                    if options.get("recursive"):
                        _ftp_rmtree(client, path)
                    else:
                        client.rmd(path)
                else:
                    client.delete(path)
                out.add({"success": True}, i)
            elif operation == "rename":
                old = js_string(ctx.param("oldPath", i, ""))
                client.rename(old, js_string(ctx.param("newPath", i, "")))
                out.add({"success": True}, i)
            elif operation == "download":
                chunks: list[bytes] = []
                client.retrbinary(f"RETR {path}", chunks.append)
                json_out, binary = _download_item(ctx, batch, i, row, path, b"".join(chunks))
                out.add(json_out, i, binary)
            else:
                data = _upload_bytes(ctx, batch, i)
                try:
                    client.storbinary(f"STOR {path}", _Reader(data))
                except ftplib.error_perm as exc:
                    if not str(exc).startswith("553") and not str(exc).startswith("550"):
                        raise
                    _ftp_mkdirs(client, posixpath.dirname(path))
                    client.storbinary(f"STOR {path}", _Reader(data))
                previous = batch.binary[i] if batch.binary is not None else None
                out.add(row, i, previous)

        _each(ctx, batch, out, step)
    finally:
        try:
            client.quit()
        except (ftplib.Error, OSError):
            client.close()
    return out.batch()


class _Reader:
    """A file-like object over bytes for ftplib's storbinary."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._at + size
        chunk = self._data[self._at : end]
        self._at += len(chunk)
        return chunk


# SFTP ---------------------------------------------------------------------------------
def _iso_ms(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _mode_rights(mode: int) -> dict[str, str]:
    text = stat.filemode(mode)
    return {
        "user": text[1:4].replace("-", ""),
        "group": text[4:7].replace("-", ""),
        "other": text[7:10].replace("-", ""),
    }


def _sftp_entry(name: str, attrs: asyncssh.SFTPAttrs, path: str) -> dict[str, Any]:
    mode = attrs.permissions or 0
    kind = "d" if stat.S_ISDIR(mode) else "l" if stat.S_ISLNK(mode) else "-"
    return {
        "type": kind,
        "name": name,
        "size": attrs.size,
        "modifyTime": _iso_ms(attrs.mtime),
        "accessTime": _iso_ms(attrs.atime),
        "rights": _mode_rights(mode),
        "owner": attrs.uid,
        "group": attrs.gid,
        "path": path,
    }


async def _sftp_list(sftp: asyncssh.SFTPClient, path: str, recursive: bool) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    pending = [path]
    while pending:
        folder = pending.pop(0)
        for entry in await sftp.readdir(folder):
            name = str(entry.filename)
            if name in (".", ".."):
                continue
            item = _sftp_entry(name, entry.attrs, _joined(folder, name))
            if recursive and item["type"] == "d":
                pending.append(item["path"])
            entries.append(item)
    return entries


async def _sftp_run(ctx: NodeContext, batch: ItemBatch, operation: str) -> ItemBatch:
    cred = credential(ctx, "sftp")
    out = _Out()
    rows = batch.to_json()
    async with (
        await connect(ctx, cred, use_key=bool(cred.get("privateKey"))) as conn,
        conn.start_sftp_client() as sftp,
    ):
        for i, row in enumerate(rows):
            try:
                await _sftp_item(ctx, sftp, batch, i, row, operation, out)
            except (ItemFailed, HetumindError, OSError, asyncssh.Error) as exc:
                if isinstance(exc, HetumindError):
                    message = exc.message
                elif isinstance(exc, asyncssh.Error):
                    message = describe_ssh_error(exc)
                else:
                    message = str(exc)
                out.add(item_error(ctx, i, message), i)
    return out.batch()


async def _sftp_item(
    ctx: NodeContext,
    sftp: asyncssh.SFTPClient,
    batch: ItemBatch,
    i: int,
    row: dict[str, Any],
    operation: str,
    out: _Out,
) -> None:
    path = js_string(ctx.param("path", i, "/" if operation == "list" else "") or "")
    if operation == "list":
        for item in await _sftp_list(sftp, path, bool(ctx.param("recursive", i, False))):
            out.add(item, i)
    elif operation == "delete":
        options = as_mapping(ctx.param("options", i, {}))
        if options.get("folder") is True:
            if options.get("recursive"):
                await sftp.rmtree(path)
            else:
                await sftp.rmdir(path)
        else:
            await sftp.remove(path)
        out.add({"success": True}, i)
    elif operation == "rename":
        old = js_string(ctx.param("oldPath", i, ""))
        new = js_string(ctx.param("newPath", i, ""))
        if as_mapping(ctx.param("options", i, {})).get("createDirectories"):
            await sftp.makedirs(posixpath.dirname(new), exist_ok=True)
        await sftp.rename(old, new)
        out.add({"success": True}, i)
    elif operation == "download":
        async with sftp.open(path, "rb") as remote:
            data = await remote.read()
        raw = data if isinstance(data, bytes) else str(data).encode()
        json_out, binary = _download_item(ctx, batch, i, row, path, raw)
        out.add(json_out, i, binary)
    else:
        content = _upload_bytes(ctx, batch, i)
        folder = posixpath.dirname(path)
        if folder and not await sftp.exists(folder):
            await sftp.makedirs(folder, exist_ok=True)
        async with sftp.open(path, "wb") as remote:
            await remote.write(content)
        previous = batch.binary[i] if batch.binary is not None else None
        out.add(row, i, previous)

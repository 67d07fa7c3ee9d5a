"""Read/Write Files from Disk: local files into binary properties, and back.

Paths are local to the machine (with Ray: the worker's machine). Which files may be read
or written is the execution's file policy (hetumind.capabilities, applied by
`_files.checked_path`): in server mode only the file root (HETUMIND_FILES_ROOT, n8n's
N8N_RESTRICT_FILE_ACCESS_TO with folders separated by ';'; default $HETUMIND_HOME/files);
locally HETUMIND_FILES_ROOT when set, else anywhere. The hetumind home folder (database,
encryption key, blobs) is refused in both unless HETUMIND_BLOCK_FILE_ACCESS_TO_HOME is
"false" locally. Paths are checked after `..` and symlinks are resolved, every glob match
included, so a link cannot lead outside the allowed folders.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from typing import Any

from hetumind.binary import put_binary
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._files import (
    ItemError,
    Output,
    binary_entry,
    checked_path,
    entry_bytes,
    for_each_item,
)

__all__ = ["ReadWriteFile", "ReadWriteFileParams", "checked_path"]


class ReadWriteFileParams(NodeParams):
    operation: str = "read"
    fileSelector: str = ""
    fileName: str = ""
    dataPropertyName: str = "data"


@node(
    "readWriteFile",
    versions=[1],
    display_name="Read/Write Files from Disk",
    params=ReadWriteFileParams,
    fusible=False,
)
class ReadWriteFile(Node):
    """Reads files from disk into binary data, or writes binary data to disk."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        operation = ctx.param("operation", 0, "read")
        if operation not in ("read", "write"):
            raise ItemError(
                f"Read/Write Files operation '{operation}' is unknown; use 'read' or 'write'",
                node=ctx.node_name,
            )
        out = Output()
        if operation == "read":
            for_each_item(ctx, len(batch), out, lambda i: _read(ctx, i, out))
        else:
            for_each_item(ctx, len(batch), out, lambda i: _write(ctx, batch, i, out))
        return [out.batch()]


def _read(ctx: NodeContext, i: int, out: Output) -> None:
    selector = str(ctx.param("fileSelector", i, "") or "")
    if not selector:
        raise ItemError("parameter 'fileSelector' is empty")
    options = ctx.param("options", i, {}) or {}
    prop = str(options.get("dataPropertyName") or "data")
    # like fast-glob: files only, hidden ones only when the pattern names them
    paths = sorted(p for p in glob.glob(os.path.expanduser(selector), recursive=True))
    found = []
    for path in paths:
        resolved = checked_path(path, ctx)
        if resolved.is_file():
            found.append((path, resolved))
    if not found and not glob.has_magic(selector):
        checked_path(selector, ctx)
        raise ItemError(f'The file "{selector}" could not be accessed.')
    entries = []
    for path, resolved in found:
        data = resolved.read_bytes()
        entry = put_binary(
            data, mime_type=options.get("mimeType") or None, file_name=os.path.abspath(path)
        )
        if options.get("fileName") is not None:
            entry["fileName"] = str(options["fileName"])
        if options.get("fileExtension") is not None:
            entry["fileExtension"] = str(options["fileExtension"])
        entries.append(entry)
    for entry in entries:
        row: dict[str, Any] = {
            k: entry[k]
            for k in ("mimeType", "fileType", "fileName", "fileExtension", "fileSize")
            if k in entry
        }
        out.add(row, {prop: entry}, i)


def _write(ctx: NodeContext, batch: ItemBatch, i: int, out: Output) -> None:
    prop = str(ctx.param("dataPropertyName", i, "data") or "data")
    file_name = str(ctx.param("fileName", i, "") or "")
    if not file_name:
        raise ItemError("parameter 'fileName' is empty")
    options = ctx.param("options", i, {}) or {}
    data = entry_bytes(binary_entry(batch, i, prop), prop)
    target = checked_path(file_name, ctx)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "ab" if options.get("append") else "wb") as f:
        f.write(data)
    row = {**batch.row(i), "fileName": file_name}
    binary = batch.binary[i] if batch.binary is not None else None
    out.add(row, dict(binary) if binary else None, i)

"""n8n's hidden legacy file nodes: Read Binary File, Read Binary Files, Write Binary File.

They predate Read/Write Files from Disk and keep their own shapes: Read Binary File adds
the file at `filePath` to each item (json kept) in `dataPropertyName`; Read Binary Files
makes one item per file matching `fileSelector`; Write Binary File writes the item's
`dataPropertyName` file to `fileName` (appending with options.append) and adds `fileName`
to its json. Every path goes through the same file-root policy as readWriteFile.
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
    entry_bytes,
    for_each_item,
)
from hetumind.nodes.builtin.read_write_file import checked_path

__all__ = ["ReadBinaryFile", "ReadBinaryFiles", "WriteBinaryFile"]


class _Params(NodeParams):
    dataPropertyName: str = "data"


def _prop(ctx: NodeContext, i: int) -> str:
    return str(ctx.param("dataPropertyName", i, "data") or "data")


def _read_entry(path: str) -> dict[str, Any]:
    resolved = checked_path(path)
    if not resolved.exists():  # Node's words, as n8n shows them
        raise ItemError(f"ENOENT: no such file or directory, stat '{path}'")
    if not resolved.is_file():
        raise ItemError(f"EISDIR: illegal operation on a directory, read '{path}'")
    return put_binary(resolved.read_bytes(), file_name=os.path.abspath(path))


@node("readBinaryFile", versions=[1], display_name="Read Binary File", params=_Params)
class ReadBinaryFile(Node):
    """Reads a file from disk into each item (n8n's legacy node)."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        out = Output()
        rows = batch.to_json()
        binaries = batch.binary or [None] * len(batch)

        def step(i: int) -> None:
            path = str(ctx.param("filePath", i, "") or "")
            if not path:
                raise ItemError("parameter 'filePath' is empty")
            binary = {**(binaries[i] or {}), _prop(ctx, i): _read_entry(path)}
            out.add(rows[i], binary, i)

        for_each_item(ctx, len(batch), out, step)
        return [out.batch()]


@node("readBinaryFiles", versions=[1], display_name="Read Binary Files", params=_Params)
class ReadBinaryFiles(Node):
    """Reads the files a glob pattern matches, one item each (n8n's legacy node)."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        selector = str(ctx.param("fileSelector", 0, "") or "")
        if not selector:
            raise ItemError("parameter 'fileSelector' is empty", node=ctx.node_name)
        prop = _prop(ctx, 0)
        rows: list[dict[str, Any]] = []
        binary: list[dict[str, Any] | None] = []
        for path in sorted(glob.glob(os.path.expanduser(selector), recursive=True)):
            try:
                resolved = checked_path(path)
            except ItemError as exc:
                raise ItemError(exc.reason, node=ctx.node_name) from None
            if resolved.is_file():
                rows.append({})
                binary.append({prop: _read_entry(path)})
        # the files come from no input item in particular
        return [ItemBatch.from_json(rows, binary=binary).with_pairing([None] * len(rows))]


@node("writeBinaryFile", versions=[1], display_name="Write Binary File", params=_Params)
class WriteBinaryFile(Node):
    """Writes each item's binary file to disk (n8n's legacy node)."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        out = Output()
        rows = batch.to_json()
        binaries = batch.binary or [None] * len(batch)
        append = bool((ctx.param("options", 0, {}) or {}).get("append"))

        def step(i: int) -> None:
            prop = _prop(ctx, i)
            file_name = str(ctx.param("fileName", i, "") or "")
            if not file_name:
                raise ItemError("parameter 'fileName' is empty")
            data = entry_bytes(binary_entry(batch, i, prop), prop)
            target = checked_path(file_name)
            with open(target, "ab" if append else "wb") as f:
                f.write(data)
            binary = binaries[i]
            out.add({**rows[i], "fileName": file_name}, dict(binary) if binary else None, i)

        for_each_item(ctx, len(batch), out, step)
        return [out.batch()]

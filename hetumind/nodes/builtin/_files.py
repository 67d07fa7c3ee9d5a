"""Shared parts of the file nodes (readWriteFile, extractFromFile, convertToFile).

Every path a file node reads or writes goes through `checked_path`, which applies the
execution's file policy (hetumind.capabilities: the file root, the home folder) after
`~`, `..` and symlinks are resolved; a node built on these helpers obeys it too.

Binary properties travel as blob-store entries (hetumind.binary); these helpers find an
item's entry the way n8n's `assertBinaryData` does, map n8n's (iconv-lite) encoding names
to Python codecs, and collect per-item output with n8n's continue-on-fail behaviour.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hetumind.binary import read_binary
from hetumind.capabilities import CapabilityDenied, capabilities_of
from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext
from hetumind.nodes.item_wise import Output
from hetumind.nodes.item_wise import for_each_item as shared_for_each_item

__all__ = [
    "FileAccessDenied",
    "ItemError",
    "Output",
    "binary_entry",
    "checked_path",
    "decode_text",
    "describe",
    "encode_text",
    "entry_bytes",
    "file_operation",
    "flatten_object",
    "for_each_item",
    "item_options",
    "text_codec",
]

ItemError = NodeExecutionError
"""Raised inside a per-item step; `for_each_item` adds the node and item index."""


class FileAccessDenied(NodeExecutionError, CapabilityDenied):
    """A path outside what the execution's file policy allows (an item's failure)."""


def checked_path(path: str | Path, ctx: NodeContext | None = None) -> Path:
    """`path` with `~`, `..` and symlinks resolved, or FileAccessDenied when the
    execution may not touch it. Without `ctx`, the node run in this thread decides."""
    try:
        return capabilities_of(ctx).check_file(path)
    except CapabilityDenied as exc:
        raise FileAccessDenied(exc.message) from None


_ITEM_FAILURES: tuple[type[BaseException], ...] = (
    HetumindError,
    ValueError,  # json, unicode, Arrow (ArrowInvalid) and number parsing errors
    csv.Error,
    zipfile.BadZipFile,
    KeyError,
    TypeError,
    OSError,
    EOFError,
)
"""What a per-item step may raise on bad input: reported for that item, never a traceback."""

# iconv-lite names (lower-cased, punctuation dropped) that Python spells differently.
_CODEC_ALIASES = {
    "ucs2": "utf-16-le",
    "utf16le": "utf-16-le",
    "utf16be": "utf-16-be",
    "utf16": "utf-16",
    "utf32le": "utf-32-le",
    "utf32be": "utf-32-be",
    "cesu8": "utf-8",
    "binary": "latin-1",
    "latin1": "latin-1",
    "iso646cn": "ascii",
}
_BOM_CODECS = ("utf-8", "utf-16-le", "utf-16-be")


def file_operation(
    ctx: NodeContext, title: str, supported: Sequence[str], n8n_only: Sequence[str]
) -> str:
    """The node's `operation` (csv by default, as in n8n's file nodes). One outside
    `supported` is an error that says whether n8n has it (`n8n_only`) or nobody does."""
    operation = str(ctx.param("operation", 0, "csv") or "csv")
    if operation not in supported:
        known = "an n8n operation hetumind does not" if operation in n8n_only else "unknown"
        raise ItemError(
            f"{title} operation '{operation}' is {known} support; "
            f"use one of: {', '.join(supported)}",
            node=ctx.node_name,
        )
    return operation


def item_options(ctx: NodeContext, i: int) -> dict[str, Any]:
    """Item `i`'s `options` collection (empty when unset)."""
    options = ctx.param("options", i, {}) or {}
    if not isinstance(options, dict):
        raise ItemError("parameter 'options' must be an object")
    return options


def text_codec(name: str | None) -> str:
    """The Python codec for an n8n encoding option (utf8, latin1, win1252, ucs2, ...)."""
    if not name:
        return "utf-8"
    key = re.sub(r"[^a-z0-9]", "", str(name).lower())
    candidates = [
        _CODEC_ALIASES.get(key, ""),
        str(name),
        key,
        re.sub(r"^win(\d+)$", r"cp\1", key),
        re.sub(r"^iso8859(\d+)$", r"iso8859_\1", key),
        re.sub(r"^koi8(\w)$", r"koi8_\1", key),
    ]
    for candidate in candidates:
        if not candidate:
            continue
        try:
            info = codecs.lookup(candidate)
        except LookupError:
            continue
        if getattr(info, "_is_text_encoding", True):
            return info.name
    raise ItemError(f"unsupported encoding {name!r}")


def decode_text(data: bytes, encoding: str | None, strip_bom: bool = True) -> str:
    """Bytes as text. With no encoding given: UTF-8, or a detected one when not UTF-8."""
    if not encoding:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            from charset_normalizer import from_bytes

            best = from_bytes(data).best()
            if best is None:
                raise ItemError("cannot tell the file's text encoding; set 'encoding'") from None
            text = str(best)
    else:
        text = data.decode(text_codec(encoding))
    return text[1:] if strip_bom and text.startswith("\ufeff") else text


def encode_text(text: str, encoding: str | None, add_bom: bool = False) -> bytes:
    codec = text_codec(encoding)
    body = text.encode(codec)
    if add_bom and codec in _BOM_CODECS:
        return "\ufeff".encode(codec) + body
    return body


def binary_entry(batch: ItemBatch, index: int, prop: str) -> Mapping[str, Any]:
    """The item's binary entry `prop`, with n8n's messages when it is not there."""
    binary = batch.binary[index] if batch.binary is not None else None
    if not binary:
        raise ItemError(
            f"This operation expects the node's input data to contain a binary file "
            f"'{prop}', but none was found [item {index}]"
        )
    entry = binary.get(prop)
    if entry is None:
        raise ItemError(f"The item has no binary field '{prop}' [item {index}]")
    return entry


def entry_bytes(entry: Mapping[str, Any], prop: str) -> bytes:
    return read_binary(entry, where=f"binary field '{prop}'")


def flatten_object(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """n8n's flattenObject: nested objects and arrays become dotted keys ("tags.0")."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten_object(value, name + "."))
        elif isinstance(value, list):
            out.update(flatten_object({str(i): v for i, v in enumerate(value)}, name + "."))
        else:
            out[name] = value
    return out


def describe(exc: BaseException) -> str:
    """The message an item's failure is reported with (the library's words for bad input)."""
    if isinstance(exc, NodeExecutionError):
        return exc.reason
    if isinstance(exc, HetumindError):
        return exc.message
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, ValueError | OSError) else f"{type(exc).__name__}: {text}"


def for_each_item(ctx: NodeContext, count: int, out: Output, step: Callable[[int], None]) -> None:
    """The shared runner's loop (hetumind.nodes.item_wise.for_each_item) with the file
    nodes' failures: library errors, bad JSON, OS and codec errors."""
    shared_for_each_item(ctx, count, out, step, failures=_ITEM_FAILURES, describe=describe)

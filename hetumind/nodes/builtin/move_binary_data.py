"""Move Binary Data (n8n's legacy `moveBinaryData` 1 and 1.1): json <-> binary per item.

jsonToBinary: the whole json (`convertAllData`) or the value at `sourceKey` becomes a file
in `destinationKey` (JSON text unless `useRawData` and the value is a string; base64 text
decoded with `dataIsBase64`), encoded per `encoding` (+ BOM with `addBOM`). Version 1
labels it application/json by default; 1.1 names the file `file.<ext>` when it has no name.
binaryToJson: the file's text becomes the json (`setAllData`, parsed) or the value at
`destinationKey` (parsed with `jsonParse`, or base64 with `keepAsBase64`). Items without
the source are skipped, as in n8n. `keepSource` leaves the source in place.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
from collections.abc import Sequence
from typing import Any

from hetumind.binary import put_binary
from hetumind.http.request import set_path
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._files import (
    ItemError,
    Output,
    decode_text,
    encode_text,
    entry_bytes,
    for_each_item,
    item_options,
)

__all__ = ["MoveBinaryData"]

_MISSING = object()


class MoveBinaryDataParams(NodeParams):
    mode: str = "binaryToJson"


def _get_path(data: Any, path: str) -> Any:
    """lodash `get` with a dotted path; _MISSING when any step is absent."""
    for part in path.split(".") if path else []:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return _MISSING
    return data


def _unset_path(data: dict[str, Any], path: str) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        child = data.get(part)
        if not isinstance(child, dict):
            return
        data = child
    data.pop(parts[-1], None)


def _parse(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ItemError(f"{where} is not valid JSON ({exc.msg} at position {exc.pos})") from None


def _decode(data: bytes, encoding: str, strip_bom: bool) -> str:
    # iconv-lite's byte encodings, which Python's text codecs do not have
    if encoding.lower() == "base64":
        return base64.b64encode(data).decode("ascii")
    if encoding.lower() == "hex":
        return data.hex()
    return decode_text(data, encoding, strip_bom)


def _encode(text: str, encoding: str, add_bom: bool) -> bytes:
    try:
        if encoding.lower() == "base64":
            return base64.b64decode(text)
        if encoding.lower() == "hex":
            return bytes.fromhex(text)
    except (binascii.Error, ValueError):
        raise ItemError(f"the value is not {encoding} text") from None
    return encode_text(text, encoding, add_bom)


@node(
    "moveBinaryData",
    versions=[1, 1.1],
    display_name="Convert to/from binary data",
    params=MoveBinaryDataParams,
)
class MoveBinaryData(Node):
    """Moves data between an item's json and its binary files (n8n's legacy node)."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        mode = str(ctx.param("mode", 0, "binaryToJson"))
        if mode not in ("binaryToJson", "jsonToBinary"):
            raise ItemError(f'The operation "{mode}" is not known!', node=ctx.node_name)
        out = Output()
        rows = batch.to_json()
        binaries = batch.binary or [None] * len(batch)

        def step(i: int) -> None:
            binary = dict(binaries[i] or {})
            if mode == "binaryToJson":
                _to_json(ctx, i, rows[i], binary, out)
            else:
                _to_binary(ctx, i, rows[i], binary, out)

        for_each_item(ctx, len(batch), out, step)
        return [out.batch()]


def _to_json(
    ctx: NodeContext, i: int, row: dict[str, Any], binary: dict[str, Any], out: Output
) -> None:
    options = item_options(ctx, i)
    source = str(ctx.param("sourceKey", i, "data") or "data")
    entry = binary.get(source)
    if not isinstance(entry, dict):
        return  # n8n skips an item without the source file
    data = entry_bytes(entry, source)
    encoding = str(options.get("encoding") or "utf8")
    strip_bom = options.get("stripBOM", True) is not False
    if ctx.param("setAllData", i, True):
        parsed = _parse(_decode(data, encoding, strip_bom), f"binary field '{source}'")
        new_json = parsed if isinstance(parsed, dict) else {"data": parsed}
    else:
        new_json = copy.deepcopy(row)
        value: Any
        if options.get("keepAsBase64") is True:
            value = base64.b64encode(data).decode("ascii")
        else:
            value = _decode(data, encoding, strip_bom)
        if options.get("jsonParse"):
            value = _parse(value, f"binary field '{source}'")
        set_path(new_json, str(ctx.param("destinationKey", i, "data") or "data"), value)
    if options.get("keepSource") is not True:
        binary.pop(source, None)
    out.add(new_json, binary, i)


def _to_binary(
    ctx: NodeContext, i: int, row: dict[str, Any], binary: dict[str, Any], out: Output
) -> None:
    options = item_options(ctx, i)
    convert_all = bool(ctx.param("convertAllData", i, True))
    source = str(ctx.param("sourceKey", i, "data") or "data")
    value = row if convert_all else _get_path(row, source)
    if value is _MISSING:
        return  # n8n skips an item without the source key
    mime = str(options.get("mimeType") or "") or None
    if options.get("dataIsBase64") is True:
        try:
            data = base64.b64decode(str(value), validate=False)
        except (binascii.Error, ValueError):
            raise ItemError(f"the value of '{source}' is not base64") from None
    else:
        if options.get("useRawData") is not True or not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            mime = mime or "application/json"
        data = _encode(
            str(value), str(options.get("encoding") or "utf8"), bool(options.get("addBOM"))
        )
    if mime is None and ctx.type_version == 1:
        mime = "application/json"
    file_name = str(options.get("fileName") or "") or None
    entry = put_binary(data, mime_type=mime or "text/plain", file_name=file_name)
    if file_name is None and ctx.type_version > 1:
        if mime is None:  # n8n found no type, so no extension either
            entry.pop("fileExtension", None)
        extension = entry.get("fileExtension")
        entry["fileName"] = f"file.{extension}" if extension else "file"
    set_path(binary, str(ctx.param("destinationKey", i, "data") or "data"), entry)
    if options.get("keepSource") is True:
        new_json = row
    elif convert_all:
        new_json = {}
    else:
        new_json = copy.deepcopy(row)
        _unset_path(new_json, source)
    out.add(new_json, binary, i)

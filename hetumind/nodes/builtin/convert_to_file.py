"""Convert to File: items as a file in a binary property (CSV, HTML, XLSX, JSON, text...).

Spreadsheet operations (csv, html, xlsx) and parquet write all items into one file on one
output item; toJson writes one file for all items or one per item; toText and toBinary
write one field of each item. The bytes go to the blob store; items carry the entry.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from collections.abc import Sequence
from typing import Any

from hetumind.binary import put_binary
from hetumind.expressions.values import stringify, to_string
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import MISSING, get_path
from hetumind.nodes.builtin._files import (
    ItemError,
    Output,
    encode_text,
    file_operation,
    flatten_object,
    for_each_item,
    item_options,
)
from hetumind.nodes.builtin._tabular import (
    PARQUET_MIME,
    XLSX_MIME,
    batch_to_parquet,
    write_xlsx,
)

_SHEETS = ("csv", "html", "xlsx")
_SUPPORTED = (*_SHEETS, "toJson", "toText", "toBinary", "parquet")
_ALL_N8N = ("iCal", "ods", "rtf", "xls")
_MIME = {"csv": "text/csv", "html": "text/html", "xlsx": XLSX_MIME, "parquet": PARQUET_MIME}


class ConvertToFileParams(NodeParams):
    operation: str = "csv"
    binaryPropertyName: str = "data"


@node(
    "convertToFile",
    versions=[1, 1.1],
    display_name="Convert to File",
    params=ConvertToFileParams,
    pure=True,
)
class ConvertToFile(Node):
    """Turns items into a file (CSV, HTML, XLSX, JSON, text, Parquet) in a binary field."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        operation = file_operation(ctx, "Convert to File", _SUPPORTED, _ALL_N8N)
        out = Output()
        whole = operation in _SHEETS or operation == "parquet"
        if whole:
            for_each_item(ctx, 1, out, lambda _: _whole_file(ctx, batch, operation, out))
        elif operation == "toJson" and ctx.param("mode", 0, "once") != "each":
            whole = True
            for_each_item(ctx, 1, out, lambda _: _json_once(ctx, batch, out))
        else:
            for_each_item(ctx, len(batch), out, lambda i: _per_item(ctx, batch, operation, i, out))
        result = out.batch()
        # one file made of every item pairs with none of them in particular (as Aggregate)
        return [result.with_pairing([None] * len(result)) if whole else result]


def _prop(ctx: NodeContext, i: int) -> str:
    return str(ctx.param("binaryPropertyName", i, "data") or "data")


def _whole_file(ctx: NodeContext, batch: ItemBatch, operation: str, out: Output) -> None:
    """All items into one spreadsheet (or Parquet) file."""
    options = item_options(ctx, 0)
    if operation == "parquet":
        data = batch_to_parquet(batch)
    else:
        rows = [flatten_object(r) for r in batch.to_json()]
        keys = list(dict.fromkeys(k for r in rows for k in r))
        header = keys if options.get("headerRow") is not False else None
        if operation == "csv":
            data = _csv(header, rows, keys, str(options.get("delimiter") or ","))
        elif operation == "html":
            data = _html(header, rows, keys)
        else:
            data = write_xlsx(header, rows, keys, str(options.get("sheetName") or "Sheet"))
    name = options.get("fileName")
    file_name = f"File.{operation}" if name is None else str(name)
    entry = put_binary(data, mime_type=_MIME[operation], file_name=file_name or None)
    out.add({}, {_prop(ctx, 0): entry}, 0)


_WINDOWS = re.compile(r"^windows-?(125\d)$", re.IGNORECASE)


def _encode(text: str, options: dict[str, Any]) -> bytes:
    """Text as bytes in the chosen encoding. n8n's list names the Windows code pages
    `windows1250`..`windows1258` (iconv-lite's names), which are Python's cp1250..cp1258."""
    encoding = options.get("encoding")
    m = _WINDOWS.match(str(encoding or ""))
    return encode_text(text, f"cp{m.group(1)}" if m else encoding, bool(options.get("addBOM")))


def _json_once(ctx: NodeContext, batch: ItemBatch, out: Output) -> None:
    options = item_options(ctx, 0)
    entry = _json_entry(batch.to_json(), options)
    out.add({}, {_prop(ctx, 0): entry}, 0)


def _json_entry(value: Any, options: dict[str, Any]) -> dict[str, Any]:
    text = stringify(value, "  " if options.get("format") else "")
    data = _encode(text, options)
    return put_binary(
        data, mime_type="application/json", file_name=str(options.get("fileName") or "file.json")
    )


def _per_item(ctx: NodeContext, batch: ItemBatch, operation: str, i: int, out: Output) -> None:
    options = item_options(ctx, i)
    row = batch.row(i)
    if operation == "toJson":
        entry = _json_entry(row, options)
    else:
        source = str(ctx.param("sourceProperty", i, "") or "")
        value = get_path(row, source) if source else row
        if value is MISSING:
            raise ItemError(f'The value in "{source}" is not set')
        if operation == "toText":
            entry = _text_entry(value, options, "text/plain", "file.txt")
        else:
            entry = _binary_entry(ctx, value, options)
    out.add({}, {_prop(ctx, i): entry}, i)


def _text_entry(
    value: Any, options: dict[str, Any], mime: str | None, default_name: str | None
) -> dict[str, Any]:
    if isinstance(value, dict | list):
        text, mime = stringify(value), "application/json"
    else:
        text = to_string(value)
    data = _encode(text, options)
    name = str(options.get("fileName") or "") or default_name
    if name is None and mime == "application/json":
        name = "file.json"
    return put_binary(data, mime_type=mime, file_name=name or None)


def _binary_entry(ctx: NodeContext, value: Any, options: dict[str, Any]) -> dict[str, Any]:
    """toBinary: a base64 string (version 1 may say the text is not base64)."""
    mime = str(options.get("mimeType") or "") or None
    if ctx.type_version < 1.1 and options.get("dataIsBase64") is False:
        return _text_entry(value, options, mime, None)
    try:
        data = base64.b64decode(to_string(value), validate=False)
    except (binascii.Error, ValueError) as exc:
        raise ItemError(f"the value is not valid base64 ({exc})") from None
    return put_binary(data, mime_type=mime, file_name=str(options.get("fileName") or "") or None)


# spreadsheet text formats, as SheetJS writes them (n8n uses it) ------------------------
def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return to_string(value)


def _csv(header: list[str] | None, rows: list[dict[str, Any]], keys: list[str], fs: str) -> bytes:
    def field(value: Any) -> str:
        text = _cell_text(value)
        if fs[0] in text or "\n" in text or '"' in text or text == "ID":
            return '"' + text.replace('"', '""') + '"'
        return text

    lines = [] if header is None else [fs.join(field(h) for h in header)]
    lines.extend(fs.join(field(r.get(k)) for k in keys) for r in rows)
    # SheetJS starts CSV buffers with a BOM (so Excel reads them as UTF-8)
    return ("\ufeff" + "\n".join(lines)).encode("utf-8")


def _column_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&apos;", '"': "&quot;"}
_HTML_ENTITY = re.compile(r"[&<>'\"]")
_HTML_CONTROL = re.compile(r"[\x00-\x1f]")


def _html_cell(value: Any, present: bool, ref: str) -> str:
    if not present:
        return f'<td id="{ref}"></td>'
    if value is None:
        return f'<td data-t="z" id="{ref}"></td>'
    kind = "b" if isinstance(value, bool) else "n" if isinstance(value, int | float) else "s"
    raw = str(value).lower() if kind == "b" else to_string(value)
    shown = _HTML_CONTROL.sub(
        lambda m: f"&#x{ord(m.group()):04x};",
        _HTML_ENTITY.sub(lambda m: _ENTITIES[m.group()], _cell_text(value)).replace("\n", "<br/>"),
    )
    return f'<td data-t="{kind}" data-v="{html.escape(raw)}" id="{ref}">{shown}</td>'


def _html(header: list[str] | None, rows: list[dict[str, Any]], keys: list[str]) -> bytes:
    table = ([dict(zip(keys, header, strict=True))] if header is not None else []) + rows
    cols = [_column_name(j) for j in range(len(keys))]
    body = "".join(
        "<tr>"
        + "".join(
            _html_cell(r.get(k), k in r, f"sjs-{c}{n}") for k, c in zip(keys, cols, strict=True)
        )
        + "</tr>"
        for n, r in enumerate(table, start=1)
    )
    return (
        '<html><head><meta charset="utf-8"/><title>SheetJS Table Export</title></head>'
        f"<body><table>{body}</table></body></html>"
    ).encode()

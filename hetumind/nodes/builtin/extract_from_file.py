"""Extract from File: an item's binary file (CSV, HTML, JSON, text, XLSX, Parquet) as items.

Spreadsheet operations (csv, html tables, xlsx) and parquet make one output item per row; fromJson,
text and binaryToPropery put the file's content into one field of one item. Parquet is a
hetumind addition: the file's Arrow table becomes the items without a trip through Python.
"""

from __future__ import annotations

import base64
import copy
import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pyarrow as pa

from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import set_path
from hetumind.nodes.builtin._files import (
    ItemError,
    Output,
    binary_entry,
    decode_text,
    describe,
    entry_bytes,
    file_operation,
    for_each_item,
    item_options,
)
from hetumind.nodes.builtin._tabular import parquet_to_batch, read_html_table, read_xlsx

_SPREADSHEET = ("csv", "html", "xlsx")
_MOVE_TO = ("fromJson", "text", "binaryToPropery")
_SUPPORTED = (*_SPREADSHEET, *_MOVE_TO, "parquet")
_ALL_N8N = ("fromIcs", "ods", "pdf", "rtf", "xml", "xls")


class ExtractFromFileParams(NodeParams):
    operation: str = "csv"
    binaryPropertyName: str = "data"
    destinationKey: str = "data"


def _not_in_format(entry: Mapping[str, Any], operation: str, cause: str) -> str:
    """n8n blames the file's format when its extension differs from the operation; we keep
    the parser's reason beside it."""
    extension = entry.get("fileExtension")
    if extension and extension != operation:
        return f"The file selected in 'Input Binary Field' is not in {operation} format ({cause})"
    return cause


@node(
    "extractFromFile",
    versions=[1, 1.1],
    display_name="Extract from File",
    params=ExtractFromFileParams,
    pure=True,
)
class ExtractFromFile(Node):
    """Converts an item's binary file (CSV, JSON, text, XLSX, Parquet) to JSON items."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        operation = file_operation(ctx, "Extract from File", _SUPPORTED, _ALL_N8N)
        out = Output()
        step: _Step
        if operation in _MOVE_TO:
            step = _MoveTo(ctx, batch, operation, out)
        elif operation == "parquet":
            step = _Parquet(ctx, batch, operation, out)
        else:
            step = _Spreadsheet(ctx, batch, operation, out)
        for_each_item(ctx, len(batch), out, step)
        return [out.batch()]


class _Step:
    """One operation, applied to one input item at a time."""

    def __init__(self, ctx: NodeContext, batch: ItemBatch, operation: str, out: Output) -> None:
        self.ctx = ctx
        self.batch = batch
        self.operation = operation
        self.out = out

    def prop(self, i: int) -> str:
        return str(self.ctx.param("binaryPropertyName", i, "data") or "data")

    def __call__(self, i: int) -> None:
        raise NotImplementedError


class _MoveTo(_Step):
    """fromJson, text, binaryToPropery: the file's content into `destinationKey`."""

    def __call__(self, i: int) -> None:
        options = item_options(self.ctx, i)
        prop = self.prop(i)
        binary = (self.batch.binary or [None] * len(self.batch))[i] or {}
        entry = binary.get(prop)
        if not entry:
            return  # n8n skips items without the file
        data = entry_bytes(entry, prop)
        keep = options.get("keepSource")
        row: dict[str, Any] = copy.deepcopy(self.batch.row(i)) if keep and keep != "binary" else {}
        value: Any
        if self.operation == "binaryToPropery":
            value = base64.b64encode(data).decode("ascii")
        else:
            value = decode_text(data, options.get("encoding"), options.get("stripBOM") is not False)
        if self.operation == "fromJson":
            value = _parse_json(value)
        set_path(row, str(self.ctx.param("destinationKey", i, "data") or ""), value)
        if keep in ("binary", "both"):
            out_binary = dict(binary)
        else:
            out_binary = {k: v for k, v in binary.items() if k != prop}
        self.out.add(row, out_binary, i)


def _parse_json(text: str) -> Any:
    if text == "":
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ItemError(
            "The file selected in 'Input Binary Field' is not in JSON format "
            f"({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None


class _Parquet(_Step):
    def __call__(self, i: int) -> None:
        prop = self.prop(i)
        entry = binary_entry(self.batch, i, prop)
        try:
            rows = parquet_to_batch(entry_bytes(entry, prop))
        except (pa.ArrowException, OSError) as exc:
            raise ItemError(_not_in_format(entry, "parquet", str(exc))) from None
        self.out.add_batch(rows, i)


class _Spreadsheet(_Step):
    """csv, html and xlsx: one item per row (n8n's SpreadsheetFile fromFile)."""

    def __call__(self, i: int) -> None:
        options = item_options(self.ctx, i)
        prop = self.prop(i)
        entry = binary_entry(self.batch, i, prop)
        data = entry_bytes(entry, prop)
        header = options.get("headerRow") is not False
        include_empty = bool(options.get("includeEmptyCells"))
        try:
            if self.operation == "csv":
                records = self._csv(data, options)
            elif self.operation == "html":
                records = read_html_table(decode_text(data, options.get("encoding")))
            else:
                records = read_xlsx(data, options.get("sheetName"), options.get("range"))
        except Exception as exc:  # any parser failure is bad input for this item
            cause = describe(exc)
            raise ItemError(_not_in_format(entry, self.operation, cause)) from None
        for row in _rows(records, header, include_empty, self.operation != "csv"):
            self.out.add(row, None, i)

    def _csv(self, data: bytes, options: Mapping[str, Any]) -> list[list[Any]]:
        text = decode_text(data, options.get("encoding") or "utf-8")
        from_line = int(options.get("fromLine") or 0)
        if from_line > 1:
            text = "".join(text.splitlines(keepends=True)[from_line - 1 :])
        delimiter = str(options.get("delimiter") or ",")
        if len(delimiter) != 1:
            raise ItemError(f"option 'delimiter' must be one character, got {delimiter!r}")
        limit = options.get("maxRowCount")
        max_rows = -1 if limit is None or limit == "" else int(limit)
        header = options.get("headerRow") is not False
        lenient = self.ctx.type_version < 1.1  # n8n 1 ignored parse errors in the buffer
        records: list[list[Any]] = []
        try:
            for number, record in enumerate(_csv_records(text, delimiter), start=1):
                width = len(records[0]) if records else len(record)
                if len(record) != width:
                    raise ItemError(
                        f"Invalid Record Length: expect {width}, got {len(record)} "
                        f"on record {number}"
                    )
                records.append(record)
                if max_rows > -1 and len(records) - (1 if header else 0) >= max_rows:
                    break
        except (ItemError, csv.Error):
            if not lenient:
                raise
        return records


def _csv_records(text: str, delimiter: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    for record in reader:
        yield record or [""]  # a blank line is one empty field, as csv-parse reads it


def _rows(
    records: list[list[Any]], header: bool, include_empty: bool, sheet: bool
) -> Iterator[dict[str, Any]]:
    """Records as n8n's items: objects keyed by the header row, or {"row": [...]}."""
    if not header:
        for record in records:
            if include_empty:
                yield {"row": ["" if v is None else v for v in record]}
            elif sheet:
                yield {"row": record}
            else:
                # n8n drops empty cells with Object.entries, turning the array into an object
                yield {"row": {str(k): v for k, v in enumerate(record) if v != ""}}
        return
    if not records:
        return
    keys = _header_keys(records[0]) if sheet else [str(k) for k in records[0]]
    for record in records[1:]:
        if sheet and all(v is None or v == "" for v in record):
            continue  # spreadsheets skip blank rows
        row: dict[str, Any] = {}
        for key, value in zip(keys, record, strict=False):
            if value is None:
                if include_empty:
                    row[key] = ""
            elif value != "" or include_empty:
                row[key] = value
        if include_empty:
            for key in keys[len(record) :]:
                row[key] = ""
        yield row


def _header_keys(cells: Sequence[Any]) -> list[str]:
    """SheetJS's header names: blanks become __EMPTY, repeats get _1, _2 suffixes."""
    keys: list[str] = []
    seen: dict[str, int] = {}
    for cell in cells:
        base = "__EMPTY" if cell is None or cell == "" else str(cell)
        key = base
        while key in seen:
            seen[base] += 1
            key = f"{base}_{seen[base]}"
        seen.setdefault(key, 0)
        keys.append(key)
    return keys

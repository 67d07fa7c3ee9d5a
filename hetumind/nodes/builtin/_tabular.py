"""Spreadsheet and table file formats for the file nodes: XLSX (openpyxl) and Parquet.

Parquet keeps hetumind's column encodings (field metadata travels in the file's Arrow
schema), so items written by convertToFile come back exactly from extractFromFile; columns
of types JSON has no word for (timestamps, decimals, bytes) are read as JSON values.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from hetumind.items import ItemBatch, to_arrow_column
from hetumind.nodes.builtin._files import ItemError

__all__ = ["batch_to_parquet", "parquet_to_batch", "read_html_table", "read_xlsx", "write_xlsx"]

PARQUET_MIME = "application/vnd.apache.parquet"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Parquet -------------------------------------------------------------------------------
def _json_type(t: pa.DataType) -> bool:
    """Whether Arrow values of type `t` are JSON values as they are."""
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return _json_type(t.value_type)
    if pa.types.is_struct(t):
        return all(_json_type(t.field(i).type) for i in range(t.num_fields))
    return bool(
        pa.types.is_integer(t)
        or pa.types.is_floating(t)
        or pa.types.is_boolean(t)
        or pa.types.is_string(t)
        or pa.types.is_null(t)
    )


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        # a map column reads as a list of (key, value) pairs: JSON has objects for that
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            return {str(k): _to_json(v) for k, v in value}
        return [_to_json(v) for v in value]
    return value


def parquet_to_batch(data: bytes) -> ItemBatch:
    """A Parquet file's rows as items."""
    table = pq.read_table(pa.BufferReader(data))
    fields, columns = [], []
    for f, col in zip(table.schema, table.columns, strict=True):
        if pa.types.is_dictionary(f.type):
            col = col.cast(f.type.value_type)
            f = f.with_type(f.type.value_type)
        if pa.types.is_large_string(f.type):
            col = col.cast(pa.string())
            f = f.with_type(pa.string())
        if not _json_type(f.type):
            f, arr = to_arrow_column(f.name, [_to_json(v) for v in col.to_pylist()])
            col = pa.chunked_array([arr], f.type)
        fields.append(f)
        columns.append(col)
    out = pa.Table.from_arrays(columns, schema=pa.schema(fields))
    return ItemBatch(out, table.num_rows)


def batch_to_parquet(batch: ItemBatch) -> bytes:
    """Items as a Parquet file (one row per item, one column per top-level field)."""
    if not batch.table.num_columns:
        raise ItemError("the items have no fields to write as Parquet columns")
    sink = io.BytesIO()
    pq.write_table(batch.table.replace_schema_metadata(None), sink)
    return sink.getvalue()


# XLSX ----------------------------------------------------------------------------------
def _cell_json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return value


def read_xlsx(data: bytes, sheet_name: Any, cell_range: Any) -> list[list[Any]]:
    """The cells of one sheet, row by row (None for empty cells), as SheetJS reads them:
    the sheet's used range, or `cell_range` ("A1:C9", or a first row index)."""
    from openpyxl import load_workbook
    from openpyxl.utils.cell import range_boundaries

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        if not book.sheetnames:
            raise ItemError("Spreadsheet does not have any sheets!")
        name = str(sheet_name) if sheet_name else book.sheetnames[0]
        if name not in book.sheetnames:
            raise ItemError(f'Spreadsheet does not contain sheet called "{name}"!')
        sheet = book[name]
        sheet.reset_dimensions()  # the file's own dimension tag is not to be trusted
        text_range = str(cell_range).strip() if cell_range not in (None, "") else ""
        if text_range and not text_range.lstrip("-").isdigit():
            min_col, min_row, max_col, max_row = range_boundaries(text_range)
            rows = sheet.iter_rows(
                min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col,
                values_only=True,
            )  # fmt: skip
            return [[_cell_json(v) for v in row] for row in rows]
        cells = _used_range([list(row) for row in sheet.iter_rows(values_only=True)])
        if text_range:
            cells = cells[max(0, int(text_range)) :]
        return [[_cell_json(v) for v in row] for row in cells]
    finally:
        book.close()


def _used_range(rows: list[list[Any]]) -> list[list[Any]]:
    """Trim empty rows and columns around the data (SheetJS's `!ref`)."""
    filled = [i for i, row in enumerate(rows) if any(v is not None for v in row)]
    if not filled:
        return []
    rows = rows[filled[0] : filled[-1] + 1]
    first = min(next((j for j, v in enumerate(row) if v is not None), len(row)) for row in rows)
    width = max(
        max((j for j, v in enumerate(row) if v is not None), default=-1) + 1 for row in rows
    )
    return [(row + [None] * width)[first:width] for row in rows]


def write_xlsx(
    header: Sequence[str] | None, rows: Iterable[Mapping[str, Any]], keys: Sequence[str], sheet: str
) -> bytes:
    """One sheet: an optional header row, then each row's values in `keys` order."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)

    def cell(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool | int | float):
            return value
        c = WriteOnlyCell(ws, value=str(value))
        c.data_type = "s"  # text that starts with "=" is text, never a formula
        return c

    if header is not None:
        ws.append([cell(h) for h in header])
    for row in rows:
        ws.append([cell(row.get(k)) for k in keys])
    sink = io.BytesIO()
    book.save(sink)
    return sink.getvalue()


# HTML tables -----------------------------------------------------------------------------
_HTML_ENTITIES = (
    ("&nbsp;", " "), ("&middot;", "·"), ("&quot;", '"'), ("&apos;", "'"), ("&gt;", ">"),
    ("&lt;", "<"), ("&amp;", "&"),
)  # fmt: skip
_JS_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _html_text(cell: str) -> str:
    """SheetJS's htmldecode: collapse white space, <br> as a line break, drop tags."""
    text = re.sub(r"^[\t\n\r ]+|[\t\n\r ]+$", "", cell)
    text = re.sub(r"\s+<", "<", re.sub(r">\s+", ">", text))
    text = re.sub(r"[\t\n\r ]+", " ", text)
    text = re.sub(r"<[^>]*>", "", re.sub(r"<\s*[bB][rR]\s*/?>", "\n", text))
    for entity, char in _HTML_ENTITIES:
        text = re.sub(re.escape(entity), char, text, flags=re.IGNORECASE)
    return text


def _js_number(text: str) -> float | None:
    """SheetJS's fuzzynum, without dates: "1,234", "$5", "50%", "(3)" are numbers."""
    weight = 1.0
    for candidate in (text, None, None):
        if candidate is None:
            if not re.search(r"\d", text):
                return None
            candidate = re.sub(r"(\d),(\d)", r"\1\2", text).replace("$", "")
            weight = 100.0 ** candidate.count("%")
            candidate = candidate.replace("%", "")
            if _JS_NUMBER.fullmatch(candidate) is None and re.search(r"\(.*\)", candidate):
                candidate = re.sub(r"\((.*)\)", r"\1", candidate)
                weight = -weight
        if _JS_NUMBER.fullmatch(candidate):
            return float(candidate) / weight
    return None


def _html_value(text: str, kind: str) -> Any:
    if kind == "s" or not text.strip():
        return text
    if text in ("TRUE", "FALSE"):
        return text == "TRUE"
    number = _js_number(text)
    if number is None:
        return text
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def read_html_table(html: str) -> list[list[Any]]:
    """The first <table> of an HTML page, row by row, read the way SheetJS reads it."""
    html = re.sub(r"<!--.*?-->", "", html)
    start = re.search(r"<table", html, re.IGNORECASE)
    if start is None:
        raise ItemError("Invalid HTML: could not find <table>")
    end = re.search(r"</table", html, re.IGNORECASE)
    body = html[start.start() : end.start() if end else len(html)]
    rows: list[list[Any]] = []
    for part in re.split(r"(<tr[^>]*>)", body, flags=re.IGNORECASE):
        part = part.strip()
        head = part[:3].lower()
        if head == "<tr":
            rows.append([])
            continue
        if head not in ("<td", "<th") or not rows:
            continue
        for cell in re.split(r"</t[dh]>", part, flags=re.IGNORECASE):
            cell = cell.strip()
            if not re.search(r"<t[dh]", cell, re.IGNORECASE):
                continue
            tag = cell[: cell.find(">")]
            inner = cell
            while inner.startswith("<") and ">" in inner:
                inner = inner[inner.index(">") + 1 :]
            kind = re.search(r"\b(?:data-)?t=[\"']?([a-z])", tag)
            span = re.search(r"\bcolspan=[\"']?(\d+)", tag)
            text = _html_text(inner)
            rows[-1].append(_html_value(text, kind.group(1) if kind else "") if text else None)
            rows[-1].extend([None] * (int(span.group(1)) - 1 if span else 0))
    return _used_range(rows)

"""Spreadsheet File (n8n's legacy `spreadsheetFile` 1 and 2): items <-> CSV, HTML, XLSX.

n8n replaced it with Extract from File and Convert to File, whose spreadsheet operations
are the same code; this node runs those two with its own parameter names (`operation`
fromFile / toFile, `fileFormat`), so the formats behave alike in both. What differs:

- toFile names the file `spreadsheet.<format>` unless options.fileName says otherwise;
- version 2's fromFile with fileFormat `autodetect` reads CSV by the file's type
  (text/csv, or text/plain named *.csv) and anything else as a workbook (HTML or XLSX);
- version 1's fromFile reads every file as SheetJS does, CSV included: cells that look
  like numbers or TRUE/FALSE become numbers and booleans.

ODS, RTF and XLS are n8n formats without a Python writer here: they fail with a message
saying so.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from typing import Any, cast

from hetumind.errors import HetumindError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._files import (
    ItemError,
    binary_entry,
    decode_text,
    describe,
    entry_bytes,
    item_options,
)
from hetumind.nodes.builtin._sheetjs_csv import sheetjs_csv_rows
from hetumind.nodes.builtin.convert_to_file import ConvertToFile
from hetumind.nodes.builtin.extract_from_file import ExtractFromFile
from hetumind.nodes.item_wise import item_error

__all__ = ["SpreadsheetFile"]

_FORMATS = ("csv", "html", "xlsx")
_N8N_ONLY = ("ods", "rtf", "xls")


class SpreadsheetFileParams(NodeParams):
    operation: str = "fromFile"
    binaryPropertyName: str = "data"


class _Renamed:
    """The node's context with `operation` (and toFile's default file name) as the
    Extract from File / Convert to File nodes name them; everything else as it is."""

    def __init__(self, ctx: NodeContext, operation: str, file_name: str | None) -> None:
        self._ctx = ctx
        self._operation = operation
        self._file_name = file_name

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ctx, name)

    @property
    def type_version(self) -> float:
        return 1.1  # the file nodes' version whose CSV reading reports broken records

    def param(self, path: str, item_index: int = 0, default: Any = None) -> Any:
        if path == "operation":
            return self._operation
        value = self._ctx.param(path, item_index, default)
        if path == "options" and self._file_name is not None:
            options = dict(value) if isinstance(value, Mapping) else {}
            options.setdefault("fileName", self._file_name)
            return options
        return value


def _check_format(fmt: str, ctx: NodeContext) -> None:
    if fmt in _N8N_ONLY:
        raise ItemError(
            f"Spreadsheet File format '{fmt}' is an n8n format hetumind cannot write or read; "
            "use csv, html or xlsx",
            node=ctx.node_name,
        )
    if fmt not in _FORMATS:
        raise ItemError(
            f"Spreadsheet File format '{fmt}' is unknown; use csv, html or xlsx",
            node=ctx.node_name,
        )


def _detect(entry: Mapping[str, Any] | None) -> str:
    if not isinstance(entry, Mapping):
        return "xlsx"  # Extract from File reports the missing file
    mime = str(entry.get("mimeType") or "")
    extension = str(entry.get("fileExtension") or "").lower()
    if mime == "text/csv" or (mime == "text/plain" and extension == "csv") or extension == "csv":
        return "csv"
    if "html" in mime or extension in ("html", "htm"):
        return "html"
    return "xlsx"


def _v1_csv(ctx: NodeContext, batch: ItemBatch, i: int) -> ItemBatch:
    """Version 1 reads CSV with SheetJS: typed cells and sheet_to_json's options."""
    prop = str(ctx.param("binaryPropertyName", i, "data") or "data")
    options = item_options(ctx, i)
    try:
        data = entry_bytes(binary_entry(batch, i, prop), prop)
        rows = sheetjs_csv_rows(decode_text(data, "utf-8"), options)
    except (HetumindError, ValueError, csv.Error) as exc:
        message = describe(exc)
        rows = [item_error(ctx, i, message)]
    return ItemBatch.from_json(rows, paired=[i] * len(rows))


@node(
    "spreadsheetFile",
    versions=[1, 2],
    display_name="Spreadsheet File",
    params=SpreadsheetFileParams,
)
class SpreadsheetFile(Node):
    """Reads and writes spreadsheet files: CSV, HTML and XLSX (n8n's legacy node)."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        operation = str(ctx.param("operation", 0, "fromFile") or "fromFile")
        if operation == "toFile":
            fmt = str(ctx.param("fileFormat", 0, "xls") or "xls")
            _check_format(fmt, ctx)
            renamed = cast(NodeContext, _Renamed(ctx, fmt, f"spreadsheet.{fmt}"))
            return ConvertToFile().run(renamed, inputs)
        if operation != "fromFile":
            raise ItemError(f'The operation "{operation}" is not supported!', node=ctx.node_name)
        if not len(batch):
            return [batch]
        # every item is read in the format of its own file (n8n decides per item too)
        parts = []
        prop_binary = batch.binary or [None] * len(batch)
        for i in range(len(batch)):
            fmt = str(ctx.param("fileFormat", i, "autodetect") or "autodetect")
            if ctx.type_version < 2 or fmt == "autodetect":
                prop = str(ctx.param("binaryPropertyName", i, "data") or "data")
                fmt = _detect((prop_binary[i] or {}).get(prop))
            _check_format(fmt, ctx)
            if ctx.type_version < 2 and fmt == "csv":
                parts.append(_v1_csv(ctx, batch, i))
                continue
            one = batch.take([i])
            renamed = cast(NodeContext, _Offset(ctx, fmt, i))
            out = ExtractFromFile().run(renamed, [one])[0]
            parts.append(out.with_pairing([i] * len(out)))
        return [ItemBatch.concat(parts)]


class _Offset(_Renamed):
    """A one-item view of item `index`: its parameters are that item's."""

    def __init__(self, ctx: NodeContext, operation: str, index: int) -> None:
        super().__init__(ctx, operation, None)
        self._index = index

    def param(self, path: str, item_index: int = 0, default: Any = None) -> Any:
        return super().param(path, self._index + item_index, default)

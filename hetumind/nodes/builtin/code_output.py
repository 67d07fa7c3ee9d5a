"""What a Code node's user code returned, turned into items with n8n's exact rules.

runOnceForAllItems: an array of items or plain objects, or one item/object; items with an
n8n key (json, binary, pairedItem, error) make every item's other keys an error.
runOnceForEachItem: one item or plain object per input item; null skips the item.
Binary entries the code returns n8n-style, base64 in `data`, are moved to the blob store
(`hetumind.binary.put_binary`), so items carry blob references only, never the bytes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from hetumind.binary import BLOB_MARKER, put_binary
from hetumind.errors import HetumindError
from hetumind.items import _MISSING, ItemBatch, arange, to_arrow_column  # the "no key" mark

__all__ = [
    "EACH_ITEM",
    "CodeOutputError",
    "batch_columns",
    "columns_batch",
    "normalize_all",
    "normalize_each",
    "rows_batch",
]

EACH_ITEM = "runOnceForEachItem"
_N8N_KEYS = frozenset({"json", "binary", "pairedItem", "error", "index"})
# put_binary works these out from the bytes and the file name; the code's own values for
# the other metadata (mimeType, fileExtension, fileType, directory, ...) are kept.
_DERIVED = frozenset({"data", "id", "fileSize", "fileName"})


class CodeOutputError(HetumindError):
    """The code returned something that is not items."""

    def __init__(self, message: str, item_index: int | None = None) -> None:
        self.item_index = item_index
        suffix = f" [item {item_index}]" if item_index is not None else ""
        super().__init__(message + suffix)


def _check_keys(item: dict[str, Any], index: int) -> None:
    for key in item:
        if key not in _N8N_KEYS:
            raise CodeOutputError(f"Unknown top-level item key: {key}", index)


def _item(value: dict[str, Any], index: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    json_part = value["json"]
    if not isinstance(json_part, dict):
        raise CodeOutputError("A 'json' property isn't an object", index)
    binary = value.get("binary")
    if binary is None:
        return json_part, None
    if not isinstance(binary, dict):
        raise CodeOutputError("A 'binary' property isn't an object", index)
    return json_part, {name: _stored(name, entry, index) for name, entry in binary.items()} or None


def _stored(name: str, entry: Any, index: int) -> dict[str, Any]:
    """An entry with its bytes in the blob store: inline base64 is decoded and stored,
    a blob reference (or any entry with an `id`) is kept as it is."""
    if not isinstance(entry, dict):
        raise CodeOutputError(f"Binary property '{name}' isn't an object", index)
    data = entry.get("data")
    if data == BLOB_MARKER or "id" in entry:
        return entry
    if not isinstance(data, str):
        raise CodeOutputError(
            f"Binary property '{name}' has no data (expected base64 text in 'data')", index
        )
    try:
        raw = base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        raise CodeOutputError(
            f"Binary property '{name}' holds invalid base64 in 'data'", index
        ) from None
    mime = entry.get("mimeType")
    file_name = entry.get("fileName")
    stored = put_binary(
        raw,
        mime_type=str(mime) if mime else None,
        file_name=str(file_name) if file_name else None,
    )
    return {**stored, **{k: v for k, v in entry.items() if k not in _DERIVED}}


def normalize_all(value: Any) -> ItemBatch:
    """runOnceForAllItems: n8n's validateRunCodeAllItems + normalizeItems."""
    if not isinstance(value, dict | list):
        raise CodeOutputError("Code doesn't return items properly")
    items = value if isinstance(value, list) else [value]
    has_key = isinstance(value, list) and any(
        isinstance(v, dict) and any(k in _N8N_KEYS for k in v) for v in items
    )
    rows: list[dict[str, Any]] = []
    binary: list[dict[str, Any] | None] = []
    wrapped = isinstance(value, dict) and "json" in value
    all_json = isinstance(value, list) and all(isinstance(v, dict) and "json" in v for v in items)
    for i, v in enumerate(items):
        if not isinstance(v, dict):
            raise CodeOutputError("Code doesn't return items properly")
        if has_key:
            _check_keys(v, i)
        if wrapped or all_json:
            row, bin_ = _item(v, i)
        else:
            row, bin_ = v, None
        rows.append(row)
        binary.append(bin_)
    return rows_batch(rows, binary=binary)


def normalize_each(results: Sequence[Any], batch: ItemBatch, continue_on_fail: bool) -> ItemBatch:
    """runOnceForEachItem: one result per input item (a value, or the guest's failure)."""
    from hetumind.sandbox import GuestFailure

    rows: list[dict[str, Any]] = []
    binary: list[dict[str, Any] | None] = []
    paired: list[int] = []
    for i, result in enumerate(results):
        if isinstance(result, GuestFailure):
            where = f"line {result.line}, for item {i}" if result.line else f"item {i}"
            message = f"{result.message} [{where}]"
            if result.kind != "user":
                message = result.to_error().message + f" [item {i}]"
            if not continue_on_fail or result.kind != "user":
                raise CodeOutputError(message)
            rows.append({"error": message})
            binary.append(None)
            paired.append(i)
            continue
        if result is None:
            continue  # n8n drops the item
        if isinstance(result, list):
            raise CodeOutputError("Code doesn't return a single object", i)
        if not isinstance(result, dict):
            raise CodeOutputError("Code doesn't return an object", i)
        if "json" in result:
            _check_keys(result, i)
            row, bin_ = _item(result, i)
        else:
            row, bin_ = result, None
        rows.append(row)
        binary.append(bin_)
        paired.append(i)
    if len(results) < len(batch) and not any(isinstance(r, GuestFailure) for r in results):
        raise CodeOutputError("the code stopped before every item ran")
    return rows_batch(rows, binary=binary, paired=paired)


# Column types whose Arrow type is certain from the Python types alone: the exact round
# trip check `to_arrow_column` makes is then known to pass, and skipping it is most of the
# cost of turning 100,000 results into a batch.
_PLAIN_TYPES: dict[type, pa.DataType] = {
    int: pa.int64(),
    float: pa.float64(),
    str: pa.string(),
    bool: pa.bool_(),
}


def _column(name: str, values: list[Any]) -> tuple[pa.Field, pa.Array]:
    kinds = set(map(type, values))
    if len(kinds) == 1:
        arrow_type = _PLAIN_TYPES.get(next(iter(kinds)))
        if arrow_type is not None:
            try:
                return pa.field(name, arrow_type), pa.array(values, type=arrow_type)
            except (pa.ArrowInvalid, OverflowError):
                pass  # e.g. an int beyond int64: the general path decides
    return to_arrow_column(name, values)


def rows_batch(
    rows: list[dict[str, Any]],
    *,
    binary: list[dict[str, Any] | None] | None = None,
    paired: list[int] | None = None,
) -> ItemBatch:
    """`ItemBatch.from_json`, with the plain-typed columns built without its exact round
    trip check (the same batch, several times faster for large results)."""
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    fields, arrays = [], []
    for key in keys:
        values = [row.get(key, _MISSING) for row in rows]
        f, arr = _column(key, values)
        fields.append(f)
        arrays.append(arr)
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    has_binary = binary is not None and any(binary)
    return ItemBatch(
        table,
        len(rows),
        binary=list(binary) if has_binary and binary is not None else None,
        paired=None if paired is None else pa.array(paired, type=pa.int64()),
    )


def columns_batch(columns: dict[str, Any], each_item: bool, inputs: int | None = None) -> ItemBatch:
    """The batch for results the guest sent as columns (same-keyed plain rows); each-item
    results pair one to one with the input items."""
    # The guest's helpers run after user code, which may have patched the builtins they
    # use: check the shape rather than trust it.
    n, keys, values = columns.get("n"), columns.get("keys"), columns.get("values")
    well_formed = (
        isinstance(n, int)
        and isinstance(keys, list)
        and isinstance(values, list)
        and len(keys) == len(values)
        and len(set(map(str, keys))) == len(keys)
        and all(isinstance(k, str) for k in keys)
        and all(isinstance(v, list) and len(v) == n for v in values)
        and not (each_item and inputs is not None and n != inputs)
    )
    if not well_formed:
        raise CodeOutputError("Code doesn't return items properly")
    assert isinstance(n, int) and isinstance(keys, list) and isinstance(values, list)
    fields, arrays = [], []
    for name, column in zip(keys, values, strict=True):
        f, arr = _column(str(name), column)
        fields.append(f)
        arrays.append(arr)
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    return ItemBatch(table, n, paired=arange(n) if each_item else None)


def batch_columns(batch: ItemBatch) -> dict[str, Any] | None:
    """The batch as {keys, values, n} when every column is typed and no item has binary
    (so every item has every key), for the guest to rebuild rows from; else None."""
    if batch.binary is not None or not batch.table.num_columns or not len(batch):
        return None
    if "__proto__" in batch.columns:  # a JavaScript literal would set the prototype
        return None
    values = []
    for name in batch.columns:
        column = batch.typed_column(name)
        if column is None:
            return None
        values.append(column.to_pylist())
    return {"keys": batch.columns, "values": values, "n": len(batch)}

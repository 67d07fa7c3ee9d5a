"""Item batches on Arrow.

An n8n item is ``{"json": {...}, "binary": {...}}``. A batch of items is one `pyarrow.Table`
whose columns are the top-level json keys, so nodes that work on whole columns can.

Columns come in two encodings, chosen per column when a batch is built from Python values:

* **typed**: a plain Arrow column; every item has the key and `to_pylist()` gives back exactly
  what went in (ints stay ints, nested objects with one shape become structs, ...).
  Arrow null means JSON null.
* **json** (fallback): a string column marked with field metadata, each value JSON text;
  Arrow null means the item lacks the key. Used whenever Arrow cannot type the values
  exactly: keys missing in some items, types differing between items, ragged objects.

Binary data and paired-item lineage travel beside the table, never inside the json columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ENCODING_KEY", "ItemBatch", "arange", "exactly_equal", "to_arrow_column"]

ENCODING_KEY = b"hetumind.encoding"
_JSON_ENCODING = b"json"
_MISSING = object()


def exactly_equal(a: Any, b: Any) -> bool:
    """Equality that tells 1 from 1.0 and True from 1, as a JSON round trip must."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a.keys()) == list(b.keys()) and all(exactly_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(exactly_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and a != a:  # NaN
        return bool(b != b)
    return bool(a == b)


def arange(start: int, stop: int | None = None) -> pa.Array:
    """int64 positions [start, stop) without building a Python list."""
    if stop is None:
        start, stop = 0, start
    return pa.array(np.arange(start, stop, dtype=np.int64))


def _json_field(name: str) -> pa.Field:
    return pa.field(name, pa.string(), metadata={ENCODING_KEY: _JSON_ENCODING})


def _is_json_field(f: pa.Field) -> bool:
    return bool(f.metadata) and f.metadata.get(ENCODING_KEY) == _JSON_ENCODING


def _json_column(values: Sequence[Any]) -> pa.Array:
    return pa.array(
        [None if v is _MISSING else json.dumps(v, ensure_ascii=False) for v in values],
        type=pa.string(),
    )


def _untyped_scalar(v: Any) -> bool:
    # Arrow would silently coerce these: bool/int mixes, empty dicts (struct with no fields).
    return v == {} or (isinstance(v, dict) and any(_untyped_scalar(x) for x in v.values()))


def to_arrow_column(name: str, values: Sequence[Any]) -> tuple[pa.Field, pa.Array]:
    """Type `values` as an Arrow column if that round-trips exactly, else JSON-encode it."""
    if not any(v is _MISSING for v in values):
        try:
            arr = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
            arr = None
        if (
            arr is not None
            and not pa.types.is_null(arr.type)
            and exactly_equal(arr.to_pylist(), list(values))
        ):
            return pa.field(name, arr.type), arr
        if arr is not None and pa.types.is_null(arr.type):
            return pa.field(name, pa.null()), arr
    return _json_field(name), _json_column(values)


class ItemBatch:
    """An immutable batch of n8n items backed by a `pyarrow.Table`.

    Args:
        table: the json columns, encoded as described in the module docstring.
        num_items: needed because a table without columns cannot carry a row count.
        binary: per item, the item's `binary` dict or None.
        paired: per item, index of the input item it came from (null: unpaired).
        paired_input: per item, which input port `paired` points into (None: port 0).
        lineage: ancestor node name -> per item, index into that node's output
            (all output ports concatenated); kept only for names expressions refer to.
    """

    __slots__ = ("binary", "lineage", "num_items", "paired", "paired_input", "table")

    def __init__(
        self,
        table: pa.Table,
        num_items: int | None = None,
        *,
        binary: list[dict[str, Any] | None] | None = None,
        paired: pa.Array | None = None,
        paired_input: pa.Array | None = None,
        lineage: dict[str, pa.Array] | None = None,
    ) -> None:
        self.table = table
        self.num_items = table.num_rows if num_items is None else num_items
        if table.num_columns and table.num_rows != self.num_items:
            raise ValueError(f"table has {table.num_rows} rows, batch says {self.num_items}")
        self.binary = binary
        self.paired = paired
        self.paired_input = paired_input
        self.lineage = lineage or {}

    # construction -----------------------------------------------------------------------
    @classmethod
    def empty(cls) -> ItemBatch:
        return cls(pa.table({}), 0)

    @classmethod
    def from_json(
        cls,
        rows: Sequence[dict[str, Any]],
        *,
        binary: list[dict[str, Any] | None] | None = None,
        paired: Sequence[int | None] | None = None,
        paired_input: Sequence[int] | None = None,
    ) -> ItemBatch:
        """Build a batch from item json dicts (the `json` part of each item)."""
        keys: dict[str, None] = {}
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                raise TypeError(f"item {i} is {type(row).__name__}, expected an object")
            keys.update(dict.fromkeys(row))
        fields, arrays = [], []
        for key in keys:
            f, arr = to_arrow_column(key, [row.get(key, _MISSING) for row in rows])
            fields.append(f)
            arrays.append(arr)
        table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
        has_binary = binary is not None and any(b for b in binary)
        return cls(
            table,
            len(rows),
            binary=list(binary) if has_binary and binary is not None else None,
            paired=None if paired is None else pa.array(paired, type=pa.int64()),
            paired_input=None if paired_input is None else pa.array(paired_input, pa.int8()),
        )

    @classmethod
    def from_items(cls, items: Sequence[dict[str, Any]]) -> ItemBatch:
        """Build from n8n-shaped items ``{"json": ..., "binary": ...}``; bare dicts are json."""
        rows, binary = [], []
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("json"), dict):
                rows.append(item["json"])
                binary.append(item.get("binary"))
            else:
                rows.append(item)
                binary.append(None)
        return cls.from_json(rows, binary=binary)

    @classmethod
    def from_arrow(cls, table: pa.Table) -> ItemBatch:
        """Wrap an Arrow table as items: every column typed, nulls are JSON nulls."""
        return cls(table, table.num_rows)

    # reading ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.num_items

    def __repr__(self) -> str:
        return f"ItemBatch({self.num_items} items, columns={self.table.column_names})"

    @property
    def columns(self) -> list[str]:
        return list(self.table.column_names)

    def typed_column(self, name: str) -> pa.ChunkedArray | None:
        """The column as Arrow values, or None when missing or JSON-encoded."""
        if name not in self.table.column_names:
            return None
        if _is_json_field(self.table.schema.field(name)):
            return None
        return self.table.column(name)

    def to_json(self) -> list[dict[str, Any]]:
        """Every item's json as Python values, exactly as they went in."""
        if not self.table.num_columns:
            return [{} for _ in range(self.num_items)]
        rows: list[dict[str, Any]] = [{} for _ in range(self.num_items)]
        for f, col in zip(self.table.schema, self.table.columns, strict=True):
            values = col.to_pylist()
            if _is_json_field(f):
                for row, v in zip(rows, values, strict=True):
                    if v is not None:
                        row[f.name] = json.loads(v)
            else:
                for row, v in zip(rows, values, strict=True):
                    row[f.name] = v
        return rows

    def to_items(self) -> list[dict[str, Any]]:
        """n8n-shaped items; `binary` only where an item has binary data."""
        out: list[dict[str, Any]] = []
        for i, row in enumerate(self.to_json()):
            item: dict[str, Any] = {"json": row}
            if self.binary is not None and self.binary[i]:
                item["binary"] = self.binary[i]
            out.append(item)
        return out

    def row(self, index: int) -> dict[str, Any]:
        """One item's json; cheaper than `to_json()` for a single item."""
        return self.slice(index, 1).to_json()[0]

    # reshaping (all keep binary, pairing and lineage aligned) ----------------------------
    def take(self, indices: pa.Array | Sequence[int]) -> ItemBatch:
        idx = indices if isinstance(indices, pa.Array) else pa.array(indices, type=pa.int64())
        return ItemBatch(
            self.table.take(idx) if self.table.num_columns else self.table,
            len(idx),
            binary=None if self.binary is None else [self.binary[i] for i in idx.to_pylist()],
            paired=None if self.paired is None else self.paired.take(idx),
            paired_input=None if self.paired_input is None else self.paired_input.take(idx),
            lineage={k: v.take(idx) for k, v in self.lineage.items()},
        )

    def filter(self, mask: pa.Array | pa.ChunkedArray) -> ItemBatch:
        """Keep the items where `mask` is true (null counts as false)."""
        mask = pc.fill_null(mask, False)
        if isinstance(mask, pa.ChunkedArray):
            mask = mask.combine_chunks()
        table = self.table.filter(mask) if self.table.num_columns else self.table
        kept = int(pc.sum(mask).as_py() or 0)
        binary = None
        if self.binary is not None:
            binary = [b for b, keep in zip(self.binary, mask.to_pylist(), strict=True) if keep]
        return ItemBatch(
            table,
            kept,
            binary=binary,
            paired=None if self.paired is None else self.paired.filter(mask),
            paired_input=None if self.paired_input is None else self.paired_input.filter(mask),
            lineage={k: v.filter(mask) for k, v in self.lineage.items()},
        )

    def slice(self, offset: int, length: int | None = None) -> ItemBatch:
        end = self.num_items if length is None else min(self.num_items, offset + length)
        offset = min(offset, self.num_items)
        n = max(0, end - offset)
        return ItemBatch(
            self.table.slice(offset, n) if self.table.num_columns else self.table,
            n,
            binary=None if self.binary is None else self.binary[offset:end],
            paired=None if self.paired is None else self.paired.slice(offset, n),
            paired_input=None if self.paired_input is None else self.paired_input.slice(offset, n),
            lineage={k: v.slice(offset, n) for k, v in self.lineage.items()},
        )

    def with_column(self, name: str, values: pa.Array | pa.ChunkedArray) -> ItemBatch:
        """Set a typed column (replacing any column of that name) without touching the rest."""
        table = self.table
        f = pa.field(name, values.type)
        if name in table.column_names:
            table = table.set_column(table.column_names.index(name), f, values)
        elif table.num_columns:
            table = table.append_column(f, values)
        else:
            table = pa.Table.from_arrays([values], schema=pa.schema([f]))
        return self._replace(table=table)

    def select(self, names: Iterable[str]) -> ItemBatch:
        keep = [n for n in names if n in self.table.column_names]
        return self._replace(table=self.table.select(keep))

    def drop(self, names: Iterable[str]) -> ItemBatch:
        drop = [n for n in names if n in self.table.column_names]
        return self._replace(table=self.table.drop_columns(drop))

    def with_pairing(
        self, paired: pa.Array | Sequence[int | None] | None, paired_input: Any = None
    ) -> ItemBatch:
        p = (
            paired
            if paired is None or isinstance(paired, pa.Array)
            else pa.array(paired, type=pa.int64())
        )
        pi = (
            paired_input
            if paired_input is None or isinstance(paired_input, pa.Array)
            else pa.array(paired_input, type=pa.int8())
        )
        return self._replace(paired=p, paired_input=pi)

    def with_identity_pairing(self) -> ItemBatch:
        """Each output item pairs with the input item at the same position."""
        return self._replace(paired=arange(self.num_items), paired_input=None)

    def _replace(self, **changes: Any) -> ItemBatch:
        fields: dict[str, Any] = {
            "table": self.table,
            "num_items": self.num_items,
            "binary": self.binary,
            "paired": self.paired,
            "paired_input": self.paired_input,
            "lineage": self.lineage,
        }
        fields.update(changes)
        table = fields.pop("table")
        num = fields.pop("num_items")
        return ItemBatch(table, num, **fields)

    @staticmethod
    def concat(batches: Sequence[ItemBatch]) -> ItemBatch:
        """Items of every batch in order; columns unify, json-encoding where types differ."""
        batches = [b for b in batches if b.num_items]
        if not batches:
            return ItemBatch.empty()
        if len(batches) == 1:
            return batches[0]
        schemas = [b.table.schema for b in batches]
        if all(s.equals(schemas[0], check_metadata=True) for s in schemas[1:]) and schemas[0]:
            table = pa.concat_tables([b.table for b in batches])
            out = ItemBatch(table, table.num_rows)
        else:
            rows = [r for b in batches for r in b.to_json()]
            out = ItemBatch.from_json(rows)
        binary = (
            None
            if all(b.binary is None for b in batches)
            else [x for b in batches for x in (b.binary or [None] * b.num_items)]
        )
        paired = _concat_optional([b.paired for b in batches], [len(b) for b in batches])
        paired_input = _concat_optional(
            [b.paired_input for b in batches], [len(b) for b in batches]
        )
        names = set().union(*(b.lineage for b in batches))
        lineage = {
            n: pa.concat_arrays(
                [b.lineage.get(n, pa.nulls(len(b), pa.int64())).cast(pa.int64()) for b in batches]
            )
            for n in names
        }
        return ItemBatch(
            out.table,
            out.num_items,
            binary=binary,
            paired=paired,
            paired_input=paired_input,
            lineage=lineage,
        )


def _concat_optional(parts: list[pa.Array | None], lengths: list[int]) -> pa.Array | None:
    if all(p is None for p in parts):
        return None
    typ = next(p.type for p in parts if p is not None)
    return pa.concat_arrays(
        [p if p is not None else pa.nulls(n, typ) for p, n in zip(parts, lengths, strict=True)]
    )

"""Field paths and JavaScript value semantics shared by the transform nodes.

n8n's transform nodes read fields with lodash `get` (dotted paths, `a[0].b`, and a literal
key that contains dots wins over the path) unless "Disable Dot Notation" is on, compare
with lodash `isEqual` / JS `<`, and write with lodash `set`. These helpers reproduce that on
plain Python JSON values, and read single columns of an `ItemBatch` without decoding the
rest of the batch.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from hetumind.expressions.values import compare_lt, stringify, to_string
from hetumind.items import ENCODING_KEY, ItemBatch

__all__ = [
    "MISSING",
    "canonical_key",
    "column_values",
    "get_path",
    "js_equal",
    "js_lt",
    "js_string",
    "parse_path",
    "set_path",
    "split_fields",
    "typed_path",
    "unset_path",
]


class _Missing:
    """JS `undefined`: the field is absent (distinct from JSON null)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


def split_fields(value: Any) -> list[str]:
    """n8n's prepareFieldsArray: a comma-separated string (or a list) of field names."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if value is None:
        return []
    return [part.strip() for part in str(value).split(",") if part.strip()]


def parse_path(path: str) -> list[str]:
    """lodash path syntax: `a.b[0]["c"]` -> ['a', 'b', '0', 'c']."""
    out: list[str] = []
    buf = ""
    i, n = 0, len(path)
    pending = True  # a key may start here (so "a..b" keeps an empty key, like lodash)
    while i < n:
        ch = path[i]
        if ch == ".":
            if buf or pending:
                out.append(buf)
            buf, pending = "", True
            i += 1
        elif ch == "[":
            if buf:
                out.append(buf)
            buf, pending = "", False
            close = path.find("]", i)
            if close < 0:
                buf = path[i:]
                break
            inner = path[i + 1 : close].strip()
            if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "\"'":
                inner = inner[1:-1]
            out.append(inner)
            i = close + 1
        else:
            buf += ch
            pending = False
            i += 1
    if buf or (pending and out):
        out.append(buf)
    return out


def _step(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return value.get(key, MISSING)
    if isinstance(value, list):
        if key.isdigit():
            i = int(key)
            return value[i] if i < len(value) else MISSING
        if key == "length":
            return len(value)
        return MISSING
    if isinstance(value, str) and key == "length":
        return len(value)
    return MISSING


def get_path(obj: Any, path: str, disable_dot: bool = False) -> Any:
    """lodash `get(obj, path)` (or `obj[path]` with dot notation disabled); MISSING if absent."""
    if disable_dot or (isinstance(obj, dict) and path in obj):
        return obj.get(path, MISSING) if isinstance(obj, dict) else MISSING
    value = obj
    for key in parse_path(path) or [path]:
        value = _step(value, key)
        if value is MISSING or value is None:
            return MISSING
    return value


def set_path(obj: dict[str, Any], path: str, value: Any, disable_dot: bool = False) -> None:
    """lodash `set`: creates intermediate objects (arrays for numeric keys)."""
    if disable_dot:
        obj[path] = value
        return
    keys = parse_path(path)
    target: Any = obj
    for i, key in enumerate(keys):
        last = i == len(keys) - 1
        if isinstance(target, list) and key.isdigit():
            idx = int(key)
            while len(target) <= idx:
                target.append(None)
            if last:
                target[idx] = value
            else:
                if not isinstance(target[idx], dict | list):
                    target[idx] = [] if keys[i + 1].isdigit() else {}
                target = target[idx]
        elif isinstance(target, dict):
            if last:
                target[key] = value
            else:
                if not isinstance(target.get(key), dict | list):
                    target[key] = [] if keys[i + 1].isdigit() else {}
                target = target[key]
        else:
            return


def unset_path(obj: dict[str, Any], path: str, disable_dot: bool = False) -> None:
    """lodash `unset` (or `delete obj[path]`)."""
    if disable_dot or path in obj:
        obj.pop(path, None)
        return
    keys = parse_path(path)
    target: Any = obj
    for key in keys[:-1]:
        target = _step(target, key)
        if not isinstance(target, dict | list):
            return
    if isinstance(target, dict):
        target.pop(keys[-1], None)


def _decoded_column(batch: ItemBatch, name: str) -> list[Any]:
    col = batch.table.column(name)
    field = batch.table.schema.field(name)
    values = col.to_pylist()
    if field.metadata and field.metadata.get(ENCODING_KEY) == b"json":
        return [MISSING if v is None else json.loads(v) for v in values]
    return values


def column_values(batch: ItemBatch, path: str, disable_dot: bool = False) -> list[Any]:
    """The value at `path` for every item (MISSING where absent), decoding one column only."""
    names = batch.table.column_names
    if path in names:
        return _decoded_column(batch, path)
    if disable_dot:
        return [MISSING] * len(batch)
    keys = parse_path(path) or [path]
    if keys[0] not in names:
        return [MISSING] * len(batch)
    rest = keys[1:]
    out = []
    for v in _decoded_column(batch, keys[0]):
        for key in rest:
            if v is MISSING or v is None:
                v = MISSING
                break
            v = _step(v, key)
        out.append(v)
    return out


def typed_path(batch: ItemBatch, path: str, disable_dot: bool = False) -> pa.ChunkedArray | None:
    """The Arrow column at `path` when every item has it typed (nulls are JSON nulls).

    Nested paths resolve through struct columns; None when any step is JSON-encoded,
    missing, or a parent is null in some item (then the value would be `undefined`).
    """
    col = batch.typed_column(path)
    if col is not None or path in batch.table.column_names or disable_dot:
        return col
    keys = parse_path(path)
    if not keys:
        return None
    col = batch.typed_column(keys[0])
    for key in keys[1:]:
        if col is None or not pa.types.is_struct(col.type) or col.null_count:
            return None
        if col.type.get_field_index(key) < 0:
            return None
        col = pc.struct_field(col, key)
    return col


def js_string(value: Any) -> str:
    """String(value) as JS writes it (numbers without a trailing .0)."""
    if value is MISSING:
        return "undefined"
    return to_string(value)


def json_stringify(value: Any) -> str:
    """JSON.stringify for JSON values."""
    out = stringify(value)
    return out if isinstance(out, str) else "undefined"


def js_lt(a: Any, b: Any) -> bool:
    """lodash `lt(a, b)`: JS `a < b` (false when undefined/NaN is involved)."""
    if a is MISSING or b is MISSING:
        return False
    return bool(compare_lt(a, b))


def _normalized(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _normalized(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    return value


def canonical_key(value: Any) -> str:
    """A string equal for two values exactly when lodash `isEqual` says they are equal."""
    if value is MISSING:
        return "\x00undefined"
    return json.dumps(_normalized(value), sort_keys=True, ensure_ascii=False)


def js_equal(a: Any, b: Any) -> bool:
    """lodash `isEqual` for JSON values (1 equals 1.0, key order ignored, true != 1)."""
    return canonical_key(a) == canonical_key(b)


def as_table_rows(batch: ItemBatch, indices: Sequence[int]) -> list[dict[str, Any]]:
    """json of the items at `indices` only."""
    return batch.take(list(indices)).to_json()

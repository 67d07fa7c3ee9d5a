"""Edit Fields (Set) 3.0-3.4: set fields by assignments (manual) or from JSON (raw).

Set 1 and 2 live in set_v1.py.

Manual mode on 3.3+ with plain field names works on whole columns: each assignment value
is evaluated with `ctx.evaluate_column` and converted with Arrow compute where the types
allow. Everything else (raw mode, dotted names, expression names, 3.0-3.2 fields, values
that fail conversion) runs item by item with n8n's exact rules (`set_fields.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from hetumind.errors import HetumindError
from hetumind.expressions.values import UNDEFINED, number_to_string
from hetumind.items import ItemBatch, to_arrow_column
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin.set_fields import (
    compose_item,
    parse_json_parameter,
    resolve_raw_data,
    validate_entry,
)
from hetumind.nodes.builtin.set_v1 import run_set_v1
from hetumind.nodes.item_wise import map_items

__all__ = ["Set"]

_VALUE_TYPES = ("string", "number", "boolean", "array", "object")


class SetParams(NodeParams):
    mode: Literal["manual", "raw"] = "manual"
    assignments: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    jsonOutput: Any = "{}"
    includeOtherFields: bool | str = False
    include: Literal["all", "none", "selected", "except"] = "all"
    includeFields: str = ""
    excludeFields: str = ""
    options: dict[str, Any] = {}


@node(
    "set",
    versions=[1, 2, 3, 3.1, 3.2, 3.3, 3.4],
    display_name="Edit Fields (Set)",
    params=SetParams,
    pure=True,
    item_wise=True,
    reads_named_fields=True,
)
class Set(Node):
    """Adds, changes or replaces item fields."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        if ctx.type_version < 3:
            return [run_set_v1(ctx, batch)]
        if not len(batch):
            return [ItemBatch.empty()]
        mode = ctx.param("mode", 0, "manual")
        if mode == "manual" and ctx.type_version >= 3.3:
            fast = _vectorized(ctx, batch)
            if fast is not None:
                return [fast]
        return [_row_wise(ctx, batch, str(mode))]


# shared -------------------------------------------------------------------------------------
def _options(ctx: NodeContext, item_index: int) -> dict[str, Any]:
    options = ctx.param("options", item_index, {}) or {}
    return dict(options) if isinstance(options, Mapping) else {}


def _include(ctx: NodeContext, item_index: int) -> str:
    include = str(ctx.param("include", item_index, "all") or "all")
    if ctx.type_version >= 3.3:
        return include if ctx.param("includeOtherFields", item_index, False) else "none"
    return include


def _keeps_binary(ctx: NodeContext, options: Mapping[str, Any], include: str) -> bool:
    if ctx.type_version >= 3.4:
        return not options.get("stripBinary") and include != "none"
    return bool(options.get("includeBinary"))


# row-wise path ----------------------------------------------------------------------------------
def _row_wise(ctx: NodeContext, batch: ItemBatch, mode: str) -> ItemBatch:
    constant_json = _constant_json(ctx) if mode == "raw" else None

    def step(i: int, row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        options = _options(ctx, i)
        include = _include(ctx, i)
        if mode == "raw":
            new_fields = _raw_fields(ctx, i, constant_json)
        elif ctx.type_version < 3.3:
            new_fields = _legacy_fields(ctx, i, options)
        else:
            new_fields = _assignment_fields(ctx, i, options)
        out = compose_item(
            row,
            new_fields,
            include,
            lambda: ctx.param("includeFields", i, ""),
            lambda: ctx.param("excludeFields", i, ""),
            options.get("dotNotation") is not False,
        )
        keep = _keeps_binary(ctx, options, include) and batch.binary is not None
        return out, dict(batch.binary[i] or {}) or None if keep and batch.binary else None

    # expression errors carry parameter and position in their message
    return map_items(ctx, batch, step, failures=(HetumindError,))


def _constant_json(ctx: NodeContext) -> Any:
    raw = ctx.raw_parameters.get("jsonOutput", "{}")
    if isinstance(raw, str) and raw.startswith("="):
        return None
    return raw


def _raw_fields(ctx: NodeContext, i: int, constant: Any) -> list[tuple[str, Any]]:
    if constant is not None:
        parsed = parse_json_parameter(constant, i)
    else:
        text = str(ctx.raw_parameters.get("jsonOutput", "")).lstrip("=")
        resolved = resolve_raw_data(text, lambda expr: ctx.evaluate(expr, i, "jsonOutput"))
        parsed = parse_json_parameter(resolved, i)
    return list(parsed.items())


def _assignment_fields(
    ctx: NodeContext, i: int, options: Mapping[str, Any]
) -> list[tuple[str, Any]]:
    collection = ctx.param("assignments", i, {}) or {}
    assignments = collection.get("assignments") if isinstance(collection, Mapping) else None
    out: list[tuple[str, Any]] = []
    for assignment in assignments or []:
        if not isinstance(assignment, Mapping) or assignment.get("type") == "binary":
            continue  # binary assignments need the blob store; see the report
        name = str(assignment.get("name", ""))
        value = validate_entry(
            name,
            str(assignment.get("type") or "string"),
            assignment.get("value"),
            i,
            ctx.type_version,
            bool(options.get("ignoreConversionErrors")),
        )
        out.append((name, value))
    return out


_LEGACY_DEFAULTS = {
    "stringValue": "",
    "numberValue": "",
    "booleanValue": "true",
    "arrayValue": "",
    "objectValue": "={}",
}


def _legacy_fields(ctx: NodeContext, i: int, options: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """3.0-3.2: fields.values[] with `type: stringValue|...` and the value under that key."""
    raw_entries = (ctx.raw_parameters.get("fields") or {}).get("values") or []
    entries = ctx.param("fields.values", i, []) or []
    out: list[tuple[str, Any]] = []
    for raw, entry in zip(raw_entries, entries, strict=False):
        if not isinstance(entry, Mapping):
            continue
        kind = str(entry.get("type") or "stringValue")
        name = str(entry.get("name", ""))
        value = entry.get(kind, _LEGACY_DEFAULTS.get(kind))
        if kind == "objectValue":
            raw_value = raw.get(kind, "={}") if isinstance(raw, Mapping) else "={}"
            # n8n re-reads the raw JSON text only when the value evaluated to something:
            # `={{ null }}` stays null (and fails or not by ignoreConversionErrors).
            evaluated = value is not None and value is not UNDEFINED
            if evaluated and isinstance(raw_value, str) and raw_value.startswith("="):
                text = resolve_raw_data(
                    raw_value.lstrip("="), lambda expr: ctx.evaluate(expr, i, "fields.values")
                )
                value = parse_json_parameter(text, i, name)
        value = validate_entry(
            name,
            kind.removesuffix("Value"),
            value,
            i,
            ctx.type_version,
            bool(options.get("ignoreConversionErrors")),
        )
        out.append((name, value))
    return out


# vectorized path --------------------------------------------------------------------------------
def _plain_name(name: Any, dot_notation: bool) -> bool:
    if not isinstance(name, str) or not name or name.startswith("="):
        return False
    return not dot_notation or not any(c in name for c in ".[]")


def _vectorized(ctx: NodeContext, batch: ItemBatch) -> ItemBatch | None:
    """Manual mode over whole columns, or None when the row-wise path must run."""
    raw = ctx.raw_parameters
    if any(
        isinstance(raw.get(key), str) and str(raw.get(key)).startswith("=")
        for key in ("include", "includeOtherFields", "includeFields", "excludeFields", "options")
    ):
        return None
    options = _options(ctx, 0)
    if any(isinstance(v, str) and v.startswith("=") for v in options.values()):
        return None
    dot_notation = options.get("dotNotation") is not False
    include = _include(ctx, 0)
    collection = raw.get("assignments") or {}
    assignments = collection.get("assignments") if isinstance(collection, Mapping) else None
    assignments = assignments or []
    if not all(
        isinstance(a, Mapping)
        and _plain_name(a.get("name"), dot_notation)
        and (a.get("type") or "string") in _VALUE_TYPES
        for a in assignments
    ):
        return None
    n = len(batch)
    if include == "all":
        out = batch
    elif include == "none":
        out = ItemBatch(pa.table({}), n, binary=batch.binary, lineage=batch.lineage)
    elif include in ("selected", "except"):
        key = "includeFields" if include == "selected" else "excludeFields"
        fields = [f.strip() for f in str(raw.get(key) or "").split(",") if f.strip()]
        if not all(_plain_name(f, dot_notation) for f in fields):
            return None
        out = batch.select(fields) if include == "selected" else batch.drop(fields)
    else:
        return None
    ignore = bool(options.get("ignoreConversionErrors"))
    for k, assignment in enumerate(assignments):
        name = str(assignment["name"])
        kind = str(assignment.get("type") or "string")
        try:
            values = ctx.evaluate_column(
                assignment.get("value"), f"assignments.assignments.{k}.value", batch
            )
            column = _convert(name, kind, values, n, ctx.type_version, ignore)
        except HetumindError:
            return None  # the row-wise path reports it for the right item
        if column is None:
            return None
        out = _set_field(out, *column)
    keep = _keeps_binary(ctx, options, include)
    return ItemBatch(
        out.table,
        n,
        binary=batch.binary if keep else None,
        lineage=batch.lineage,
    ).with_identity_pairing()


def _set_field(batch: ItemBatch, f: pa.Field, values: pa.Array) -> ItemBatch:
    table = batch.table
    if f.name in table.column_names:
        table = table.set_column(table.column_names.index(f.name), f, values)
    elif table.num_columns:
        table = table.append_column(f, values)
    else:
        table = pa.Table.from_arrays([values], schema=pa.schema([f]))
    return ItemBatch(
        table,
        batch.num_items,
        binary=batch.binary,
        paired=batch.paired,
        paired_input=batch.paired_input,
        lineage=batch.lineage,
    )


def _convert(
    name: str, kind: str, values: Any, n: int, version: float, ignore: bool
) -> tuple[pa.Field, pa.Array] | None:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        typ = values.type
        if pa.types.is_null(typ):
            return pa.field(name, pa.null()), values
        fast = _arrow_cast(kind, values)
        if fast is not None:
            return pa.field(name, fast.type), fast
        values = values.to_pylist()
    if not isinstance(values, list) or len(values) != n:
        return None
    converted = [validate_entry(name, kind, v, i, version, ignore) for i, v in enumerate(values)]
    return to_arrow_column(name, converted)


def _arrow_cast(kind: str, arr: pa.Array) -> pa.Array | None:
    """The conversion on Arrow values, where Arrow and JavaScript agree exactly."""
    typ = arr.type
    if kind == "string":
        if pa.types.is_string(typ) or pa.types.is_large_string(typ):
            return arr
        if pa.types.is_integer(typ):
            return pc.cast(arr, pa.string())
        if pa.types.is_boolean(typ):
            return pc.if_else(arr, "true", "false")
        if pa.types.is_floating(typ):
            return pa.array(
                [None if v is None else number_to_string(v) for v in arr.to_pylist()],
                pa.string(),
            )
        return None
    if kind == "number":
        return arr if pa.types.is_integer(typ) or pa.types.is_floating(typ) else None
    if kind == "boolean":
        return arr if pa.types.is_boolean(typ) else None
    if kind == "array":
        return arr if pa.types.is_list(typ) or pa.types.is_large_list(typ) else None
    if kind == "object":
        return arr if pa.types.is_struct(typ) and typ.num_fields > 0 else None
    return None

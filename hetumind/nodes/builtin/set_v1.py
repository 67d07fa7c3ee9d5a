"""Set 1 and 2: `values.boolean`, `values.number` and `values.string` collections.

Fields are written in that order (booleans, then numbers, then strings), each name a lodash
path unless `options.dotNotation` is false; `keepOnlySet` starts every item from `{}`. A
boolean value is the truthiness of what was entered; Set 2 turns a number value that is a
numeric string (an expression's result, usually) into a number, as `Number(text)` does.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from hetumind.expressions.values import UNDEFINED, string_to_number, truthy
from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext
from hetumind.nodes.builtin.set_fields import path_set

__all__ = ["run_set_v1"]

_DEFAULT_VALUES = {"boolean": False, "number": 0, "string": ""}


def _entries(ctx: NodeContext, kind: str, i: int) -> list[tuple[str, Any]]:
    raw = ctx.param(f"values.{kind}", i, []) or []
    out = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, Mapping):
            continue
        name = entry.get("name", "propertyName")
        value = entry.get("value", _DEFAULT_VALUES[kind])
        out.append((name if isinstance(name, str) else str(name), value))
    return out


def _number(value: Any, version: float) -> Any:
    if version >= 2 and isinstance(value, str):
        number = string_to_number(value)
        if number == number:
            return number
    return value


def run_set_v1(ctx: NodeContext, batch: ItemBatch) -> ItemBatch:
    """One output item per input item (one `{}` item when there is no input, as n8n does)."""
    rows = batch.to_json() if len(batch) else [{}]
    binary = batch.binary if len(batch) else None
    version = ctx.type_version
    out_rows: list[dict[str, Any]] = []
    out_binary: list[dict[str, Any] | None] = []
    for i, row in enumerate(rows):
        keep_only_set = truthy(ctx.param("keepOnlySet", i, False))
        options = ctx.param("options", i, {}) or {}
        dot = not (isinstance(options, Mapping) and options.get("dotNotation") is False)
        item: dict[str, Any] = {} if keep_only_set else copy.deepcopy(row)
        fields = [(n, truthy(v)) for n, v in _entries(ctx, "boolean", i)]
        fields += [(n, _number(v, version)) for n, v in _entries(ctx, "number", i)]
        fields += _entries(ctx, "string", i)
        for name, value in fields:
            path_set(item, name, None if value is UNDEFINED else value, dot)
        out_rows.append(item)
        out_binary.append(None if keep_only_set or binary is None else binary[i])
    return ItemBatch.from_json(out_rows, binary=out_binary, paired=list(range(len(out_rows))))

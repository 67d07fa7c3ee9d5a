"""Remove Duplicates: drop items whose compared fields equal an earlier item's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from hetumind.errors import NodeExecutionError
from hetumind.expressions.values import js_typeof
from hetumind.items import ItemBatch, arange
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import (
    MISSING,
    canonical_key,
    column_values,
    get_path,
    set_path,
    split_fields,
    typed_path,
)

ALLOW_MIXED_TYPES = "allowMixedTypes"
"""An option only Item Lists 3.1 sets when it delegates here: n8n's Item Lists 3.1 compares
values of different types (the string "1" and the number 1 are two values) where Remove
Duplicates refuses them as "isn't always the same type"."""


class RemoveDuplicatesParams(NodeParams):
    operation: str = "removeDuplicateInputItems"
    compare: str = "allFields"
    fieldsToExclude: str | list[str] = ""
    fieldsToCompare: str | list[str] = ""


def flatten_keys(value: Any, prefix: str = "") -> list[str]:
    """n8n's flattenKeys: dotted paths to every leaf; empty objects/arrays vanish."""
    if isinstance(value, dict):
        items: Sequence[tuple[str, Any]] = list(value.items())
    elif isinstance(value, list):
        items = [(str(i), v) for i, v in enumerate(value)]
    else:
        return [prefix]
    out: list[str] = []
    for k, v in items:
        for key in flatten_keys(v, f"{prefix}.{k}" if prefix else k):
            if key not in out:
                out.append(key)
    return out


def _scalar_type(t: pa.DataType) -> bool:
    return (
        pa.types.is_integer(t)
        or pa.types.is_floating(t)
        or pa.types.is_string(t)
        or pa.types.is_boolean(t)
    )


@node(
    "removeDuplicates",
    versions=[1, 1.1, 2],
    display_name="Remove Duplicates",
    params=RemoveDuplicatesParams,
    pure=True,
)
class RemoveDuplicates(Node):
    """Removes items whose compared fields match an earlier item (the first one is kept)."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        params = RemoveDuplicatesParams.model_validate(ctx.raw_parameters)
        if ctx.type_version >= 2 and params.operation != "removeDuplicateInputItems":
            raise NodeExecutionError(
                f"Remove Duplicates operation '{params.operation}' is not supported; "
                "use 'removeDuplicateInputItems'",
                node=ctx.node_name,
            )
        if not len(batch):
            return [batch]
        disable_dot = bool(ctx.param("options.disableDotNotation", 0, False))
        remove_others = bool(ctx.param("options.removeOtherFields", 0, False))
        keys = self._keys(ctx, batch, params, disable_dot)
        kept = self._fast(batch, keys, disable_dot, ctx.type_version)
        if kept is None:
            mixed_types = bool(ctx.param(f"options.{ALLOW_MIXED_TYPES}", 0, False))
            kept = self._slow(ctx, batch, keys, disable_dot, check_types=not mixed_types)
        idx = pa.array(kept, pa.int64())
        out = batch.take(idx).with_pairing(idx)
        if remove_others:
            rows = []
            for row in out.to_json():
                picked: dict[str, Any] = {}
                for key in keys:
                    value = get_path(row, key, disable_dot)
                    if value is not MISSING:
                        set_path(picked, key, value, disable_dot)
                rows.append(picked)
            out = ItemBatch.from_json(rows, binary=out.binary, paired=kept)
        return [out]

    @staticmethod
    def _keys(
        ctx: NodeContext, batch: ItemBatch, params: RemoveDuplicatesParams, disable_dot: bool
    ) -> list[str]:
        if params.compare == "selectedFields":
            fields = split_fields(params.fieldsToCompare)
            if not fields:
                raise NodeExecutionError(
                    "No fields specified. Please add a field to compare on", node=ctx.node_name
                )
            return fields
        all_scalar = all(
            c is not None and _scalar_type(c.type)
            for c in (batch.typed_column(n) for n in batch.columns)
        )
        if disable_dot or all_scalar:
            keys = batch.columns if all_scalar else _union_top_level(batch)
        else:
            rows = batch.to_json()
            first = flatten_keys(rows[0])
            if params.compare == "allFieldsExcept":
                keys = first
            else:
                keys = list(first)
                for row in rows[1:]:
                    keys.extend(k for k in flatten_keys(row) if k not in keys)
        if params.compare == "allFieldsExcept":
            exclude = split_fields(params.fieldsToExclude)
            if not exclude:
                raise NodeExecutionError(
                    "No fields specified. Please add a field to exclude from comparison",
                    node=ctx.node_name,
                )
            keys = [k for k in keys if k not in exclude]
        return keys

    @staticmethod
    def _fast(
        batch: ItemBatch, keys: list[str], disable_dot: bool, version: float
    ) -> list[int] | None:
        cols = [typed_path(batch, k, disable_dot) for k in keys]
        if not keys or not all(c is not None and _scalar_type(c.type) for c in cols):
            return None
        if version <= 1 and any(c is not None and c.null_count for c in cols):
            return None
        table = pa.table({f"k{i}": c for i, c in enumerate(cols)})
        table = table.append_column("__i", arange(len(batch)))
        firsts = table.group_by([f"k{i}" for i in range(len(keys))], use_threads=False).aggregate(
            [("__i", "min")]
        )
        return sorted(firsts.column("__i_min").to_pylist())

    @staticmethod
    def _slow(
        ctx: NodeContext,
        batch: ItemBatch,
        keys: list[str],
        disable_dot: bool,
        *,
        check_types: bool = True,
    ) -> list[int]:
        columns = [column_values(batch, k, disable_dot) for k in keys]
        for key, values in zip(keys, columns, strict=True):
            if key == "":
                raise NodeExecutionError("Name of field to compare is blank", node=ctx.node_name)
            seen_type: str | None = None
            for v in values:
                if v is None and ctx.type_version > 1:
                    continue
                if v is MISSING:
                    raise NodeExecutionError(
                        f"'{key}' field is missing from some input items", node=ctx.node_name
                    )
                t = js_typeof(v)
                if check_types and seen_type is not None and t != seen_type:
                    raise NodeExecutionError(
                        f"'{key}' isn't always the same type", node=ctx.node_name
                    )
                seen_type = t
        seen: set[tuple[str, ...]] = set()
        kept: list[int] = []
        for i in range(len(batch)):
            token = tuple(canonical_key(col[i]) for col in columns)
            if token not in seen:
                seen.add(token)
                kept.append(i)
        return kept


def _union_top_level(batch: ItemBatch) -> list[str]:
    # A typed column exists in every item; a json column may be absent in some, but n8n's
    # key list is the union either way, in order of first appearance (column order).
    return list(batch.columns)

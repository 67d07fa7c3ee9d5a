"""Aggregate: many items into one item holding lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import (
    MISSING,
    column_values,
    set_path,
    split_fields,
    typed_path,
)


class FieldToAggregate(BaseModel):
    model_config = ConfigDict(extra="allow")
    fieldToAggregate: str = ""
    renameField: bool = False
    outputFieldName: str = ""


class FieldsToAggregate(BaseModel):
    model_config = ConfigDict(extra="allow")
    fieldToAggregate: list[FieldToAggregate] = Field(default_factory=list)


class AggregateParams(NodeParams):
    aggregate: Literal["aggregateIndividualFields", "aggregateAllItemData"] = (
        "aggregateIndividualFields"
    )
    fieldsToAggregate: FieldsToAggregate = Field(
        default_factory=lambda: FieldsToAggregate(fieldToAggregate=[FieldToAggregate()])
    )
    destinationFieldName: str = "data"
    include: Literal["allFields", "specifiedFields", "allFieldsExcept"] = "allFields"
    fieldsToExclude: str | list[str] = ""
    fieldsToInclude: str | list[str] = ""


def _one_list(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A length-1 list array whose single value is all of `values`."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pa.ListArray.from_arrays(pa.array([0, len(values)], pa.int32()), values)


def _fast_field(
    batch: ItemBatch, path: str, disable_dot: bool, keep_missing: bool, merge_lists: bool
) -> pa.Array | None:
    col = typed_path(batch, path, disable_dot)
    if col is None or pa.types.is_null(col.type):
        return None
    is_list = pa.types.is_list(col.type) or pa.types.is_large_list(col.type)
    if is_list and (col.null_count or pc.list_flatten(col).null_count):
        return None  # null lists / null entries: let the row path apply n8n's filtering
    if not keep_missing:
        col = col.drop_null()
    if is_list and merge_lists:
        col = pc.list_flatten(col)
    return _one_list(col)


def _row_field(
    batch: ItemBatch, path: str, disable_dot: bool, keep_missing: bool, merge_lists: bool
) -> list[Any]:
    out: list[Any] = []
    for value in column_values(batch, path, disable_dot):
        if not keep_missing:
            if isinstance(value, list):
                value = [v for v in value if v is not None]
            elif value is None or value is MISSING:
                continue
        if value is MISSING:
            value = None  # undefined inside an array serializes as null
        if isinstance(value, list) and merge_lists:
            out.extend(value)
        else:
            out.append(value)
    return out


_BINARY_IDENTITY = ("mimeType", "fileType", "fileSize", "fileExtension")


def _merge_binaries(
    items: Sequence[dict[str, Any] | None] | None, unique_only: bool
) -> dict[str, Any] | None:
    merged: dict[str, Any] = {}
    seen: list[tuple[Any, ...]] = []
    for binary in items or []:
        for key, data in (binary or {}).items():
            if unique_only and isinstance(data, dict):
                sig = tuple(data.get(k) for k in _BINARY_IDENTITY)
                if sig in seen:
                    continue
                seen.append(sig)
            name, i = key, 1
            while name in merged:
                name = f"{key}_{i}"
                i += 1
            merged[name] = data
    return merged or None


@node("aggregate", versions=[1], display_name="Aggregate", params=AggregateParams, pure=True)
class Aggregate(Node):
    """Combines a field from many items (or whole items) into lists in a single item."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        params = AggregateParams.model_validate(ctx.raw_parameters)
        if params.aggregate == "aggregateAllItemData":
            out = self._all_item_data(ctx, batch, params)
        else:
            out = self._individual_fields(ctx, batch, params)
        if ctx.param("options.includeBinaries", 0, False):
            unique = bool(ctx.param("options.keepOnlyUnique", 0, False))
            binary = _merge_binaries(batch.binary, unique)
            if binary:
                out = ItemBatch(out.table, 1, binary=[binary])
        return [out.with_pairing([None])]

    def _individual_fields(
        self, ctx: NodeContext, batch: ItemBatch, params: AggregateParams
    ) -> ItemBatch:
        disable_dot = bool(ctx.param("options.disableDotNotation", 0, False))
        merge_lists = bool(ctx.param("options.mergeLists", 0, False))
        keep_missing = bool(ctx.param("options.keepMissing", 0, False))
        fields = params.fieldsToAggregate.fieldToAggregate
        if not fields:
            raise NodeExecutionError(
                "No fields specified. Please add a field to aggregate", node=ctx.node_name
            )
        seen: list[str] = []
        values: dict[str, pa.Array | list[Any]] = {}
        for f in fields:
            name = f.outputFieldName if f.renameField else f.fieldToAggregate
            if name in seen:
                raise NodeExecutionError(
                    f"The '{name}' output field is used more than once", node=ctx.node_name
                )
            seen.append(name)
            if f.fieldToAggregate == "":
                continue
            if f.outputFieldName:
                out_name = f.outputFieldName
            elif not disable_dot and "." in f.fieldToAggregate:
                out_name = f.fieldToAggregate.split(".")[-1]
            else:
                out_name = f.fieldToAggregate
            fast = _fast_field(batch, f.fieldToAggregate, disable_dot, keep_missing, merge_lists)
            values[out_name] = (
                fast
                if fast is not None
                else _row_field(batch, f.fieldToAggregate, disable_dot, keep_missing, merge_lists)
            )
        nested = not disable_dot and any("." in k or "[" in k for k in values)
        if not nested and all(isinstance(v, pa.Array) for v in values.values()) and values:
            table = pa.table({k: v for k, v in values.items() if isinstance(v, pa.Array)})
            return ItemBatch(table, 1)
        row: dict[str, Any] = {}
        for key, v in values.items():
            py = v.to_pylist()[0] if isinstance(v, pa.Array) else v
            set_path(row, key, py, disable_dot)
        return ItemBatch.from_json([row])

    def _all_item_data(
        self, ctx: NodeContext, batch: ItemBatch, params: AggregateParams
    ) -> ItemBatch:
        dest = str(ctx.param("destinationFieldName", 0, "data"))
        mode = params.include
        exclude = split_fields(params.fieldsToExclude) if mode == "allFieldsExcept" else []
        include = split_fields(params.fieldsToInclude) if mode == "specifiedFields" else []
        names = [n for n in batch.columns if n not in exclude and (not include or n in include)]
        typed = [batch.typed_column(n) for n in names]
        if (
            names
            and (exclude or include or len(names) == batch.table.num_columns)
            and all(c is not None and not pa.types.is_null(c.type) for c in typed)
        ):
            struct = pa.StructArray.from_arrays(
                [c.combine_chunks() for c in typed if c is not None], names=names
            )
            return ItemBatch(pa.table({dest: _one_list(struct)}), 1)
        rows = batch.select(names).to_json()
        # n8n drops items left empty only when a field filter is in effect.
        kept = [r for r in rows if r] if (exclude or include) else rows
        return ItemBatch.from_json([{dest: kept}])

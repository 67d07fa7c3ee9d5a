"""Split Out: turn a list inside each item into separate items."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import MISSING, get_path, split_fields, unset_path

_JSON_PREFIX = re.compile(r"^\$json\.")


class SplitOutParams(NodeParams):
    fieldToSplitOut: str = ""
    include: Literal["noOtherFields", "allOtherFields", "selectedOtherFields"] | str = (
        "noOtherFields"
    )
    fieldsToInclude: str | list[str] = ""


def _is_expr(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


class _Settings:
    """The node's parameters for one item (evaluated once when none is an expression)."""

    def __init__(self, ctx: NodeContext, i: int) -> None:
        self.fields = [
            _JSON_PREFIX.sub("", f.strip())
            for f in str(ctx.param("fieldToSplitOut", i, "") or "").split(",")
        ]
        options = ctx.param("options", i, {}) or {}
        self.disable_dot = bool(options.get("disableDotNotation", False))
        self.include_binary = bool(options.get("includeBinary", False))
        self.destinations = [
            f.strip()
            for f in str(options.get("destinationFieldName") or "").split(",")
            if f.strip()
        ]
        self.include = str(ctx.param("include", i, "noOtherFields") or "noOtherFields")
        self.fields_to_include = (
            split_fields(ctx.param("fieldsToInclude", i, ""))
            if self.include == "selectedOtherFields"
            else []
        )
        if self.destinations and len(self.destinations) != len(self.fields):
            raise NodeExecutionError(
                "If multiple fields to split out are given, the same number of destination "
                "fields must be given",
                node=ctx.node_name,
            )
        if self.include == "selectedOtherFields" and not self.fields_to_include:
            raise NodeExecutionError(
                "No fields specified. Please add a field to include", node=ctx.node_name
            )


def _to_elements(value: Any) -> list[Any]:
    if value is MISSING:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return [value]


def _split_item(
    s: _Settings, item: dict[str, Any], binary: dict[str, Any] | None
) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    multi = len(s.fields) > 1
    entries: list[dict[str, Any]] = []
    entry_binary: list[dict[str, Any] | None] = []
    for n, field in enumerate(s.fields):
        dest = s.destinations[n] if n < len(s.destinations) else ""
        if field == "$binary":
            elements: list[Any] = [{k: v} for k, v in (binary or {}).items()]
        else:
            elements = _to_elements(get_path(item, field, s.disable_dot))
        for idx, element in enumerate(elements):
            if idx >= len(entries):
                entries.append({})
                entry_binary.append(None)
            if field == "$binary":
                entry_binary[idx] = {**(entry_binary[idx] or {}), **element}
                continue
            name = dest or field
            if isinstance(element, dict | list) and s.include == "noOtherFields":
                if dest == "" and not multi:
                    spread = (
                        element
                        if isinstance(element, dict)
                        else {str(k): v for k, v in enumerate(element)}
                    )
                    entries[idx] = {**entries[idx], **spread}
                else:
                    entries[idx][name] = element
            else:
                entries[idx][name] = element
    out = []
    for entry, b in zip(entries, entry_binary, strict=True):
        json_out = entry
        if s.include == "allOtherFields":
            rest = copy.deepcopy(item)
            for field in s.fields:
                unset_path(rest, field, s.disable_dot)
            json_out = {**rest, **entry}
        elif s.include == "selectedOtherFields":
            for field in s.fields_to_include:
                value = get_path(item, field, s.disable_dot)
                if value is MISSING:
                    entry.pop(field, None)
                else:
                    entry[field] = value
        if s.include_binary and binary and not b:
            b = binary
        out.append((json_out, b))
    return out


def _fast_split(batch: ItemBatch, s: _Settings) -> ItemBatch | None:
    """Whole-column split of one typed top-level list column (the common case)."""
    if (
        len(s.fields) != 1
        or s.destinations
        or s.include not in ("noOtherFields", "allOtherFields")
        or (s.include_binary and batch.binary is not None)
    ):
        return None
    field = s.fields[0]
    col = batch.typed_column(field)
    if col is None or not (pa.types.is_list(col.type) or pa.types.is_large_list(col.type)):
        return None
    if col.null_count:
        return None
    col = col.combine_chunks()
    parents = pc.list_parent_indices(col)
    values = pc.list_flatten(col)
    if s.include == "noOtherFields":
        if pa.types.is_struct(values.type):
            if values.null_count or values.type.num_fields == 0:
                return None
            names = [values.type.field(i).name for i in range(values.type.num_fields)]
            table = pa.Table.from_arrays(values.flatten(), names=names)
        else:
            table = pa.table({field: values})
        return ItemBatch(table, len(values)).with_pairing(parents.cast(pa.int64()))
    rest = batch.drop([field]).take(parents)
    out = rest.with_column(field, values)
    return out.with_pairing(parents.cast(pa.int64()))


@node(
    "splitOut",
    versions=[1],
    display_name="Split Out",
    params=SplitOutParams,
    pure=True,
    item_wise=True,
)
class SplitOut(Node):
    """Turns a list (or object) inside each item into separate items."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        raw = ctx.raw_parameters
        per_item = any(_is_expr(raw.get(k)) for k in ("fieldToSplitOut", "include"))
        per_item = per_item or any(_is_expr(v) for v in (raw.get("options") or {}).values())
        per_item = per_item or _is_expr(raw.get("fieldsToInclude"))
        shared = None if per_item or not len(batch) else _Settings(ctx, 0)
        if shared is not None:
            fast = _fast_split(batch, shared)
            if fast is not None:
                return [fast]
        rows = batch.to_json()
        out_rows: list[dict[str, Any]] = []
        out_binary: list[dict[str, Any] | None] = []
        paired: list[int] = []
        for i, item in enumerate(rows):
            s = shared or _Settings(ctx, i)
            binary = batch.binary[i] if batch.binary is not None else None
            for json_out, b in _split_item(s, item, binary):
                out_rows.append(json_out)
                out_binary.append(b)
                paired.append(i)
        return [ItemBatch.from_json(out_rows, binary=out_binary, paired=paired)]

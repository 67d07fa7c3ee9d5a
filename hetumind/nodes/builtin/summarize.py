"""Summarize: count, sum, average, min, max, ... across items, optionally split by fields.

Typed scalar columns go through one Arrow `group_by` (groups in order of first appearance,
as n8n's Map gives them); anything else takes the row path that mirrors n8n's code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch, arange
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import (
    MISSING,
    column_values,
    js_lt,
    js_string,
    json_stringify,
    split_fields,
    typed_path,
)

_PREFIX = {
    "append": "appended_",
    "average": "average_",
    "concatenate": "concatenated_",
    "count": "count_",
    "countUnique": "unique_count_",
    "max": "max_",
    "min": "min_",
    "sum": "sum_",
}


class SummaryField(BaseModel):
    model_config = ConfigDict(extra="allow")
    aggregation: str = "count"
    field: str = ""
    includeEmpty: bool = False
    separateBy: str = ","
    customSeparator: str = ""

    @property
    def output_name(self) -> str:
        return normalize_name(_PREFIX.get(self.aggregation, "count_") + self.field)

    @property
    def separator(self) -> str:
        return self.customSeparator if self.separateBy == "other" else self.separateBy

    @property
    def keeps_empty(self) -> bool:
        # n8n shows "Include Empty Values" for these four (so only they keep it).
        return self.includeEmpty and self.aggregation in (
            "append",
            "concatenate",
            "count",
            "countUnique",
        )


class FieldsToSummarize(BaseModel):
    model_config = ConfigDict(extra="allow")
    values: list[SummaryField] = Field(default_factory=lambda: [SummaryField()])


class SummarizeParams(NodeParams):
    fieldsToSummarize: FieldsToSummarize = Field(default_factory=FieldsToSummarize)
    fieldsToSplitBy: str | list[str] = ""


def normalize_name(name: str) -> str:
    return re.sub(r"[ .]", "_", re.sub(r'[\]\["]', "", name))


def _is_empty(v: Any) -> bool:
    return v is MISSING or v is None or (v == "" and isinstance(v, str))


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _unique_token(v: Any, i: int) -> Any:
    # JS Set: primitives by SameValueZero, every object distinct.
    if isinstance(v, dict | list):
        return ("o", i)
    if isinstance(v, bool):
        return ("b", v)
    if _is_number(v):
        return ("n", v)
    if v is None:
        return ("z",)
    if v is MISSING:
        return ("u",)
    return ("s", v)


def aggregate_values(spec: SummaryField, values: list[Any]) -> Any:
    """One aggregation over one group's values (MISSING = undefined), as n8n computes it."""
    kind = spec.aggregation
    if kind in ("sum", "average"):
        nums = [v for v in values if _is_number(v)]
        total: int | float = 0
        for v in nums:
            total += v
        if kind == "sum":
            return total
        return total / len(nums) if nums else None  # NaN serializes as null
    if kind in ("append", "concatenate"):
        kept = values if spec.keeps_empty else [v for v in values if not _is_empty(v)]
        if kind == "append":
            return [None if v is MISSING else v for v in kept]
        parts = [
            json_stringify(v) if isinstance(v, dict | list) or v is None else js_string(v)
            for v in kept
        ]
        return spec.separator.join(parts)
    if kind in ("min", "max"):
        best: Any = MISSING
        for v in values:
            if _is_empty(v):
                continue
            if best is MISSING or (js_lt(v, best) if kind == "min" else js_lt(best, v)):
                best = v
        return None if best is MISSING else best
    if kind == "countUnique":
        # with empty values kept, null and undefined are two distinct Set members
        kept = values if spec.keeps_empty else [v for v in values if not _is_empty(v)]
        return len({_unique_token(v, i) for i, v in enumerate(kept)})
    if spec.keeps_empty:
        return len(values)
    return sum(1 for v in values if not _is_empty(v))


def _group_token(value: Any, legacy: bool) -> tuple[Any, Any]:
    """(hashable Map key, value written to the output) for one split-field value."""
    if value and isinstance(value, dict | list):
        value = json_stringify(value)
    if legacy:
        value = js_string(value)
    return _unique_token(value, 0), value


def _skip_split(value: Any) -> bool:
    if _is_number(value):
        return False
    return value is MISSING or value is None or value is False or value == ""


class _Grouper:
    def __init__(self, batch: ItemBatch, keys: list[str], disable_dot: bool, legacy: bool):
        self.keys = keys
        self.legacy = legacy
        self.columns = [column_values(batch, k, disable_dot) for k in keys]

    def split(self, rows: list[int], depth: int, skip_empty: bool) -> list[tuple[Any, list[int]]]:
        groups: dict[Any, tuple[Any, list[int]]] = {}
        col = self.columns[depth]
        for i in rows:
            token, value = _group_token(col[i], self.legacy)
            if skip_empty and _skip_split(value):
                continue
            groups.setdefault(token, (value, []))[1].append(i)
        return list(groups.values())


def _js_object_keys_order(keys: list[str]) -> list[str]:
    """Property order of a JS object: array-index keys ascending first, then insertion order."""
    index_keys = [
        k for k in keys if k.isdigit() and (k == "0" or k[0] != "0") and int(k) < 2**32 - 1
    ]
    others = [k for k in keys if k not in set(index_keys)]
    return sorted(index_keys, key=int) + others


@node(
    "summarize",
    versions=[1, 1.1],
    display_name="Summarize",
    params=SummarizeParams,
    pure=True,
    batch_algorithm="summarize",
)
class Summarize(Node):
    """Sums, counts, averages, ... fields across items, optionally split by other fields."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        params = SummarizeParams.model_validate(ctx.raw_parameters)
        specs = params.fieldsToSummarize.values
        if not [s for s in specs if s.field != ""]:
            raise NodeExecutionError(
                "You need to add at least one aggregation to 'Fields to Summarize' with non "
                "empty 'Field'",
                node=ctx.node_name,
            )
        options = ctx.param("options", 0, {}) or {}
        disable_dot = bool(options.get("disableDotNotation", False))
        single = options.get("outputFormat") == "singleItem"
        skip_empty = bool(options.get("skipEmptySplitFields", False))
        legacy = ctx.type_version < 1.1
        keys = split_fields(params.fieldsToSplitBy)
        if legacy and not options.get("continueIfFieldNotFound", False):
            self._check_fields_exist(ctx, batch, specs, disable_dot)
        if not single and len(batch):
            fast = _fast_summarize(batch, specs, keys, disable_dot, legacy, skip_empty)
            if fast is not None:
                return [fast]
        grouper = _Grouper(batch, keys, disable_dot, legacy)
        values = {s.field: column_values(batch, s.field, disable_dot) for s in specs}

        def summary(rows: list[int]) -> dict[str, Any]:
            return {
                s.output_name: aggregate_values(s, [values[s.field][i] for i in rows])
                for s in specs
            }

        all_rows = list(range(len(batch)))
        if not keys:
            return [ItemBatch.from_json([summary(all_rows)], paired=[None])]
        if single:
            return [ItemBatch.from_json([self._nested(grouper, all_rows, 0, skip_empty, summary)])]
        out: list[dict[str, Any]] = []
        self._flat(grouper, all_rows, 0, {}, skip_empty, summary, out)
        return [ItemBatch.from_json(out, paired=[None] * len(out))]

    def _flat(
        self,
        grouper: _Grouper,
        rows: list[int],
        depth: int,
        prefix: dict[str, Any],
        skip_empty: bool,
        summary: Any,
        out: list[dict[str, Any]],
    ) -> None:
        name = normalize_name(grouper.keys[depth])
        for value, members in grouper.split(rows, depth, skip_empty):
            here = dict(prefix)
            if value is not MISSING:
                here[name] = value
            if depth + 1 < len(grouper.keys):
                self._flat(grouper, members, depth + 1, here, skip_empty, summary, out)
            else:
                out.append({**here, **summary(members)})

    def _nested(
        self, grouper: _Grouper, rows: list[int], depth: int, skip_empty: bool, summary: Any
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for value, members in grouper.split(rows, depth, skip_empty):
            key = js_string(value)
            if depth + 1 < len(grouper.keys):
                result[key] = self._nested(grouper, members, depth + 1, skip_empty, summary)
            else:
                result[key] = summary(members)
        return {k: result[k] for k in _js_object_keys_order(list(result))}

    @staticmethod
    def _check_fields_exist(
        ctx: NodeContext, batch: ItemBatch, specs: list[SummaryField], disable_dot: bool
    ) -> None:
        for s in specs:
            if s.field == "" or typed_path(batch, s.field, disable_dot) is not None:
                continue
            if not any(v is not MISSING for v in column_values(batch, s.field, disable_dot)):
                raise NodeExecutionError(
                    f"The field '{s.field}' does not exist in any items", node=ctx.node_name
                )


# -- the Arrow path ----------------------------------------------------------------------

_SCALAR_CHECKS = (
    pa.types.is_integer,
    pa.types.is_floating,
    pa.types.is_string,
    pa.types.is_large_string,
    pa.types.is_boolean,
)


def _scalar(col: pa.ChunkedArray | None) -> bool:
    return col is not None and any(check(col.type) for check in _SCALAR_CHECKS)


def _numeric(t: pa.DataType) -> bool:
    return pa.types.is_integer(t) or pa.types.is_floating(t)


def _non_empty(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """The column with JS-empty values ("" for strings) turned into nulls."""
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        return pc.if_else(pc.equal(col, ""), pa.scalar(None, col.type), col)
    return col


def _fast_summarize(
    batch: ItemBatch,
    specs: list[SummaryField],
    keys: list[str],
    disable_dot: bool,
    legacy: bool,
    skip_empty: bool,
) -> ItemBatch | None:
    key_cols = [typed_path(batch, k, disable_dot) for k in keys]
    val_cols = {s.field: typed_path(batch, s.field, disable_dot) for s in specs}
    if not all(_scalar(c) for c in key_cols) or not all(_scalar(c) for c in val_cols.values()):
        return None
    if any(pa.types.is_floating(c.type) for c in key_cols if c is not None):
        return None  # -0.0/NaN keys and JS number formatting: leave to the row path
    columns: dict[str, pa.ChunkedArray] = {}
    for i, c in enumerate(key_cols):
        assert c is not None
        columns[f"k{i}"] = c
    aggs: list[tuple[str, str, Any]] = []
    plans: list[tuple[SummaryField, str]] = []
    for j, s in enumerate(specs):
        col = val_cols[s.field]
        assert col is not None
        name = f"v{j}"
        kind = s.aggregation
        if kind in ("sum", "average"):
            if not _numeric(col.type):
                return None
            columns[name] = col
            fn = "sum" if kind == "sum" else "mean"
            aggs.append((name, fn, pc.ScalarAggregateOptions(min_count=0 if fn == "sum" else 1)))
        elif kind in ("min", "max"):
            columns[name] = _non_empty(col)
            aggs.append((name, kind, pc.ScalarAggregateOptions(min_count=1)))
        elif kind == "countUnique":
            if pa.types.is_floating(col.type) or s.keeps_empty:
                return None  # a typed column cannot tell null from a missing field
            columns[name] = _non_empty(col)
            aggs.append((name, "count_distinct", pc.CountOptions(mode="only_valid")))
        elif kind in ("append", "concatenate"):
            if kind == "concatenate" and not (
                pa.types.is_string(col.type) or pa.types.is_integer(col.type)
            ):
                return None
            kept = col if s.keeps_empty else _non_empty(col)
            if kind == "concatenate":
                kept = pc.cast(kept, pa.string())
                if s.keeps_empty:
                    kept = pc.fill_null(kept, "null")
            columns[name] = kept
            aggs.append((name, "list", None))
            aggs.append((name, "count", pc.CountOptions(mode="only_valid")))
        else:
            columns[name] = col if s.keeps_empty else _non_empty(col)
            mode = "all" if s.keeps_empty else "only_valid"
            aggs.append((name, "count", pc.CountOptions(mode=mode)))
        plans.append((s, name))
    table = pa.table(columns)
    if skip_empty:
        for i in range(len(key_cols)):
            table = table.filter(_keep_split_mask(table.column(f"k{i}"), legacy))
    key_names = [f"k{i}" for i in range(len(keys))]
    if not keys:  # one group holding every item
        table = table.append_column("k_all", pa.nulls(table.num_rows, pa.int8()))
        key_names = ["k_all"]
    # Arrow's group_by does not promise first-appearance order (n8n's Map order): rank
    # the groups by their first row instead.
    table = table.append_column("__first", arange(table.num_rows))
    grouped = table.group_by(key_names, use_threads=False).aggregate(
        [*aggs, ("__first", "min", None)]
    )
    grouped = grouped.take(pc.sort_indices(grouped.column("__first_min")))
    if len(keys) > 1:
        grouped = grouped.take(_nested_order([grouped.column(k).to_pylist() for k in key_names]))
    out_names: list[str] = []
    out_cols: list[pa.Array | pa.ChunkedArray] = []
    for i, k in enumerate(keys):
        col = grouped.column(f"k{i}")
        if legacy:
            col = pa.chunked_array([pa.array([js_string(v) for v in col.to_pylist()], pa.string())])
        out_names.append(normalize_name(k))
        out_cols.append(col)
    for s, name in plans:
        out_names.append(s.output_name)
        out_cols.append(_finish(s, name, grouped))
    if len(set(out_names)) != len(out_names):
        return None
    result = pa.Table.from_arrays(out_cols, names=out_names)
    return ItemBatch(result, result.num_rows).with_pairing([None] * result.num_rows)


def _nested_order(key_values: list[list[Any]]) -> list[int]:
    """Order of n8n's nested split: by first appearance of each key prefix, level by level.

    Arrow lists groups by first appearance of the whole key combination; n8n splits by the
    first field, then within each group by the next, and so on.
    """
    ranks: list[list[int]] = []
    for depth in range(1, len(key_values)):
        seen: dict[tuple[Any, ...], int] = {}
        level = []
        for row in zip(*key_values[:depth], strict=True):
            level.append(seen.setdefault(row, len(seen)))
        ranks.append(level)
    n = len(key_values[0])
    return sorted(range(n), key=lambda i: tuple(r[i] for r in ranks))


def _keep_split_mask(c: pa.ChunkedArray, legacy: bool) -> pa.ChunkedArray:
    """Rows n8n keeps with skipEmptySplitFields: not falsy unless a number (v1: not "")."""
    is_str = pa.types.is_string(c.type) or pa.types.is_large_string(c.type)
    if legacy:
        # v1 compares String(value): only an empty string is falsy then.
        if is_str:
            return pc.fill_null(pc.not_equal(c, ""), True)
        return pc.or_(pc.is_valid(c), pc.is_null(c))
    mask = pc.is_valid(c)
    if is_str:
        mask = pc.and_(mask, pc.not_equal(c, ""))
    elif pa.types.is_boolean(c.type):
        mask = pc.and_(mask, c)
    return pc.fill_null(mask, False)


def _finish(s: SummaryField, name: str, grouped: pa.Table) -> pa.Array | pa.ChunkedArray:
    kind = s.aggregation
    if kind == "sum":
        return grouped.column(f"{name}_sum")
    if kind == "average":
        return grouped.column(f"{name}_mean")
    if kind in ("min", "max"):
        return grouped.column(f"{name}_{kind}")
    if kind == "countUnique":
        return grouped.column(f"{name}_count_distinct")
    if kind in ("append", "concatenate"):
        lists = grouped.column(f"{name}_list").combine_chunks()
        if not s.keeps_empty:
            counts = grouped.column(f"{name}_count").combine_chunks()
            values = pc.list_flatten(lists)
            values = values.filter(pc.is_valid(values))
            offsets = pa.array([0, *_cumsum(counts.to_pylist())], pa.int32())
            lists = pa.ListArray.from_arrays(offsets, values)
        if kind == "concatenate":
            return pc.binary_join(lists, s.separator)
        return lists
    return grouped.column(f"{name}_count")


def _cumsum(counts: list[int]) -> list[int]:
    out, total = [], 0
    for c in counts:
        total += c
        out.append(total)
    return out

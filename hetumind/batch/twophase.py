"""Summarize (optionally after a Sort) as a two-phase aggregation over blocks.

Phase one runs in each block's task: an Arrow group-by giving, per group, the partial
count / sum / min / max, plus where the group first appears in the node's input. Phase two
combines the partials. Summarize lists groups in order of first appearance; after a Sort
that is the group's first row in sorted order, so the Sort never has to materialise: each
block keeps its groups' best sort keys, and the combine orders groups by them (ties by
position, as the stable sort would).

Only what Summarize's own Arrow path would compute exactly qualifies: scalar split field
(not float), integer sums and averages (float sums would depend on addition order),
min / max / count on scalar columns. A block that finds anything else says so, and the
runner falls back to gathering (correctness first).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from hetumind.items import ItemBatch, arange
from hetumind.nodes.builtin._fields import split_fields, typed_path
from hetumind.nodes.builtin.summarize import SummarizeParams, SummaryField, normalize_name

__all__ = ["Ineligible", "SummarizeSpec", "combine", "partial"]

_TYPES_KEY = b"hetumind.batch.types"


class Ineligible(Exception):
    """This block's data needs the general path (the reason says why)."""


@dataclass(frozen=True)
class SummarizeSpec:
    key: str | None
    fields: tuple[SummaryField, ...]
    sort: tuple[tuple[str, bool], ...] = ()
    """(field, descending) of the Sort absorbed before the Summarize."""

    @staticmethod
    def from_parameters(summarize: dict[str, Any], sort: dict[str, Any] | None) -> SummarizeSpec:
        params = SummarizeParams.model_validate(summarize)
        keys = split_fields(params.fieldsToSplitBy)
        order: tuple[tuple[str, bool], ...] = ()
        if sort is not None:
            fields = (sort.get("sortFieldsUi") or {}).get("sortField") or []
            order = tuple((f["fieldName"], f.get("order") == "descending") for f in fields)
        return SummarizeSpec(
            keys[0] if keys else None, tuple(params.fieldsToSummarize.values), order
        )


def _is_str(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _non_empty(col: pa.ChunkedArray) -> pa.ChunkedArray:
    if _is_str(col.type):
        return pc.if_else(pc.equal(col, ""), pa.scalar(None, col.type), col)
    return col


def _column(batch: ItemBatch, name: str, what: str) -> pa.ChunkedArray:
    col = typed_path(batch, name, False)
    if col is None:
        raise Ineligible(f"{what} {name!r} is missing or has mixed types in a block")
    t = col.type
    if not (
        pa.types.is_integer(t) or pa.types.is_floating(t) or _is_str(t) or pa.types.is_boolean(t)
    ):
        raise Ineligible(f"{what} {name!r} is not a scalar column")
    return col


def partial(batch: ItemBatch, spec: SummarizeSpec, block: int) -> pa.Table:
    """Phase one over one block's items; raises Ineligible."""
    n = len(batch)
    cols: dict[str, Any] = {"pos": arange(n)}
    types: dict[str, str] = {}
    if spec.key is not None:
        key = _column(batch, spec.key, "split field")
        if pa.types.is_floating(key.type):
            raise Ineligible("a float split field")
        cols["key"] = key
        types["key"] = str(key.type)
    else:
        cols["key"] = pa.nulls(n, pa.int8())
    sort_names = []
    for i, (name, _desc) in enumerate(spec.sort):
        col = _column(batch, name, "sort field")
        if col.null_count or (pa.types.is_floating(col.type) and pc.any(pc.is_nan(col)).as_py()):
            raise Ineligible(f"sort field {name!r} has nulls or NaN")
        cols[f"o{i}"] = pc.utf8_lower(col) if _is_str(col.type) else col
        types[f"o{i}"] = str(col.type)
        sort_names.append((f"o{i}", "descending" if _desc else "ascending"))
    aggs: list[tuple[str, str, Any]] = [] if sort_names else [("pos", "min", None)]
    for j, f in enumerate(spec.fields):
        col = _column(batch, f.field, "field")
        types[f"v{j}"] = str(col.type)
        kind = f.aggregation
        if kind in ("sum", "average"):
            if not pa.types.is_integer(col.type):
                raise Ineligible(f"{kind} of non-integer field {f.field!r}")
            cols[f"v{j}"] = col
            aggs.append((f"v{j}", "sum", pc.ScalarAggregateOptions(min_count=0)))
            aggs.append((f"v{j}", "count", pc.CountOptions(mode="only_valid")))
        elif kind in ("min", "max"):
            if pa.types.is_floating(col.type):
                raise Ineligible(f"{kind} of float field {f.field!r}")
            cols[f"v{j}"] = _non_empty(col)
            aggs.append((f"v{j}", kind, pc.ScalarAggregateOptions(min_count=1)))
        else:
            cols[f"v{j}"] = _non_empty(col)
            aggs.append((f"v{j}", "count", pc.CountOptions(mode="only_valid")))
    table = pa.table(cols)
    grouped = table.group_by("key", use_threads=False).aggregate(aggs)
    if sort_names:
        # Only the key, sort fields and position are sorted, not the values.
        order_cols = ["key", "pos", *(name for name, _ in sort_names)]
        small = table.select(order_cols)
        small = small.take(pc.sort_indices(small, sort_keys=[*sort_names, ("pos", "ascending")]))
        firsts = small.group_by("key", use_threads=False).aggregate(
            [(c, "first", None) for c in order_cols[1:]]
        )
        where = pc.index_in(grouped.column("key"), firsts.column("key"), skip_nulls=False)
        for c in order_cols[1:]:
            name = f"{c}_first"
            grouped = grouped.append_column(name, firsts.column(name).take(where))
    else:
        grouped = grouped.rename_columns(
            ["pos_first" if c == "pos_min" else c for c in grouped.column_names]
        )
    grouped = grouped.append_column("blk", pa.repeat(block, grouped.num_rows).cast(pa.int64()))
    return grouped.replace_schema_metadata({_TYPES_KEY: json.dumps(types).encode()})


def combine(partials: Sequence[pa.Table], spec: SummarizeSpec) -> ItemBatch:
    """Phase two: the Summarize node's output over all blocks; raises Ineligible."""
    partials = [p for p in partials if p.num_rows]
    if not partials:
        return ItemBatch.empty()
    kinds = {(p.schema.metadata or {}).get(_TYPES_KEY) for p in partials}
    if len(kinds) != 1:
        raise Ineligible("blocks disagree on column types")
    groups: dict[Any, dict[str, Any]] = {}
    for table in partials:
        for row in table.to_pylist():
            order = (
                *(row[f"o{i}_first"] for i in range(len(spec.sort))),
                row["blk"],
                row["pos_first"],
            )
            g = groups.get(row["key"])
            if g is None:
                groups[row["key"]] = g = {"order": order, "acc": [None] * len(spec.fields)}
            elif _before(order, g["order"], spec):
                g["order"] = order
            for j, f in enumerate(spec.fields):
                g["acc"][j] = _merge(f.aggregation, g["acc"][j], row, j)

    def earlier(a: tuple[Any, dict[str, Any]], b: tuple[Any, dict[str, Any]]) -> int:
        return -1 if _before(a[1]["order"], b[1]["order"], spec) else 1

    ordered = sorted(groups.items(), key=functools.cmp_to_key(earlier))
    out = []
    for key, g in ordered:
        item: dict[str, Any] = {}
        if spec.key is not None:
            item[normalize_name(spec.key)] = key
        for f, acc in zip(spec.fields, g["acc"], strict=True):
            item[f.output_name] = _finish(f.aggregation, acc)
        out.append(item)
    names = [n for row in out[:1] for n in row]
    if len(names) != len(spec.fields) + (spec.key is not None):
        raise Ineligible("two aggregations share an output name")
    return ItemBatch.from_json(out, paired=[None] * len(out))


def _before(a: tuple[Any, ...], b: tuple[Any, ...], spec: SummarizeSpec) -> bool:
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if x == y:
            continue
        desc = i < len(spec.sort) and spec.sort[i][1]
        return bool(x > y) if desc else bool(x < y)
    return False


def _merge(kind: str, acc: Any, row: dict[str, Any], j: int) -> Any:
    if kind in ("sum", "average"):
        total, count = acc or (0, 0)
        return (total + row[f"v{j}_sum"], count + row[f"v{j}_count"])
    if kind in ("min", "max"):
        value = row[f"v{j}_{kind}"]
        if value is None or acc is None:
            return value if acc is None else acc
        return min(acc, value) if kind == "min" else max(acc, value)
    return (acc or 0) + row[f"v{j}_count"]


def _finish(kind: str, acc: Any) -> Any:
    if kind == "sum":
        return acc[0] if acc else 0
    if kind == "average":
        return acc[0] / acc[1] if acc and acc[1] else None
    if kind in ("min", "max"):
        return acc
    return acc or 0

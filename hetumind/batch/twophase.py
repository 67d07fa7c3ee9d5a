"""Summarize (optionally after a Sort) as a two-phase aggregation over blocks.

Phase one runs in each block's task: an Arrow group-by giving, per group, the partial
count / sum / min / max, plus where the group first appears in the node's input. Phase two
combines the partials. Summarize lists groups in order of first appearance; after a Sort
that is the group's first row in sorted order, so the Sort never has to materialise: each
block keeps its groups' best sort keys, and the combine orders groups by them (ties by
position, as the stable sort would).

Sums and averages: integer columns add exactly; float columns are summed exactly
(exactsum.py: every double is an integer times a power of two, so a block ships integer
partials per exponent and the combine adds them as Python ints), then rounded once. The
result is the correctly rounded sum of all the values, whatever the blocks: the same for
any block size or parallelism, and within the bound of a sequential left-to-right sum (the
node's own order; see docs/batch.md for the tolerance). Only what Summarize's own Arrow path
takes qualifies: scalar split field (not float), min / max / count on scalar (not float)
columns. A block that finds anything else says so, and the runner falls back to gathering.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hetumind.batch.exactsum import ExactSum, block_sums
from hetumind.items import ItemBatch
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
    exact_floats: bool = True
    """Float sums two-phase (exactly rounded); False: such a sum makes the run gather."""

    @staticmethod
    def from_parameters(
        summarize: dict[str, Any], sort: dict[str, Any] | None, exact_floats: bool = True
    ) -> SummarizeSpec:
        params = SummarizeParams.model_validate(summarize)
        keys = split_fields(params.fieldsToSplitBy)
        order: tuple[tuple[str, bool], ...] = ()
        if sort is not None:
            fields = (sort.get("sortFieldsUi") or {}).get("sortField") or []
            order = tuple((f["fieldName"], f.get("order") == "descending") for f in fields)
        return SummarizeSpec(
            keys[0] if keys else None, tuple(params.fieldsToSummarize.values), order, exact_floats
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
    types: dict[str, str] = {}
    if spec.key is not None:
        key = _column(batch, spec.key, "split field")
        if pa.types.is_floating(key.type):
            raise Ineligible("a float split field")
        types["key"] = str(key.type)
    else:
        key = pa.chunked_array([pa.nulls(n, pa.int8())])
    # Group codes in order of first appearance (a hash pass, no sort).
    encoded = pc.dictionary_encode(key.combine_chunks(), null_encoding="encode")
    codes_arr = encoded.indices.cast(pa.int64())
    groups = len(encoded.dictionary)
    codes = np.asarray(codes_arr)
    cols: dict[str, Any] = {"code": codes_arr}
    counts: dict[str, pa.Array] = {}
    aggs: list[tuple[str, str, Any]] = []
    exact: dict[int, list[ExactSum]] = {}
    for j, f in enumerate(spec.fields):
        col = _column(batch, f.field, "field")
        types[f"v{j}"] = str(col.type)
        kind = f.aggregation
        if kind in ("sum", "average"):
            if pa.types.is_floating(col.type) and not spec.exact_floats:
                raise Ineligible(f"{kind} of float field {f.field!r} with --float-sums ordered")
            if pa.types.is_floating(col.type):
                exact[j] = block_sums(codes, groups, col)
            elif not pa.types.is_integer(col.type):
                raise Ineligible(f"{kind} of non-numeric field {f.field!r}")
            else:
                cols[f"v{j}"] = col
                aggs.append((f"v{j}", "sum", pc.ScalarAggregateOptions(min_count=0)))
            counts[f"v{j}_count"] = _count_valid(codes, groups, col)
        elif kind in ("min", "max"):
            if pa.types.is_floating(col.type):
                raise Ineligible(f"{kind} of float field {f.field!r}")
            cols[f"v{j}"] = _non_empty(col)
            aggs.append((f"v{j}", kind, pc.ScalarAggregateOptions(min_count=1)))
        else:
            counts[f"v{j}_count"] = _count_valid(codes, groups, _non_empty(col))
    out: dict[str, Any] = {"key": encoded.dictionary, **counts}
    if aggs:
        # Integer sums, min and max: one hash group-by (bincount would round big ints).
        grouped = pa.table(cols).group_by("code", use_threads=False).aggregate(aggs)
        grouped = grouped.take(pc.sort_indices(grouped.column("code")))
        for name in grouped.column_names:
            if name != "code":
                out[name] = grouped.column(name)
    for i, (name, _desc) in enumerate(spec.sort):
        col = _column(batch, name, "sort field")
        if col.null_count or (pa.types.is_floating(col.type) and pc.any(pc.is_nan(col)).as_py()):
            raise Ineligible(f"sort field {name!r} has nulls or NaN")
        types[f"o{i}"] = str(col.type)
    first, best = _first_in_order(batch, spec, codes, groups)
    out["pos_first"] = first
    for i, values in enumerate(best):
        out[f"o{i}_first"] = values
    for j, sums in exact.items():
        out[f"v{j}_exact"] = pa.array([s.encode() for s in sums], pa.string())
    out["blk"] = pa.repeat(block, groups).cast(pa.int64())
    result = pa.table(out)
    return result.replace_schema_metadata({_TYPES_KEY: json.dumps(types).encode()})


def _count_valid(codes: np.ndarray, groups: int, col: pa.ChunkedArray) -> pa.Array:
    if col.null_count:
        codes = codes[np.asarray(pc.is_valid(col).combine_chunks(), bool)]
    return pa.array(np.bincount(codes, minlength=groups).astype(np.int64))


def _first_in_order(
    batch: ItemBatch, spec: SummarizeSpec, codes: np.ndarray, groups: int
) -> tuple[pa.Array, list[pa.Array]]:
    """Per group: the position of its first item in the (absorbed) Sort's order, and that
    item's sort keys. A stable sort puts first, in each group, the item with the least key
    (the greatest when descending), then the least of the next key among those tied, and
    finally the earliest position: a min per group and field, no sort of the block.
    """
    candidates = np.arange(len(codes), dtype=np.int64)
    best: list[pa.Array] = []
    for i, (name, desc) in enumerate(spec.sort):
        col = _column(batch, name, "sort field").combine_chunks()
        if _is_str(col.type):
            col = pc.utf8_lower(col)
        here = col if i == 0 else col.take(pa.array(candidates))
        cand_codes = codes if i == 0 else codes[candidates]
        t = pa.table({"g": pa.array(cand_codes), "o": here})
        agg = t.group_by("g", use_threads=False).aggregate([("o", "max" if desc else "min")])
        agg = agg.take(pc.sort_indices(agg.column("g")))
        extreme = agg.column(1).combine_chunks()
        best.append(extreme)
        tied = pc.equal(here, extreme.take(pa.array(cand_codes)))
        candidates = candidates[np.asarray(tied.fill_null(False), bool)]
    first = np.empty(groups, np.int64)
    # Assigning in reverse leaves each group's earliest candidate (the last write wins).
    first[codes[candidates][::-1]] = candidates[::-1]
    return pa.array(first), best


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
        total, count = acc or (None, 0)
        exact = row.get(f"v{j}_exact")
        if exact is not None:
            part = ExactSum.decode(exact)
            if total is None:
                total = part
            else:
                total.add(part)
        else:
            total = (total or 0) + row[f"v{j}_sum"]
        return (total, count + row[f"v{j}_count"])
    if kind in ("min", "max"):
        value = row[f"v{j}_{kind}"]
        if value is None or acc is None:
            return value if acc is None else acc
        return min(acc, value) if kind == "min" else max(acc, value)
    return (acc or 0) + row[f"v{j}_count"]


def _finish(kind: str, acc: Any) -> Any:
    if kind in ("sum", "average"):
        total = acc[0] if acc else None
        value = total.value() if isinstance(total, ExactSum) else (total or 0)
        if kind == "sum":
            return value
        return value / acc[1] if acc and acc[1] else None
    if kind in ("min", "max"):
        return acc
    return acc or 0

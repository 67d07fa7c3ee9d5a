"""Sort as a distributed sample sort, for a Sort node whose items are the output.

Each block's task stably sorts its items by the sort key and writes them as a *run*
(Parquet with small row groups, key column included), returning a sample of its keys.
The driver picks range boundaries from the samples; one task per key range then reads
from every run only the rows in its range (row-group statistics skip the rest), sorts them
stably, and writes one output part. Parts in range order are the sorted items; ties keep
block order, then the order inside the block, which is exactly the stable sort that one
Sort node run would do. Memory per task is one range, not the dataset. Per-item nodes
after the Sort run in the range's task too (finish.sort_range_rest): they keep the order
and look at one item at a time, so ranges in order are still exactly one run's output.

Only the Sort node's own fast path qualifies (one field, a non-null scalar column,
strings compared lower-cased); anything else falls back to gathering.
"""

from __future__ import annotations

import bisect
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from hetumind.batch.io import Location, write_table
from hetumind.batch.twophase import Ineligible
from hetumind.items import ItemBatch
from hetumind.nodes.builtin._fields import typed_path

__all__ = ["KEY", "range_bounds", "read_range", "sort_range", "sort_run"]

KEY = "__hetumind_sort_key"
_SAMPLES = 64
_ROW_GROUP = 16_384


def _key(items: ItemBatch, field: str) -> pa.ChunkedArray:
    col = typed_path(items, field, False)
    if col is None:
        raise Ineligible(f"sort field {field!r} is missing or has mixed types in a block")
    t = col.type
    if col.null_count:
        raise Ineligible(f"sort field {field!r} has nulls")
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pc.utf8_lower(col)
    if pa.types.is_floating(t):
        if pc.any(pc.is_nan(col)).as_py():
            raise Ineligible(f"sort field {field!r} has NaN")
        return col
    if pa.types.is_integer(t):
        return col
    raise Ineligible(f"sort field {field!r} is not a scalar column")


def sort_run(items: ItemBatch, field: str, descending: bool, run: Location) -> dict[str, Any]:
    """Sort one block's items and write them as a run; returns its key sample and type."""
    key = _key(items, field)
    order = "descending" if descending else "ascending"
    idx = pc.sort_indices(pa.table({"k": key}), sort_keys=[("k", order)])
    table = items.table.take(idx).append_column(KEY, key.take(idx))
    run.fs.create_dir(run.path.rsplit("/", 1)[0], recursive=True)
    with run.fs.open_output_stream(run.path) as out:
        pq.write_table(table, out, row_group_size=_ROW_GROUP)
    n = table.num_rows
    step = max(1, n // _SAMPLES)
    sample = table.column(KEY).take(pa.array(range(0, n, step))).to_pylist()
    return {"sample": sample, "keyType": str(key.type)}


def range_bounds(samples: list[Any], ranges: int) -> list[Any]:
    """Ascending, distinct boundaries splitting the sampled keys into about `ranges` parts."""
    keys = sorted(samples)
    if not keys or ranges <= 1:
        return []
    picks = [keys[len(keys) * i // ranges] for i in range(1, ranges)]
    return sorted(set(picks))


def sort_range(
    runs: list[Location],
    bounds: list[Any],
    r: int,
    descending: bool,
    target: Location,
    fmt: str,
) -> int:
    """Range `r` (in output order) from every run, stably sorted, written to `target`."""
    table = read_range(runs, bounds, r, descending)
    if not table.num_rows:
        return 0
    write_table(ItemBatch.from_arrow(table), target, fmt)
    return int(table.num_rows)


def read_range(runs: list[Location], bounds: list[Any], r: int, descending: bool) -> pa.Table:
    """Range `r` (in output order) from every run, stably sorted, sort key dropped."""
    ascending_r = len(bounds) - r if descending else r
    lo = bounds[ascending_r - 1] if ascending_r > 0 else None
    hi = bounds[ascending_r] if ascending_r < len(bounds) else None
    filters: list[tuple[str, str, Any]] = []
    if lo is not None:
        filters.append((KEY, ">=", lo))
    if hi is not None:
        filters.append((KEY, "<", hi))
    pieces = []
    for run in runs:  # block order: ties must keep it
        with run.fs.open_input_file(run.path) as fh:
            pieces.append(pq.read_table(fh, filters=filters or None))
    table = pa.concat_tables(pieces) if pieces else pa.table({})
    if not table.num_rows:
        return table
    order = "descending" if descending else "ascending"
    table = table.take(pc.sort_indices(table.select([KEY]), sort_keys=[(KEY, order)]))
    return table.drop_columns([KEY])


def bound_index(bounds: list[Any], key: Any) -> int:
    """Which ascending range `key` falls into (for tests and checks)."""
    return bisect.bisect_right(bounds, key)

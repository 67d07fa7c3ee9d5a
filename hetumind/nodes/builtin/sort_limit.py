"""Reordering and trimming items: sort, limit."""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Sequence
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch, arange
from hetumind.nodes.api import Expr, Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import MISSING, column_values, js_equal, js_lt, typed_path


class SortField(BaseModel):
    model_config = ConfigDict(extra="allow")
    fieldName: str = ""
    order: Literal["ascending", "descending"] = "ascending"


class SortFieldsUi(BaseModel):
    model_config = ConfigDict(extra="allow")
    sortField: list[SortField] = Field(default_factory=list)


class SortParams(NodeParams):
    type: Literal["simple", "random", "code"] = "simple"
    sortFieldsUi: SortFieldsUi = Field(default_factory=SortFieldsUi)
    code: str = ""


def _lower_if_string(v: Any) -> Any:
    return v.lower() if isinstance(v, str) else v


def _js_compare(a: Any, b: Any, desc: bool) -> int:
    # n8n's comparator: equal -> 0, else lt -> -1, anything else (incomparable too) -> 1.
    if js_equal(a, b):
        return 0
    result = -1 if js_lt(a, b) else 1
    return -result if desc else result


def _sortable(col: pa.ChunkedArray) -> bool:
    t = col.type
    if col.null_count:
        return False
    if pa.types.is_floating(t):
        return not pc.any(pc.is_nan(col)).as_py()
    return (
        pa.types.is_integer(t)
        or pa.types.is_string(t)
        or pa.types.is_boolean(t)
        or (pa.types.is_large_string(t))
    )


def _fast_sort_indices(
    batch: ItemBatch, fields: Sequence[SortField], disable_dot: bool
) -> pa.Array | None:
    cols: dict[str, pa.ChunkedArray] = {}
    keys: list[tuple[str, str]] = []
    for i, f in enumerate(fields):
        col = typed_path(batch, f.fieldName, disable_dot)
        if col is None or not _sortable(col):
            return None
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            col = pc.utf8_lower(col)
        name = f"k{i}"
        cols[name] = col
        keys.append((name, f.order))
    return pc.sort_indices(pa.table(cols), sort_keys=keys)


def _slow_sort_indices(
    batch: ItemBatch, fields: Sequence[SortField], disable_dot: bool
) -> list[int]:
    columns = [
        [_lower_if_string(v) for v in column_values(batch, f.fieldName, disable_dot)]
        for f in fields
    ]
    descending = [f.order == "descending" for f in fields]

    def compare(i: int, j: int) -> int:
        for col, desc in zip(columns, descending, strict=True):
            r = _js_compare(col[i], col[j], desc)
            if r:
                return r
        return 0

    return sorted(range(len(batch)), key=functools.cmp_to_key(compare))


@node(
    "sort", versions=[1], display_name="Sort", params=SortParams, pure=True, batch_algorithm="sort"
)
class Sort(Node):
    """Changes the order of items (by fields, at random, or by a JavaScript comparator)."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        kind = ctx.param("type", 0, "simple")
        if kind == "code":
            order = _code_order(ctx, batch)
            return [batch.take(order).with_pairing(order)]
        if not len(batch):
            return [batch]
        if kind == "random":
            order = list(range(len(batch)))
            random.shuffle(order)
            return [batch.take(order).with_pairing(order)]
        params = SortParams.model_validate(ctx.raw_parameters)
        fields = params.sortFieldsUi.sortField
        disable_dot = bool(ctx.param("options.disableDotNotation", 0, False))
        if not fields:
            raise NodeExecutionError(
                "No sorting specified. Please add a field to sort by", node=ctx.node_name
            )
        for f in fields:
            self._check_found(ctx, batch, f.fieldName, disable_dot)
        indices: pa.Array | list[int] | None = _fast_sort_indices(batch, fields, disable_dot)
        if indices is None:
            indices = _slow_sort_indices(batch, fields, disable_dot)
        idx = indices if isinstance(indices, pa.Array) else pa.array(indices, pa.int64())
        return [batch.take(idx).with_pairing(idx.cast(pa.int64()))]

    @staticmethod
    def _check_found(ctx: NodeContext, batch: ItemBatch, name: str, disable_dot: bool) -> None:
        if typed_path(batch, name, disable_dot) is not None:
            return
        if any(v is not MISSING for v in column_values(batch, name, disable_dot)):
            return
        message = f"Couldn't find the field '{name}' in the input data"
        if disable_dot and "." in name:
            message += (
                " (if you're trying to use a nested field, turn off 'disable dot notation'"
                " in the node options)"
            )
        raise NodeExecutionError(message, node=ctx.node_name)


_RETURN = re.compile(r"\breturn\b")
# The user's comparator runs as n8n runs it: the body of a function of the two items
# (`a.json`, `b.json`), in sloppy mode, handed to Array.prototype.sort; only the order
# comes back, so the items themselves never pass through the sandbox's output.
_SORT_SCRIPT = """const __entries = $input.all().map((item, index) => ({ item, index }));
const __compare = function (a, b) {
%s
};
__entries.sort((x, y) => __compare(x.item, y.item));
return [{ json: { order: __entries.map((e) => e.index) } }];"""


def _code_order(ctx: NodeContext, batch: ItemBatch) -> list[int]:
    """The item order the node's JavaScript comparator (`code`) gives, run in the sandbox."""
    from hetumind.sandbox import SandboxError, SandboxLimits, run_code

    code = str(ctx.param("code", 0, "") or "")
    if not _RETURN.search(code):
        raise NodeExecutionError(
            "Sort code doesn't return. Please add a 'return' statement to your code",
            node=ctx.node_name,
        )
    if not len(batch):
        return []
    facts = ctx.execution
    payload = {
        "mode": "runOnceForAllItems",
        "items": [{"json": row} for row in batch.to_json()],
        "zone": "UTC",
        "nodes": {},
        "runIndex": ctx.run_index,
        "continueOnFail": False,
        "params": {},
        "workflow": {"id": facts.workflow_id, "name": facts.workflow_name, "active": False},
        "execution": {"id": facts.execution_id, "mode": "test", "resumeUrl": ""},
        "vars": {},
    }
    limits = SandboxLimits.from_settings(facts.settings)
    try:
        outcome = run_code("javaScript", _SORT_SCRIPT % code, payload, limits)
    except SandboxError as exc:
        raise NodeExecutionError(exc.message, node=ctx.node_name) from None
    value = outcome.value
    order = value[0]["json"]["order"] if isinstance(value, list) and value else None
    if not isinstance(order, list) or sorted(order) != list(range(len(batch))):
        raise NodeExecutionError("Sort code did not give an order of the items", node=ctx.node_name)
    return [int(i) for i in order]


def _js_slice_bounds(n: int, start: int, stop: int) -> tuple[int, int]:
    """Array.prototype.slice bounds: negative positions count from the end."""
    s = max(0, n + start) if start < 0 else min(start, n)
    e = max(0, n + stop) if stop < 0 else min(stop, n)
    return s, e


class LimitParams(NodeParams):
    maxItems: Expr[int] = 1
    keep: Literal["firstItems", "lastItems"] = "firstItems"


@node(
    "limit",
    versions=[1],
    display_name="Limit",
    params=LimitParams,
    pure=True,
    batch_algorithm="limit",
)
class Limit(Node):
    """Keeps only the first (or last) maxItems items."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        n = len(batch)
        max_items = int(ctx.param("maxItems", 0, 1))
        if max_items > n:
            return [batch.with_identity_pairing()]
        if ctx.param("keep", 0, "firstItems") == "firstItems":
            start, stop = _js_slice_bounds(n, 0, max_items)
        else:
            start, stop = _js_slice_bounds(n, n - max_items, n)
        length = max(0, stop - start)
        out = batch.slice(start, length)
        paired = arange(start, start + len(out))
        return [out.with_pairing(paired)]

"""If (true/false outputs) and Filter (keeps matching items): 2.x on n8n's filter parameter,
1 on the per-type conditions of `if_v1.py`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin.conditions import (
    FilterOutcome,
    evaluate_filter,
    filter_options,
    first_error,
)
from hetumind.nodes.builtin.if_v1 import split_v1
from hetumind.nodes.item_wise import item_error

__all__ = ["Filter", "If", "decide"]


class IfParams(NodeParams):
    conditions: dict[str, Any] = {}
    looseTypeValidation: bool | str = False
    options: dict[str, Any] = {}


def decide(ctx: NodeContext, batch: ItemBatch) -> FilterOutcome:
    """Evaluate the node's `conditions` the way If 2.x and Filter 2.x do."""
    raw = ctx.raw_parameters
    # n8n runs the filter with the options saved inside `conditions`; its editor copies the
    # node's "Ignore Case" / "Less Strict Type Validation" settings there, and at run time
    # those settings only change an error's description, so they are not read here.
    fopts = filter_options(raw.get("conditions") or {})
    outcome = evaluate_filter(ctx, batch, raw.get("conditions") or {}, "conditions", fopts)
    failure = first_error(outcome)
    if failure is not None:
        item_error(ctx, *failure)  # raises unless onError continues
    # With continue-on-fail n8n sends a failing item to the false/discarded side, unchanged.
    return outcome


def _side(batch: ItemBatch, mask: pa.BooleanArray, needed: bool) -> ItemBatch:
    if not needed:  # nobody reads this output (batch runs): skip the copy
        return ItemBatch.empty()
    # Arrow's filter is cheaper than a take with the same indices.
    return batch.filter(mask).with_pairing(pc.indices_nonzero(mask))


def _split(
    batch: ItemBatch, passed: pa.BooleanArray, needed: tuple[bool, bool] = (True, True)
) -> tuple[ItemBatch, ItemBatch]:
    return (
        _side(batch, passed, needed[0]),
        _side(batch, pc.invert(passed), needed[1]),
    )


def _split_v1(batch: ItemBatch, passed: list[int], failed: list[int]) -> list[ItemBatch]:
    return [batch.take(idx).with_pairing(idx) for idx in (passed, failed)]


@node(
    "if",
    versions=[1, 2, 2.1, 2.2, 2.3],
    display_name="If",
    outputs=2,
    params=IfParams,
    pure=True,
    item_wise=True,
    reads_named_fields=True,
)
class If(Node):
    """Routes each item to output 0 (true) or 1 (false) by its conditions."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        if not len(batch):
            return [ItemBatch.empty(), ItemBatch.empty()]
        if ctx.type_version < 2:
            return _split_v1(batch, *split_v1(ctx, batch, "combineOperation", "all"))
        outcome = decide(ctx, batch)
        needed = (ctx.output_needed(0), ctx.output_needed(1))
        true_items, false_items = _split(batch, outcome.passed, needed)
        return [true_items, false_items]


@node(
    "filter",
    versions=[1, 2, 2.1, 2.2, 2.3],
    display_name="Filter",
    params=IfParams,
    pure=True,
    item_wise=True,
    reads_named_fields=True,
)
class Filter(Node):
    """Keeps the items that match its conditions (n8n shows the rest only in its editor)."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        if not len(batch):
            return [ItemBatch.empty()]
        if ctx.type_version < 2:
            return _split_v1(batch, *split_v1(ctx, batch, "combineConditions", "AND"))[:1]
        outcome = decide(ctx, batch)
        kept, _ = _split(batch, outcome.passed)
        return [kept]

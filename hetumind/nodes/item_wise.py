"""The shared runner of nodes that make one output item of each input item.

`map_items` is their loop: it pairs each output to its input and applies onError
(stop, continueRegularOutput, continueErrorOutput), so that a node, built-in or from a
plugin package, only says how one item becomes another.

Nodes whose loop cannot be `map_items` (an item that becomes several items or none,
several outputs, requests sent together) still take their onError decision here:
`item_error` for one failed item, `batch_error` when the whole batch fails at once. Both
answer n8n's continue-on-fail shape, `{"error": message}`; the engine then routes such
items to the error output (continueErrorOutput) or keeps them (continueRegularOutput),
and for onError stopWorkflow they raise an error naming node and item.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext

__all__ = ["ItemInputError", "ItemStep", "batch_error", "item_error", "map_items"]


class ItemInputError(ValueError):
    """One item cannot be processed; the message names the parameter and why."""


ItemStep = Callable[[int, dict[str, Any]], tuple[dict[str, Any], dict[str, Any] | None]]
"""(item index, item json) -> the output item's json and binary."""


def map_items(ctx: NodeContext, batch: ItemBatch, step: ItemStep) -> ItemBatch:
    """`step` applied to every item of `batch`, each output paired to its input.

    An item whose step raises ItemInputError or HetumindError stops the node with an error
    naming node, item and cause, or (onError continue*) becomes `{"error": message}`.
    """
    rows: list[dict[str, Any]] = []
    binary: list[dict[str, Any] | None] = []
    for i, row in enumerate(batch.to_json()):
        try:
            out, out_binary = step(i, row)
        except (ItemInputError, HetumindError) as exc:
            message = str(exc) if isinstance(exc, ItemInputError) else exc.message
            out, out_binary = item_error(ctx, i, message), None
        rows.append(out)
        binary.append(out_binary)
    return ItemBatch.from_json(rows, binary=binary).with_identity_pairing()


def item_error(
    ctx: NodeContext, index: int | None, message: str, *, stop: BaseException | None = None
) -> dict[str, Any]:
    """The onError decision for item `index` that failed with `message`.

    onError stopWorkflow: raises `stop` when given (a node that keeps n8n's own error, an
    API error with its HTTP details), else a NodeExecutionError naming node and item.
    Otherwise the failed item's json, `{"error": message}`, which the caller pairs to
    item `index`.
    """
    if not ctx.continue_on_fail:
        if stop is not None:
            raise stop
        raise NodeExecutionError(message, node=ctx.node_name, item_index=index) from None
    return {"error": message}


def batch_error(
    ctx: NodeContext,
    message: str,
    *,
    items: int = 1,
    paired: bool = True,
    stop: BaseException | None = None,
) -> ItemBatch:
    """The onError decision for a node whose whole batch fails at once (a connection that
    cannot open, a script over all items).

    onError stopWorkflow: raises `stop` when given, else a NodeExecutionError naming the
    node. Otherwise `items` error items, each paired to the input item of its index
    (`paired=False`: unpaired, as n8n's Code node answers).
    """
    if not ctx.continue_on_fail:
        if stop is not None:
            raise stop
        raise NodeExecutionError(message, node=ctx.node_name) from None
    rows = [{"error": message} for _ in range(items)]
    return ItemBatch.from_json(rows, paired=list(range(items)) if paired else None)

"""The shared runner of nodes that make one output item of each input item.

`map_items` is their loop: it pairs each output to its input and applies onError
(stop, continueRegularOutput, continueErrorOutput), so that a node, built-in or from a
plugin package, only says how one item becomes another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext

__all__ = ["ItemInputError", "ItemStep", "map_items"]


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
            if not ctx.continue_on_fail:
                raise NodeExecutionError(message, node=ctx.node_name, item_index=i) from None
            out, out_binary = {"error": message}, None
        rows.append(out)
        binary.append(out_binary)
    return ItemBatch.from_json(rows, binary=binary).with_identity_pairing()

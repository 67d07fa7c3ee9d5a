"""Loop Over Items (splitInBatches v3) and Split In Batches 1/2: batches through a back-edge.

Version 3: output 0 ("done") gets every processed item once the input is exhausted; output
1 ("loop") gets the next batch. Versions 1 and 2 put the batch on output 0; once the items
run out, version 2 sends the processed items to output 1 ("done") and version 1 outputs
nothing, which ends the branch. State lives in `ctx.state` between runs of the node within
one execution, as ItemBatch objects so it can travel through Ray's object store.
"""

from __future__ import annotations

from collections.abc import Sequence

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import NODE_CONTEXT_KEY, Expr, Node, NodeContext, NodeParams, node

_PENDING = "pending"
"""Items of the first run not yet handed out (ItemBatch, paired to the first run's input)."""
_PROCESSED = "processed"
"""Items that came back through the back-edge, one ItemBatch per run."""
_RUN, _MAX_RUN = "currentRunIndex", "maxRunIndex"
"""n8n's counters of the loop: this run's index since the start, and the runs it needs."""


class SplitInBatchesParams(NodeParams):
    batchSize: Expr[int] = 1


@node(
    "splitInBatches",
    versions=[1, 2, 3],
    display_name="Loop Over Items (Split in Batches)",
    params=SplitInBatchesParams,
    outputs=2,
    loop=True,
    pure=True,
)
class SplitInBatches(Node):
    """Splits items into batches and loops over them; outputs (v3): 0 = done, 1 = loop."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        items = inputs[0] if inputs else ItemBatch.empty()
        # the default n8n's editor stored: 10 before version 3, 1 since
        raw_size = ctx.param("batchSize", 0, 10 if ctx.type_version < 3 else 1)
        try:
            size = int(raw_size)
        except (TypeError, ValueError):
            raise NodeExecutionError(
                f"Batch Size must be a number, got {raw_size!r}", node=ctx.node_name
            ) from None
        if size < 1:
            raise NodeExecutionError("Batch Size must be at least 1", node=ctx.node_name)
        state = ctx.state
        reset = bool(ctx.param("options.reset", 0, False))
        if _PENDING not in state or reset:
            paired = items.with_identity_pairing()
            batch = paired.slice(0, size)
            state[_PENDING] = paired.slice(size)
            state[_PROCESSED] = []
            state[_RUN] = 0
            state[_MAX_RUN] = -(-len(items) // size)
        else:
            # Items stored on the first run pair with that run's input, not this one's:
            # unpaired, they keep the lineage they were stored with (the engine honours it).
            pending: ItemBatch = state[_PENDING]
            batch = pending.slice(0, size).with_pairing(None)
            state[_PENDING] = pending.slice(size)
            state[_PROCESSED] = [*state[_PROCESSED], items]
            state[_RUN] = state.get(_RUN, 0) + 1
        version = ctx.type_version
        # n8n's node context, which later nodes read as $node["Loop"].context["noItemsLeft"]
        ctx.record(
            NODE_CONTEXT_KEY,
            {
                "currentRunIndex": state[_RUN],
                "maxRunIndex": state.get(_MAX_RUN, 0),
                "noItemsLeft": len(state[_PENDING]) == 0,
                "done": len(batch) == 0,
            },
        )
        if len(batch) == 0:
            done = ItemBatch.concat(state[_PROCESSED]).with_pairing(None)
            # n8n keeps its (now empty) context; we clear it so a later entry starts afresh.
            for key in (_PENDING, _PROCESSED, _RUN, _MAX_RUN):
                state.pop(key, None)
            if version < 2:
                return [ItemBatch.empty(), ItemBatch.empty()]
            return [ItemBatch.empty(), done] if version < 3 else [done, ItemBatch.empty()]
        return [batch, ItemBatch.empty()] if version < 3 else [ItemBatch.empty(), batch]

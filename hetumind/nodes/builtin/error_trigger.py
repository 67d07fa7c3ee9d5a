"""Error Trigger: starts an error workflow with the failed execution's details."""

from __future__ import annotations

from collections.abc import Sequence

from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, node
from hetumind.subworkflows import execution_mode

# What n8n shows when the trigger is run by hand, so that an error workflow can be built
# and tried without a real failure.
EXAMPLE = {
    "execution": {
        "id": 231,
        "url": "/workflow/1/executions/231",
        "retryOf": "34",
        "error": {"message": "Example Error Message", "stack": "Stacktrace"},
        "lastNodeExecuted": "Node With Error",
        "mode": "manual",
    },
    "workflow": {"id": "1", "name": "Example Workflow"},
}


@node(
    "errorTrigger",
    versions=[1],
    display_name="Error Trigger",
    inputs=0,
    trigger=True,
    trigger_kind="error",
    pure=True,
)
class ErrorTrigger(Node):
    """Emits the item describing the failed execution (example data in manual runs)."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        blank = not len(batch) or (len(batch) == 1 and batch.to_json() == [{}] and not batch.binary)
        if blank and execution_mode(ctx) == "manual":
            return [ItemBatch.from_json([EXAMPLE])]
        return [batch if len(batch) else ItemBatch.from_json([{}])]

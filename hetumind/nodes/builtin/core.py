"""Trigger and plumbing nodes: manualTrigger, noOp, stopAndError."""

from __future__ import annotations

from collections.abc import Sequence

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Expr, Node, NodeContext, NodeParams, node


@node(
    "manualTrigger",
    versions=[1],
    display_name="Manual Trigger",
    inputs=0,
    trigger=True,
    aliases=("n8n-nodes-base.start",),
    any_version=True,
    trigger_kind="manual",
    pure=True,
)
class ManualTrigger(Node):
    """Starts a workflow by hand; emits the run's input items, or one empty item."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        # The engine hands the execution's input items to triggers as input 0.
        if inputs and len(inputs[0]):
            return [inputs[0]]
        return [ItemBatch.from_json([{}])]


@node(
    "noOp",
    versions=[1],
    display_name="No Operation, do nothing",
    any_version=True,
    pure=True,
    item_wise=True,
    reads_named_fields=True,
)
class NoOp(Node):
    """Passes its items through unchanged."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        return [inputs[0].with_identity_pairing()]


class StopAndErrorParams(NodeParams):
    errorType: str = "errorMessage"
    errorMessage: Expr[str] = ""
    errorObject: Expr[str] = ""


@node(
    "stopAndError",
    versions=[1],
    display_name="Stop and Error",
    params=StopAndErrorParams,
    pure=True,
    item_wise=True,
)
class StopAndError(Node):
    """Fails the run with a message (evaluated for the first item, as n8n does)."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        if ctx.param("errorType", 0, "errorMessage") == "errorObject":
            obj = ctx.param("errorObject", 0, "")
            message = str(obj.get("message", obj)) if isinstance(obj, dict) else str(obj)
        else:
            message = str(ctx.param("errorMessage", 0, ""))
        raise NodeExecutionError(message, node=ctx.node_name)

"""Polling triggers: nodes that start a workflow when a poll of some service finds news.

A polling trigger is declared with `trigger_kind="polling"` and subclasses
`PollingTrigger`, implementing `poll`. Its `pollTimes` parameter (n8n's, in the shapes of
the Cron node's trigger times) says when to poll. What the server does with it:

1. At each poll time the scheduler runs the node alone, in a run that is not recorded, with
   the workflow's static data; the node's `poll` asks the service what is new since the
   state it keeps in `ctx.static_data("node")` (n8n's `getWorkflowStaticData('node')`).
2. The static data the poll left is saved, whether it found anything or not.
3. If it returned items, an execution starts (mode "trigger") in which the node passes
   them on as its output; if it returned none, nothing is recorded, as in n8n.

A run started by hand (the API's run route, `hetumind run`) polls once with
`manual=True`: the node then returns the newest items even if they are not new, so the
user sees data, and leaves its state as it was, as n8n's nodes do in manual mode.

Delivery is at least once: a server that dies after an execution started but before the
poll's state was saved polls the same items again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext

__all__ = ["POLL_MODE", "PollingTrigger"]

POLL_MODE = "trigger"
"""The execution mode of poll runs and of the executions they start (n8n's name)."""


class PollingTrigger(Node):
    """Base of polling trigger nodes; subclasses implement `poll`."""

    polls_binary: ClassVar[bool] = False
    """`poll` returns n8n-shaped items ({"json", "binary"}: mail attachments, files)
    rather than plain JSON objects."""

    def poll(self, ctx: NodeContext, *, manual: bool) -> list[dict[str, Any]] | None:
        """The items that are new since the last poll (None or []: nothing new)."""
        raise NotImplementedError

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        if inputs and len(inputs[0]):
            return [inputs[0]]  # the items the scheduler's poll found
        found = list(self.poll(ctx, manual=ctx.execution.mode != POLL_MODE) or [])
        return [ItemBatch.from_items(found) if self.polls_binary else ItemBatch.from_json(found)]

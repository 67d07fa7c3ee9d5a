"""Chat Trigger (1, 1.1, 1.2, 1.3): starts a run for each message of a chat.

With `public` on, the server hosts a chat page (mode hostedChat) at
/webhook/<webhookId>/chat and takes messages there as POSTs (both modes), answering with
the last node's output (`output` for an agent) or a Respond to Webhook response
(serve_app/routes/chat.py). The item is the posted body, as in n8n:
`{"action": "sendMessage", "sessionId": ..., "chatInput": ...}`.
"""

from __future__ import annotations

from collections.abc import Sequence

from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin.ai_models import LANGCHAIN

__all__ = ["ChatTrigger"]


@node(
    "chatTrigger",
    versions=(1, 1.1, 1.2, 1.3),
    display_name="Chat Trigger",
    description="Runs the workflow when a chat message is submitted",
    inputs=0,
    params=NodeParams,
    n8n=False,
    aliases=(f"{LANGCHAIN}.chatTrigger",),
    accepts=("ai_memory",),
    trigger_kind="chat",
    pure=True,
)
class ChatTrigger(Node):
    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        if inputs and len(inputs[0]):
            return [inputs[0]]
        return [
            ItemBatch.from_json(
                [
                    {
                        "sessionId": ctx.execution.execution_id,
                        "action": "sendMessage",
                        "chatInput": "",
                    }
                ]
            )
        ]

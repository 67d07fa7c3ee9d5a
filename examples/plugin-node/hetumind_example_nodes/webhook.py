"""Items Webhook: a webhook-kind trigger whose JSON array body becomes one item per element.

The server knows it is a webhook only from `trigger_kind="webhook"`: it routes
`/webhook/<path>` (and `/webhook-test/<path>`) for `httpMethod`, answers as n8n's Webhook
node does for `responseMode`, and passes the request as this node's input item.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hetumind.items import ItemBatch
from hetumind.nodes import Node, NodeContext, NodeParams, node


class ItemsWebhookParams(NodeParams):
    path: str = ""
    httpMethod: str = "POST"
    responseMode: str = "onReceived"


@node(
    "exampleItemsWebhook",
    versions=[1],
    display_name="Items Webhook (example plugin)",
    description="Starts the workflow at /webhook/<path>; a JSON array body is one item per "
    "element.",
    n8n=False,
    inputs=0,
    trigger=True,
    params=ItemsWebhookParams,
    trigger_kind="webhook",
    pure=True,
)
class ItemsWebhook(Node):
    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        requests = inputs[0].to_json() if inputs else []
        body: Any = requests[0].get("body") if requests else None
        elements = body if isinstance(body, list) else [body if body is not None else {}]
        rows = [e if isinstance(e, dict) else {"value": e} for e in elements]
        return [ItemBatch.from_json(rows)]

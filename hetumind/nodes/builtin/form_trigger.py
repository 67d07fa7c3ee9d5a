"""n8n Form Trigger (1, 2, 2.1, 2.2, 2.3): starts a run when its hosted form is submitted.

The server shows the form at /form/<path> (GET) and turns a submission (POST) into the
item this node outputs: fields keyed by label, `submittedAt`, `formMode`, files as binary
data (serve_app/routes/forms.py, hetumind.forms).
"""

from __future__ import annotations

from collections.abc import Sequence

from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node

__all__ = ["FormTrigger"]


@node(
    "formTrigger",
    versions=(1, 2, 2.1, 2.2, 2.3),
    display_name="n8n Form Trigger",
    description="Runs the flow when an n8n generated webform is submitted",
    inputs=0,
    params=NodeParams,
    trigger_kind="form",
    pure=True,
)
class FormTrigger(Node):
    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        # The server passes the submission as the trigger input (like the Webhook node).
        if inputs and len(inputs[0]):
            return [inputs[0]]
        mode = "test" if ctx.execution.mode == "manual" else "production"
        return [ItemBatch.from_json([{"formMode": mode}])]

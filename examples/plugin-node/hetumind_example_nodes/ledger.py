"""Append to Ledger: each item as one JSON line at the end of a local file.

A file write is an effect outside the node's outputs, so the node keeps the default
(effectful) trait: the engine runs it at most once per execution. The path goes through
the execution's file policy (`Capabilities.check_file`), as Read/Write Files does, so a
server's HETUMIND_FILES_ROOT binds plugin nodes too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from hetumind.capabilities import CapabilityDenied, capabilities_of
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes import Node, NodeContext, NodeParams, node


class AppendToLedgerParams(NodeParams):
    path: str = ""


@node(
    "exampleAppendToLedger",
    versions=[1],
    display_name="Append to Ledger (example plugin)",
    description="Appends each item to a JSON-lines file.",
    n8n=False,
    params=AppendToLedgerParams,
)
class AppendToLedger(Node):
    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        given = str(ctx.param("path", 0, "")).strip()
        if not given:
            raise NodeExecutionError("parameter 'path' is empty", node=ctx.node_name)
        try:
            path = capabilities_of(ctx).check_file(given)
        except CapabilityDenied as exc:
            raise NodeExecutionError(exc.message, node=ctx.node_name) from None
        rows = inputs[0].to_json()
        lines = "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows)
        try:
            with path.open("a", encoding="utf-8") as ledger:  # one write: all lines or none
                ledger.write(lines)
        except OSError as exc:
            raise NodeExecutionError(
                f"cannot append to {given}: {exc.strerror}", node=ctx.node_name
            ) from None
        return [inputs[0]]

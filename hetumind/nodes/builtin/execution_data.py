"""Execution Data (n8n's `executionData` 1 and 1.1): save custom data on the execution.

n8n keeps up to 10 string pairs per execution (`$execution.customData`) so executions can
be found by them. The node passes its items through and records the pairs it set on its
run data under "customData" (RunMeta.extra), which is where the engine keeps what a node
tells about the execution; later pairs with the same key replace earlier ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node

__all__ = ["CUSTOM_DATA_KEY", "ExecutionData"]

CUSTOM_DATA_KEY = "customData"
MAX_KEYS = 10
MAX_KEY_LENGTH = 50
MAX_VALUE_LENGTH = 255
"""n8n's limits (keys and values longer are cut, an eleventh key is refused)."""


class ExecutionDataParams(NodeParams):
    operation: str = "save"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@node(
    "executionData",
    versions=[1, 1.1],
    display_name="Execution Data",
    params=ExecutionDataParams,
    fusible=False,  # its data reaches later nodes through the coordinator, between tasks
)
class ExecutionData(Node):
    """Saves custom key/value data on the execution, to filter executions by."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        if str(ctx.param("operation", 0, "save") or "save") != "save":
            return [batch]
        saved: dict[str, str] = {}
        for i in range(len(batch)):
            entries = (ctx.param("dataToSave", i, {}) or {}).get("values") or []
            for entry in entries:
                if not isinstance(entry, Mapping):
                    continue
                key = str(entry.get("key") or "")[:MAX_KEY_LENGTH]
                value = entry.get("value")
                # 1.0 stores a missing value as it is; 1.1 as ""
                text = _text(value) if value not in (None, "") else ""
                if not key:
                    continue
                if key not in saved and len(saved) >= MAX_KEYS:
                    raise NodeExecutionError(
                        f"Custom data can hold at most {MAX_KEYS} keys; {key!r} is one too many",
                        node=ctx.node_name,
                        item_index=i,
                    )
                saved[key] = text[:MAX_VALUE_LENGTH]
        if saved:
            ctx.record(CUSTOM_DATA_KEY, saved)
        return [batch]

"""Running one protocol node directly on the engine's real node context."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any

from hetumind.capabilities import Capabilities, NetworkPolicy
from hetumind.engine.context import ExecutionInfo, NodeRunContext
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node
from hetumind.workflow import Node as WorkflowNode

RESTRICTED = Capabilities(mode="server", network=NetworkPolicy(restricted=True))
"""Server mode's network policy (public addresses only) with inline credentials allowed,
so a test can name its loopback server inline and see the policy refuse it."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_node(
    node: Node,
    parameters: Mapping[str, Any],
    items: list[dict[str, Any]] | ItemBatch | None = None,
    *,
    node_type: str,
    version: float = 1,
    credentials: Mapping[str, Mapping[str, Any]] | None = None,
    continue_on_fail: bool = False,
    capabilities: Capabilities | None = None,
    name: str = "Node",
) -> list[ItemBatch]:
    """Run `node` on `items`; `credentials` maps a kind to its data (put inline)."""
    batch = items if isinstance(items, ItemBatch) else ItemBatch.from_json(items or [{}])
    workflow_node = WorkflowNode(
        name=name,
        type=node_type,
        typeVersion=version,
        parameters=dict(parameters),
        credentials={
            kind: {"id": kind, "name": kind, "data": dict(data)}
            for kind, data in (credentials or {}).items()
        },
    )
    info = ExecutionInfo(
        execution_id="test",
        workflow_id=None,
        workflow_name="test",
        capabilities=capabilities or Capabilities.local(),
    )
    ctx = NodeRunContext(
        workflow_node,
        [batch],
        run_index=0,
        info=info,
        state={},
        references={},
        continue_on_fail=continue_on_fail,
        vectorize=True,
    )
    return ctx_run(node, ctx, batch)


def ctx_run(node: Node, ctx: NodeRunContext, batch: ItemBatch) -> list[ItemBatch]:
    return node.run(ctx, [batch])

"""The engine's real NodeRunContext, built for one node outside a workflow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.engine.context import ExecutionInfo, NodeRunContext
from hetumind.items import ItemBatch
from hetumind.workflow import Node as WorkflowNode


def node_context(
    parameters: Mapping[str, Any] | None = None,
    inputs: Sequence[ItemBatch] = (),
    *,
    version: float = 1,
    continue_on_fail: bool = False,
    vectorize: bool = True,
    state: dict[str, Any] | None = None,
    node_name: str = "Node",
) -> NodeRunContext:
    """A context for `node.run(ctx, inputs)`; expressions evaluate against `inputs[0]`."""
    node = WorkflowNode(
        name=node_name, type="hetumind.noOp", typeVersion=version, parameters=dict(parameters or {})
    )
    return NodeRunContext(
        node,
        inputs,
        run_index=0,
        info=ExecutionInfo(execution_id="test", workflow_id=None, workflow_name="test"),
        state=state if state is not None else {},
        references={},
        continue_on_fail=continue_on_fail,
        vectorize=vectorize,
    )

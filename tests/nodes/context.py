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
    node_type: str = "hetumind.noOp",
    credentials: Mapping[str, Any] | None = None,
    execution_id: str = "test",
) -> NodeRunContext:
    """A context for `node.run(ctx, inputs)`; expressions evaluate against `inputs[0]`.

    `credentials` maps a credential kind to its inline entry (`{"id", "name", "data"}`),
    as a workflow node carries them."""
    node = WorkflowNode(
        name=node_name,
        type=node_type,
        typeVersion=version,
        parameters=dict(parameters or {}),
        credentials=dict(credentials or {}),
    )
    return NodeRunContext(
        node,
        inputs,
        run_index=0,
        info=ExecutionInfo(execution_id=execution_id, workflow_id=None, workflow_name="test"),
        state=state if state is not None else {},
        references={},
        continue_on_fail=continue_on_fail,
        vectorize=vectorize,
    )

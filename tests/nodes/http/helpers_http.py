"""Running the HTTP Request node directly (engine context) or in a small workflow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.engine.context import ExecutionInfo, NodeRunContext
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.http_request import HttpRequest
from hetumind.workflow import Node as WorkflowNode
from tests.nodes.helpers_agg import single_node_workflow


def credential(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {kind: {"id": "1", "name": "test", "data": dict(data)}}


def run_http(
    parameters: Mapping[str, Any],
    items: Sequence[Mapping[str, Any]] | ItemBatch = ({},),
    *,
    credentials: Mapping[str, Any] | None = None,
    continue_on_fail: bool = False,
    version: float = 4.2,
    execution_id: str = "exec-1",
) -> ItemBatch:
    """Run the node on `items` (item json, or n8n items with binary) and return its output."""
    batch = items if isinstance(items, ItemBatch) else ItemBatch.from_items(list(items))
    node = WorkflowNode(
        name="HTTP",
        type="hetumind.httpRequest",
        typeVersion=version,
        parameters=dict(parameters),
        credentials=dict(credentials or {}),
    )
    ctx = NodeRunContext(
        node,
        [batch],
        run_index=0,
        info=ExecutionInfo(execution_id=execution_id, workflow_id=None, workflow_name="t"),
        state={},
        references={},
        continue_on_fail=continue_on_fail,
    )
    return HttpRequest().run(ctx, [batch])[0]


def workflow(
    parameters: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], **node_fields: Any
) -> dict[str, Any]:
    """Start -> Data -> Items -> HTTP (n8n's export shape); `node_fields` go on the HTTP
    node (credentials, onError, ...)."""
    wf = single_node_workflow([dict(r) for r in rows], "httpRequest", 4.2, dict(parameters))
    wf["nodes"][-1].update(node_fields)
    return wf

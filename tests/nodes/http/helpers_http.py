"""Running the HTTP Request node directly (engine context) or in a small workflow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.items import ItemBatch
from hetumind.nodes.builtin.http_request import HttpRequest
from tests.nodes.context import node_context
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
    ctx = node_context(
        parameters,
        [batch],
        version=version,
        continue_on_fail=continue_on_fail,
        node_name="HTTP",
        node_type="hetumind.httpRequest",
        credentials=credentials,
        execution_id=execution_id,
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

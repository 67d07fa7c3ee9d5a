"""A NodeContext for unit tests of the transform nodes: literal parameters only."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.engine.context import NodeRunContext
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node
from tests.nodes.context import node_context


def FakeContext(
    parameters: Mapping[str, Any] | None = None,
    *,
    type_version: float = 1,
    continue_on_fail: bool = False,
    state: dict[str, Any] | None = None,
    node_name: str = "Node",
    inputs: Sequence[ItemBatch] = (),
) -> NodeRunContext:
    """The engine's real context for one node, with literal (or expression) parameters."""
    return node_context(
        parameters,
        inputs,
        version=type_version,
        continue_on_fail=continue_on_fail,
        state=state,
        node_name=node_name,
    )


def run_node(
    node: Node,
    parameters: Mapping[str, Any],
    *inputs: Sequence[dict[str, Any]] | ItemBatch,
    **ctx_kwargs: Any,
) -> list[list[dict[str, Any]]]:
    """Run `node` on literal item json lists; return each output's item json."""
    batches = [b if isinstance(b, ItemBatch) else ItemBatch.from_json(list(b)) for b in inputs]
    ctx = FakeContext(parameters, inputs=batches, **ctx_kwargs)
    return [out.to_json() for out in node.run(ctx, batches)]


PEOPLE: list[dict[str, Any]] = [
    {"id": 1, "name": "Ada", "age": 36, "city": "London", "score": 91.5, "tags": ["math", "code"]},
    {"id": 2, "name": "Grace", "age": 45, "city": "New York", "score": 88.5, "tags": ["navy"]},
    {"id": 3, "name": "alan", "age": 41, "city": "London", "score": 79.25, "tags": []},
    {"id": 4, "name": "Edsger", "age": 72, "city": "Austin", "score": 95.5, "tags": ["algo"]},
    {"id": 5, "name": "Barbara", "age": 29, "city": "Boston", "score": 67.5, "tags": ["ds"]},
    {"id": 6, "name": "Ken", "age": 36, "city": "New York", "score": 88.5, "tags": ["unix"]},
]


def _n(name: str, type_: str, version: float, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": name,
        "name": name,
        "type": f"n8n-nodes-base.{type_}",
        "typeVersion": version,
        "position": [0, 0],
        "parameters": params,
    }


def single_node_workflow(
    rows: Sequence[dict[str, Any]], type_: str, version: float, params: dict[str, Any]
) -> dict[str, Any]:
    """Start -> Data (Set raw) -> Items (splitOut) -> Node, in n8n's JSON shape."""
    data = {"mode": "raw", "jsonOutput": json.dumps({"rows": list(rows)}), "options": {}}
    nodes = [
        _n("Start", "manualTrigger", 1, {}),
        _n("Data", "set", 3.4, data),
        _n("Items", "splitOut", 1, {"fieldToSplitOut": "rows", "options": {}}),
        _n("Node", type_, version, params),
    ]
    chain = ["Start", "Data", "Items", "Node"]
    connections = {
        a: {"main": [[{"node": b, "type": "main", "index": 0}]]}
        for a, b in itertools.pairwise(chain)
    }
    return {"nodes": nodes, "connections": connections, "settings": {"executionOrder": "v1"}}


def run_single(
    rows: Sequence[dict[str, Any]], type_: str, version: float, params: dict[str, Any]
) -> dict[str, Any]:
    """Run the single-node workflow inline; the execution result as JSON."""
    from hetumind.engine import run_workflow

    result: dict[str, Any] = run_workflow(
        single_node_workflow(rows, type_, version, params), backend="inline"
    ).to_json()
    return result

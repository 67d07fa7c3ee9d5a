"""A NodeContext for unit tests of the transform nodes: literal parameters only."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from typing import Any

from hetumind.items import ItemBatch
from hetumind.nodes.api import Node

_NOT_FOUND = object()


def _lookup(params: Mapping[str, Any], path: str) -> Any:
    value: Any = params
    for key in path.split("."):
        if isinstance(value, Mapping) and key in value:
            value = value[key]
        else:
            return _NOT_FOUND
    return value


class FakeContext:
    """Implements the NodeContext protocol for non-expression parameters."""

    def __init__(
        self,
        parameters: Mapping[str, Any] | None = None,
        *,
        type_version: float = 1,
        continue_on_fail: bool = False,
        state: dict[str, Any] | None = None,
        node_name: str = "Node",
    ) -> None:
        self._parameters = dict(parameters or {})
        self._type_version = type_version
        self._continue_on_fail = continue_on_fail
        self._state = state if state is not None else {}
        self._node_name = node_name
        self._run_index = 0

    @property
    def node_name(self) -> str:
        return self._node_name

    @property
    def type_version(self) -> float:
        return self._type_version

    @property
    def run_index(self) -> int:
        return self._run_index

    @property
    def state(self) -> dict[str, Any]:
        return self._state

    @property
    def raw_parameters(self) -> Mapping[str, Any]:
        return self._parameters

    @property
    def continue_on_fail(self) -> bool:
        return self._continue_on_fail

    def param(self, path: str, item_index: int = 0, default: Any = None) -> Any:
        value = _lookup(self._parameters, path)
        return default if value is _NOT_FOUND else value

    def evaluate(self, value: Any, item_index: int, parameter: str) -> Any:
        return value

    def evaluate_column(
        self, value: Any, parameter: str, batch: ItemBatch | None = None
    ) -> list[Any] | Any:
        n = len(batch) if batch is not None else 0
        return [value] * n


def run_node(
    node: Node,
    parameters: Mapping[str, Any],
    *inputs: Sequence[dict[str, Any]] | ItemBatch,
    **ctx_kwargs: Any,
) -> list[list[dict[str, Any]]]:
    """Run `node` on literal item json lists; return each output's item json."""
    ctx = FakeContext(parameters, **ctx_kwargs)
    batches = [b if isinstance(b, ItemBatch) else ItemBatch.from_json(list(b)) for b in inputs]
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

"""Helpers for the set / if / filter / switch unit tests.

`SifContext` is the engine's real NodeRunContext over one batch; `vectorize=False` makes it
answer `evaluate_column` item by item, so tests can check that both paths agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hetumind.engine.context import NodeRunContext
from hetumind.items import ItemBatch
from tests.nodes.context import node_context


def SifContext(
    parameters: Mapping[str, Any],
    batch: ItemBatch,
    *,
    version: float = 1,
    vectorize: bool = True,
    continue_on_fail: bool = False,
    node_name: str = "Node",
) -> NodeRunContext:
    """The engine's real context over `batch`; `vectorize=False` forces the per-item path."""
    return node_context(
        parameters,
        [batch],
        version=version,
        continue_on_fail=continue_on_fail,
        vectorize=vectorize,
        node_name=node_name,
    )


def filter_value(
    *conditions: tuple[Any, str, str, Any],
    combinator: str = "and",
    strict: bool = True,
    case_sensitive: bool = True,
    version: int = 2,
) -> dict[str, Any]:
    """A filter parameter from (left, type, operation, right) tuples."""
    return {
        "options": {
            "caseSensitive": case_sensitive,
            "leftValue": "",
            "typeValidation": "strict" if strict else "loose",
            "version": version,
        },
        "conditions": [
            {
                "id": f"c{i}",
                "leftValue": left,
                "rightValue": right,
                "operator": {"type": typ, "operation": op},
            }
            for i, (left, typ, op, right) in enumerate(conditions)
        ],
        "combinator": combinator,
    }


PEOPLE = [
    {
        "id": 1,
        "name": "Ada",
        "age": 36,
        "city": "London",
        "tags": ["math", "code"],
        "score": 91.5,
        "active": True,
        "email": "ada@example.org",
    },
    {
        "id": 2,
        "name": "Grace",
        "age": 45,
        "city": "New York",
        "tags": ["navy", "code"],
        "score": 88.0,
        "active": False,
        "email": "grace@example.com",
    },
    {
        "id": 3,
        "name": "alan",
        "age": 41,
        "city": "London",
        "tags": [],
        "score": 79.25,
        "active": True,
        "email": None,
    },
    {
        "id": 4,
        "name": "Edsger",
        "age": 72,
        "city": "Austin",
        "tags": ["algo"],
        "score": 95.0,
        "active": True,
        "email": "ew@example.net",
    },
    {
        "id": 5,
        "name": "Barbara",
        "age": 29,
        "city": "Boston",
        "tags": ["lang", "code", "ds"],
        "score": 67.0,
        "active": False,
        "email": "bl@example.org",
    },
    {
        "id": 6,
        "name": "Ken",
        "age": 36,
        "city": "New York",
        "tags": ["unix"],
        "score": 88.0,
        "active": True,
        "email": "ken@example.com",
    },
]


def workflow(
    node: dict[str, Any],
    rows: list[dict[str, Any]],
    *extra: dict[str, Any],
    connections: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Start -> Data (set raw) -> Items (splitOut) -> `node` (+ extra nodes), n8n's shape."""
    import json

    nodes = [
        {
            "id": "start",
            "name": "Start",
            "type": "n8n-nodes-base.manualTrigger",
            "typeVersion": 1,
            "position": [0, 0],
            "parameters": {},
        },
        {
            "id": "data",
            "name": "Data",
            "type": "n8n-nodes-base.set",
            "typeVersion": 3.4,
            "position": [200, 0],
            "parameters": {"mode": "raw", "jsonOutput": json.dumps({"rows": rows}), "options": {}},
        },
        {
            "id": "items",
            "name": "Items",
            "type": "n8n-nodes-base.splitOut",
            "typeVersion": 1,
            "position": [400, 0],
            "parameters": {"fieldToSplitOut": "rows", "options": {}},
        },
        {"id": "node", "position": [600, 0], **node},
        *extra,
    ]
    conns = {
        "Start": {"main": [[{"node": "Data", "type": "main", "index": 0}]]},
        "Data": {"main": [[{"node": "Items", "type": "main", "index": 0}]]},
        "Items": {"main": [[{"node": node["name"], "type": "main", "index": 0}]]},
        **(connections or {}),
    }
    return {"name": "t", "nodes": nodes, "connections": conns, "settings": {"executionOrder": "v1"}}

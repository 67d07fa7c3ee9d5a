"""Small builders for workflow documents in n8n's JSON shape, for engine tests."""

from __future__ import annotations

import itertools
import json
from typing import Any

Edge = tuple[str, int, str, int]


def node(name: str, type_: str, version: float = 1, **fields: Any) -> dict[str, Any]:
    params = fields.pop("parameters", {})
    return {
        "id": name.lower().replace(" ", "-"),
        "name": name,
        "type": type_ if "." in type_ else f"n8n-nodes-base.{type_}",
        "typeVersion": version,
        "position": [0, 0],
        "parameters": params,
        **fields,
    }


def start() -> dict[str, Any]:
    return node("Start", "manualTrigger")


def data(name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A Set node in raw mode that outputs one item holding `rows`."""
    return node(
        name, "set", 3.4, parameters={"mode": "raw", "jsonOutput": json.dumps({"rows": rows})}
    )


def split(name: str) -> dict[str, Any]:
    return node(name, "splitOut", 1, parameters={"fieldToSplitOut": "rows"})


def assign(name: str, values: dict[str, tuple[str, Any]], keep: bool = True, **f: Any) -> dict:
    """A Set node (manual mode); `values` maps field -> (type, value or expression)."""
    assignments = [{"id": k, "name": k, "type": t, "value": v} for k, (t, v) in values.items()]
    params = {"assignments": {"assignments": assignments}, "includeOtherFields": keep}
    return node(name, "set", 3.4, parameters=params, **f)


def condition(left: str, op: str, right: Any, type_: str = "number") -> dict[str, Any]:
    return {
        "conditions": {
            "options": {"caseSensitive": True, "leftValue": "", "typeValidation": "strict"},
            "conditions": [
                {
                    "id": "c",
                    "leftValue": left,
                    "rightValue": right,
                    "operator": {"type": type_, "operation": op},
                }
            ],
            "combinator": "and",
        },
        "options": {},
    }


def workflow(nodes: list[dict[str, Any]], edges: list[Edge], **extra: Any) -> dict[str, Any]:
    connections: dict[str, Any] = {}
    for src, out, dst, inp in edges:
        ports = connections.setdefault(src, {"main": []})["main"]
        while len(ports) <= out:
            ports.append([])
        ports[out].append({"node": dst, "type": "main", "index": inp})
    return {"name": "test", "nodes": nodes, "connections": connections, **extra}


def chain(*names: str) -> list[Edge]:
    return [(a, 0, b, 0) for a, b in itertools.pairwise(names)]


PEOPLE = [
    {"id": 1, "name": "Ada", "age": 36},
    {"id": 2, "name": "Grace", "age": 45},
    {"id": 3, "name": "Alan", "age": 41},
]

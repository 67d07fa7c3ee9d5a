"""Small workflows for the sub-workflow tests, in n8n's export shape."""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

NAMES = ["Ada", "Grace", "Alan"]


def node(name: str, type_: str, version: float = 1, **params: Any) -> dict[str, Any]:
    return {
        "id": name.lower().replace(" ", "-"),
        "name": name,
        "type": f"n8n-nodes-base.{type_}",
        "typeVersion": version,
        "position": [0, 0],
        "parameters": params,
    }


def chain(*names: str) -> dict[str, Any]:
    return {a: {"main": [[{"node": b, "type": "main", "index": 0}]]} for a, b in pairwise(names)}


def workflow(name: str, nodes: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    doc = {"name": name, "nodes": nodes, "connections": chain(*(n["name"] for n in nodes))}
    doc.update(extra)
    return doc


def set_node(name: str, **fields: str) -> dict[str, Any]:
    assignments = [{"id": k, "name": k, "type": "string", "value": v} for k, v in fields.items()]
    return node(name, "set", 3.4, assignments={"assignments": assignments}, includeOtherFields=True)


def callee(*after: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Execute Workflow Trigger -> the given nodes (default: a greeting)."""
    body = list(after) or [set_node("Greet", greeting="=hi {{ $json.name }}")]
    return workflow("callee", [node("When Called", "executeWorkflowTrigger"), *body], **extra)


def failing_callee(message: str = "boom in the callee") -> dict[str, Any]:
    return callee(node("Fail", "stopAndError", errorMessage=message))


def caller(
    call_params: dict[str, Any],
    *,
    after: Sequence[dict[str, Any]] = (),
    call_extra: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Start -> three items (names) -> Call (Execute Workflow 1.2) -> `after` nodes."""
    rows = json.dumps({"rows": [{"id": i + 1, "name": n} for i, n in enumerate(NAMES)]})
    call = node("Call", "executeWorkflow", 1.2, **{"options": {}, **call_params})
    call.update(call_extra or {})
    nodes = [
        node("Start", "manualTrigger"),
        node("Data", "set", 3.4, mode="raw", jsonOutput=rows),
        node("Items", "splitOut", fieldToSplitOut="rows"),
        call,
        *after,
    ]
    return workflow("caller", nodes, **extra)


def by_json(doc: dict[str, Any], **params: Any) -> dict[str, Any]:
    return {"source": "parameter", "workflowJson": json.dumps(doc), **params}


def by_id(workflow_id: str, **params: Any) -> dict[str, Any]:
    locator = {"__rl": True, "value": workflow_id, "mode": "list"}
    return {"source": "database", "workflowId": locator, **params}

"""What a stored workflow document says about how it starts: its webhook routes, its
schedules, and which trigger nodes a given start should run."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from hetumind.errors import Problem, WorkflowInvalid
from hetumind.nodes.api import TriggerKind
from hetumind.nodes.builtin.webhook import webhook_methods
from hetumind.nodes.registry import default_registry
from hetumind.validation import validate_workflow
from hetumind.workflow import Workflow, parse_workflow

__all__ = [
    "Route",
    "check_workflow",
    "manual_triggers",
    "match_path",
    "polling_nodes",
    "restrict_triggers",
    "schedule_nodes",
    "trigger_kind",
    "webhook_routes",
]


def trigger_kind(node_type: Any) -> TriggerKind | None:
    """What starts a run at a node of this type (its definition says; None for other
    nodes and unknown or malformed types): the server never matches type names."""
    return default_registry().trigger_kind(node_type) if isinstance(node_type, str) else None


@dataclass(frozen=True)
class Route:
    """One (path, method) a webhook node of a workflow answers."""

    path: str
    method: str
    node: str


def check_workflow(doc: Any) -> Workflow:
    """Parse and validate a workflow document, raising WorkflowInvalid with every problem
    (the same problems `hetumind validate` prints), webhook path problems included."""
    workflow = parse_workflow(doc)
    problems = validate_workflow(workflow, default_registry())
    seen: dict[tuple[str, str], str] = {}
    for route in _routes(workflow, include_empty=True):
        if not route.path:
            problems.append(Problem("webhook path must not be empty", route.node, "path"))
            continue
        key = (route.path, route.method)
        if key in seen:
            problems.append(
                Problem(
                    f"{route.method} /{route.path} is also used by node {seen[key]!r}",
                    route.node,
                    "path",
                )
            )
        seen[key] = route.node
    if problems:
        raise WorkflowInvalid(problems, workflow.name)
    return workflow


def _routes(workflow: Workflow, *, include_empty: bool = False) -> list[Route]:
    routes = []
    for node in workflow.nodes:
        if trigger_kind(node.type) != "webhook" or node.disabled:
            continue
        raw = node.parameters.get("path") or getattr(node, "webhookId", None) or ""
        path = str(raw).strip().strip("/")
        if not path and not include_empty:
            continue
        for method in webhook_methods(node.parameters):
            routes.append(Route(path, method, node.name))
    return routes


def webhook_routes(workflow: Workflow) -> list[Route]:
    """The routes the workflow's enabled Webhook nodes listen on."""
    return _routes(workflow)


def schedule_nodes(workflow: Workflow) -> list[str]:
    """Names of enabled Schedule Trigger and Cron nodes."""
    return _of_kind(workflow, "schedule")


def polling_nodes(workflow: Workflow) -> list[str]:
    """Names of enabled polling triggers (hetumind.nodes.polling)."""
    return _of_kind(workflow, "polling")


def _of_kind(workflow: Workflow, kind: TriggerKind) -> list[str]:
    return [n.name for n in workflow.nodes if trigger_kind(n.type) == kind and not n.disabled]


def manual_triggers(workflow: Workflow) -> set[str] | None:
    """The triggers an API run starts: manual ones when there are any, else all (None)."""
    names = {n.name for n in workflow.nodes if trigger_kind(n.type) == "manual" and not n.disabled}
    return names or None


def restrict_triggers(doc: dict[str, Any], keep: set[str] | None) -> dict[str, Any]:
    """A copy of `doc` in which only the trigger nodes in `keep` start the run (n8n runs
    just the trigger that fired); `keep=None` leaves every trigger enabled."""
    if keep is None:
        return doc
    registry = default_registry()
    out = dict(doc)
    nodes = []
    for raw in doc.get("nodes", []):
        cls = registry.get(raw.get("type", "")) if isinstance(raw, dict) else None
        if cls is not None and cls.definition.trigger and raw.get("name") not in keep:
            raw = {**copy.copy(raw), "disabled": True}
        nodes.append(raw)
    out["nodes"] = nodes
    return out


_PARAM = re.compile(r"^:([A-Za-z0-9_]+)$")


def match_path(pattern: str, path: str) -> dict[str, str] | None:
    """Path parameters when `path` fits a route pattern like `users/:id`, else None."""
    want = pattern.strip("/").split("/")
    got = path.strip("/").split("/")
    if len(want) != len(got):
        return None
    params: dict[str, str] = {}
    for w, g in zip(want, got, strict=True):
        m = _PARAM.match(w)
        if m:
            params[m.group(1)] = g
        elif w != g:
            return None
    return params

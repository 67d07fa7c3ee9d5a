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
from hetumind.nodes.service_webhooks import ServiceWebhookTrigger, hook_path
from hetumind.validation import validate_workflow
from hetumind.workflow import Workflow, parse_workflow

__all__ = [
    "Route",
    "check_workflow",
    "hosted_page_routes",
    "manual_triggers",
    "match_path",
    "mcp_path",
    "node_routes",
    "polling_nodes",
    "restrict_triggers",
    "schedule_nodes",
    "service_webhook_class",
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
            node = workflow.node(route.node)
            if service_webhook_class(node.type) is not None:
                message = "the node needs a webhookId (n8n's exports carry one) for its URL"
                problems.append(Problem(message, route.node, "webhookId"))
            else:
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
        kind = trigger_kind(node.type)
        if kind in ("form", "chat") and not node.disabled:
            hook_id = getattr(node, "webhookId", None)
            for path, method in hosted_page_routes(kind, node.parameters, hook_id):
                if path or include_empty:
                    routes.append(Route(path, method, node.name))
            continue
        if kind == "mcp" and not node.disabled:
            path = mcp_path(node.parameters, getattr(node, "webhookId", None))
            if path or include_empty:
                routes.append(Route(f"mcp/{path}" if path else "", "POST", node.name))
            continue
        if kind != "webhook" or node.disabled:
            continue
        for path, method in node_routes(
            node.type, node.parameters, getattr(node, "webhookId", None)
        ):
            if path or include_empty:
                routes.append(Route(path, method, node.name))
    return routes


def node_routes(node_type: Any, parameters: Any, webhook_id: Any) -> list[tuple[str, str]]:
    """(path, method) pairs a webhook-kind node listens on ("" path: none set). A service
    webhook trigger listens at `<webhookId>/webhook` (hetumind.nodes.service_webhooks);
    a Webhook node at its `path` parameter (else its webhookId), for its methods."""
    params = parameters if isinstance(parameters, dict) else {}
    hook_id = str(webhook_id or "").strip()
    service = service_webhook_class(node_type)
    if service is not None:
        return [(hook_path(hook_id) if hook_id else "", service.http_method)]
    path = str(params.get("path") or hook_id or "").strip().strip("/")
    return [(path, method) for method in webhook_methods(params)]


def service_webhook_class(node_type: Any) -> type[ServiceWebhookTrigger] | None:
    """The node class when `node_type` is a service webhook trigger, else None."""
    cls = default_registry().get(node_type) if isinstance(node_type, str) else None
    return cls if cls is not None and issubclass(cls, ServiceWebhookTrigger) else None


def hosted_page_routes(kind: str, parameters: Any, webhook_id: Any) -> list[tuple[str, str]]:
    """A form trigger's page answers at /form/<path> (its `path`, else its webhookId), a
    chat trigger's at /webhook/<webhookId>/chat: GET shows the page, POST submits."""
    params = parameters if isinstance(parameters, dict) else {}
    hook_id = str(webhook_id or "").strip()
    if kind == "chat":
        path = f"{hook_id}/chat" if hook_id else ""
    else:
        path = str(params.get("path") or hook_id or "").strip().strip("/")
    return [(path, "GET"), (path, "POST")]


def mcp_path(parameters: Any, webhook_id: Any) -> str:
    """An MCP Server Trigger answers at /mcp/<path> (its `path`, else its webhookId)."""
    params = parameters if isinstance(parameters, dict) else {}
    return str(params.get("path") or webhook_id or "").strip().strip("/")


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

"""The n8n node (n8n-nodes-base.n8n, version 1): n8n's public REST API (workflows,
executions, credentials) called with an `n8nApi` credential ({apiKey, baseUrl}).

It speaks to any server with that API: an n8n instance, or Hetumind itself, whose /api/v1
has the same routes and shapes and takes n8n's X-N8N-API-KEY header. As in n8n, each input
item makes one request (or, for Get Many, one request per page) and every object of the
answer becomes an output item. The audit resource is not offered: it is n8n's own report
on an n8n instance, and Hetumind has no such report to send.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from hetumind.capabilities import capabilities_of
from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.http import RequestSpec, TransportKey, send
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import js_string
from hetumind.nodes.builtin.http_request_v1 import status_error
from hetumind.nodes.item_wise import flat_map_items

API_KEY_HEADER = "X-N8N-API-KEY"
MAX_PAGES = 10_000
"""A server that always answers a next cursor must not keep the node running forever."""


class N8nParams(NodeParams):
    resource: str = "workflow"


class _ItemError(Exception):
    """A problem with one item's parameters."""


Call = tuple[str, str, dict[str, Any], Any, bool | None]
"""(method, path below the base URL, query, JSON body or None, listing): a listing's items
are its page's `data`, and True follows `nextCursor` to the last page (returnAll)."""


@node(
    "n8n",
    versions=[1],
    display_name="n8n",
    description="Workflows, executions and credentials of an n8n-API server",
    params=N8nParams,
    fusible=False,
)
class N8nApi(Node):
    """Calls n8n's public API, one request (or one paginated walk) per input item."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        credential = ctx.credentials("n8nApi")
        if not credential.get("apiKey") or not credential.get("baseUrl"):
            raise NodeExecutionError(
                'Node does not have any credentials set for "n8nApi" (apiKey and baseUrl)',
                node=ctx.node_name,
            )
        base = str(credential["baseUrl"]).rstrip("/")
        headers = {
            API_KEY_HEADER: str(credential["apiKey"]),
            "Accept": "application/json",
        }
        transport = TransportKey(network=capabilities_of(ctx).network)

        def step(i: int) -> list[dict[str, Any]]:
            method, path, qs, body, listing = _call(ctx, i)
            spec = RequestSpec(
                method,
                f"{base}{path}",
                qs=qs,
                headers=dict(headers),
                body_kind="none" if body is None else "json",
                body=body,
                transport=transport,
                secret_names=frozenset({API_KEY_HEADER.lower()}),
            )
            return _objects(_answer(spec)) if listing is None else _walk(spec, listing)

        failures = (_ItemError, HetumindError)
        return [flat_map_items(ctx, len(batch), step, failures=failures)]


def _call(ctx: NodeContext, i: int) -> Call:
    resource = str(ctx.param("resource", i, "workflow"))
    default_operation = {"credential": "create"}.get(resource, "getAll")
    operation = str(ctx.param("operation", i, default_operation))
    build = _CALLS.get((resource, operation))
    if build is None:
        raise _ItemError(f'The operation "{operation}" of resource "{resource}" is not supported')
    return build(ctx, i)


def _segment(ctx: NodeContext, name: str, i: int) -> str:
    """A path parameter (a resource locator's value or a plain string), URL-encoded as
    n8n's toPathSegment does; empty is refused, since it would name another route."""
    value = ctx.param(name, i, "")
    if isinstance(value, Mapping):
        value = value.get("value", "")
    text = "" if value is None else js_string(value)
    if not text.strip():
        raise _ItemError(f"parameter {name!r} must not be empty")
    return quote(text, safe="")


def _json_parameter(ctx: NodeContext, name: str, i: int) -> Any:
    raw = ctx.param(name, i, "{}")
    if isinstance(raw, (dict, list)):
        return raw
    try:
        return json.loads(str(raw) or "{}")
    except json.JSONDecodeError:
        message = f"The '{name}' property must be valid JSON, but cannot be parsed"
        raise _ItemError(message) from None


def _workflow_body(ctx: NodeContext, i: int, *, create: bool) -> dict[str, Any]:
    """Only the fields the API accepts (n8n drops the rest so the server does not 400)."""
    doc = _json_parameter(ctx, "workflowObject", i)
    if not isinstance(doc, dict):
        raise _ItemError("The 'workflowObject' property must be a JSON object")
    if create:
        return {
            "name": doc.get("name") or "My workflow",
            "nodes": doc.get("nodes") or [],
            "settings": doc.get("settings") or {},
            "connections": doc.get("connections") or {},
            "staticData": doc.get("staticData") or None,
        }
    keys = ("name", "nodes", "settings", "connections", "staticData")
    return {k: doc[k] for k in keys if doc.get(k)}


def _workflow_list(ctx: NodeContext, i: int) -> Call:
    filters = ctx.param("filters", i, {}) or {}
    qs: dict[str, Any] = {}
    if "activeWorkflows" in filters:
        qs["active"] = _flag(filters["activeWorkflows"])
    if filters.get("tags") not in (None, ""):
        qs["tags"] = js_string(filters["tags"])
    for name in ("name", "projectId"):
        if name in filters:
            qs[name] = js_string(filters[name])
    if "excludePinnedData" in filters:
        qs["excludePinnedData"] = _flag(filters["excludePinnedData"])
    return _listing(ctx, i, "/workflows", qs, return_all_default=True)


def _execution_list(ctx: NodeContext, i: int) -> Call:
    filters = ctx.param("filters", i, {}) or {}
    qs: dict[str, Any] = {}
    workflow = filters.get("workflowId")
    if isinstance(workflow, Mapping):
        workflow = workflow.get("value")
    if workflow:
        qs["workflowId"] = js_string(workflow)
    if filters.get("status"):
        qs["status"] = js_string(filters["status"])
    options = ctx.param("options", i, {}) or {}
    if "activeWorkflows" in options:  # n8n's name for "Include Execution Details"
        qs["includeData"] = _flag(options["activeWorkflows"])
    return _listing(ctx, i, "/executions", qs, return_all_default=False)


def _listing(
    ctx: NodeContext, i: int, path: str, qs: dict[str, Any], *, return_all_default: bool
) -> Call:
    return_all = bool(ctx.param("returnAll", i, return_all_default))
    if not return_all:
        limit = ctx.param("limit", i, 100)
        if not isinstance(limit, (int, float)) or not 1 <= limit <= 250:
            raise _ItemError(f"parameter 'limit' must be a number from 1 to 250, got {limit!r}")
        qs["limit"] = int(limit)
    return "GET", path, qs, None, return_all


def _execution_get(ctx: NodeContext, i: int) -> Call:
    options = ctx.param("options", i, {}) or {}
    qs = {"includeData": _flag(options["activeWorkflows"])} if "activeWorkflows" in options else {}
    return "GET", f"/executions/{_segment(ctx, 'executionId', i)}", qs, None, None


def _activate(ctx: NodeContext, i: int) -> Call:
    fields = ctx.param("additionalFields", i, {}) or {}
    body = {k: fields[k] for k in ("versionId", "name", "description") if k in fields}
    return "POST", f"/workflows/{_segment(ctx, 'workflowId', i)}/activate", {}, body, None


def _credential_create(ctx: NodeContext, i: int) -> Call:
    body = {
        "name": js_string(ctx.param("name", i, "")),
        "type": js_string(ctx.param("credentialTypeName", i, "")),
        "data": _json_parameter(ctx, "data", i),
    }
    return "POST", "/credentials", {}, body, None


def _flag(value: Any) -> str:
    return "true" if value is True or str(value).lower() == "true" else "false"


_CALLS: dict[tuple[str, str], Any] = {
    ("workflow", "activate"): _activate,
    ("workflow", "create"): lambda ctx, i: (
        "POST",
        "/workflows",
        {},
        _workflow_body(ctx, i, create=True),
        None,
    ),
    ("workflow", "deactivate"): lambda ctx, i: (
        "POST",
        f"/workflows/{_segment(ctx, 'workflowId', i)}/deactivate",
        {},
        None,
        None,
    ),
    ("workflow", "delete"): lambda ctx, i: (
        "DELETE",
        f"/workflows/{_segment(ctx, 'workflowId', i)}",
        {},
        None,
        None,
    ),
    ("workflow", "get"): lambda ctx, i: (
        "GET",
        f"/workflows/{_segment(ctx, 'workflowId', i)}",
        {},
        None,
        None,
    ),
    ("workflow", "getAll"): _workflow_list,
    ("workflow", "getVersion"): lambda ctx, i: (
        "GET",
        f"/workflows/{_segment(ctx, 'workflowId', i)}/{_segment(ctx, 'versionId', i)}",
        {},
        None,
        None,
    ),
    ("workflow", "update"): lambda ctx, i: (
        "PUT",
        f"/workflows/{_segment(ctx, 'workflowId', i)}",
        {},
        _workflow_body(ctx, i, create=False),
        None,
    ),
    ("execution", "get"): _execution_get,
    ("execution", "getAll"): _execution_list,
    ("execution", "delete"): lambda ctx, i: (
        "DELETE",
        f"/executions/{_segment(ctx, 'executionId', i)}",
        {},
        None,
        None,
    ),
    ("credential", "create"): _credential_create,
    ("credential", "delete"): lambda ctx, i: (
        "DELETE",
        f"/credentials/{_segment(ctx, 'credentialId', i)}",
        {},
        None,
        None,
    ),
    ("credential", "getSchema"): lambda ctx, i: (
        "GET",
        f"/credentials/schema/{_segment(ctx, 'credentialTypeName', i)}",
        {},
        None,
        None,
    ),
}


def _answer(spec: RequestSpec) -> Any:
    response = send(spec)
    if not response.ok:
        raise status_error(response)
    if not response.content.strip():
        return {}
    try:
        return json.loads(response.content)
    except json.JSONDecodeError:
        raise _ItemError(
            f"{spec.method} {spec.url} answered {response.status} with a body that is not JSON"
        ) from None


def _objects(body: Any) -> list[dict[str, Any]]:
    """Every object of an answer as an item (n8n: an array answer gives one per element)."""
    values = body if isinstance(body, list) else [body]
    return [v if isinstance(v, dict) else {"data": v} for v in values]


def _walk(spec: RequestSpec, every_page: bool) -> list[dict[str, Any]]:
    """The items of the first page, or of every page following `nextCursor` until the
    server gives none (n8n's cursor paginator)."""
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = spec if cursor is None else spec.with_updates({"cursor": cursor}, {}, {})
        body = _answer(page)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise _ItemError(f"GET {spec.url} did not answer a page ({{data: [...]}})")
        rows.extend(_objects(body["data"]))
        cursor = body.get("nextCursor") or None
        if cursor is None or not every_page:
            return rows
    raise _ItemError(f"GET {spec.url} kept answering a next page after {MAX_PAGES} pages")

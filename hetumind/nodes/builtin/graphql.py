"""GraphQL (n8n's graphql node, versions 1 and 1.1): a query or mutation over HTTP.

POST sends the query as JSON (`{"query", "variables", "operationName"}`) or raw
(`application/graphql`); GET sends it in the `query` string parameter. Authentication is
n8n's generic kinds (basicAuth, headerAuth, queryAuth, customAuth), read from the
credential the `authentication` parameter names. As in n8n, the HTTP status does not fail
the node (n8n sends with `simple: false`): the response body becomes the item, and a body
with an `errors` array fails it with the errors' messages joined by ", ".
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from hetumind.capabilities import capabilities_of
from hetumind.errors import HetumindError
from hetumind.http.client import TransportKey
from hetumind.http.request import RequestSpec
from hetumind.http.transport import send
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import js_string
from hetumind.nodes.builtin._protocol import as_mapping
from hetumind.nodes.item_wise import item_error

AUTH_CREDENTIALS = {  # n8n's order of trying them
    "basicAuth": "httpBasicAuth",
    "customAuth": "httpCustomAuth",
    "headerAuth": "httpHeaderAuth",
    "queryAuth": "httpQueryAuth",
}
TIMEOUT_S = 300.0


class GraphqlParams(NodeParams):
    query: str = ""


class ItemFailed(Exception):
    """One item's request failed; `output` is what n8n had already emitted for it."""

    def __init__(self, message: str, output: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.output = output or []


@node("graphql", versions=[1, 1.1], display_name="GraphQL", params=GraphqlParams, fusible=False)
class Graphql(Node):
    """Makes a GraphQL request and returns the received data."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        rows: list[dict[str, Any]] = []
        paired: list[int] = []
        for i in range(len(batch)):
            try:
                out = _request(ctx, i)
            except (ItemFailed, HetumindError) as exc:
                message = exc.message if isinstance(exc, HetumindError) else str(exc)
                failed = item_error(ctx, i, message)
                # n8n pushes the response's items before it throws on `errors`
                out = [*(exc.output if isinstance(exc, ItemFailed) else []), failed]
            rows.extend(out)
            paired.extend([i] * len(out))
        return [ItemBatch.from_json(rows, paired=paired)]


def _auth(ctx: NodeContext, i: int) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    """Headers, query and body fields the node's credentials add. As n8n does, every generic
    credential the node references is applied; `authentication` only picks one in the
    editor (exports carry odd values there)."""
    headers: dict[str, str] = {}
    qs: dict[str, Any] = {}
    body: dict[str, Any] = {}
    found = False
    for kind in AUTH_CREDENTIALS.values():
        cred = ctx.credentials(kind)
        if cred:
            found = True
            more_headers, more_qs, more_body = _apply(kind, cred)
            headers.update(more_headers)
            qs.update(more_qs)
            body.update(more_body)
    method = str(ctx.param("authentication", i, "none") or "none")
    if not found and method in AUTH_CREDENTIALS:
        raise ItemFailed(f'Node does not have any credentials set for "{AUTH_CREDENTIALS[method]}"')
    return headers, qs, body


def _apply(
    kind: str, cred: Mapping[str, Any]
) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    if kind == "httpBasicAuth":
        token = f"{cred.get('user') or ''}:{cred.get('password') or ''}".encode()
        return {"Authorization": "Basic " + base64.b64encode(token).decode()}, {}, {}
    if kind == "httpHeaderAuth":
        return {str(cred.get("name")): js_string(cred.get("value") or "")}, {}, {}
    if kind == "httpQueryAuth":
        return {}, {str(cred.get("name")): cred.get("value")}, {}
    try:
        custom = json.loads(str(cred.get("json") or "{}"))
    except ValueError:
        raise ItemFailed("Invalid Custom Auth JSON") from None
    custom = as_mapping(custom)
    return (
        {str(k): js_string(v) for k, v in as_mapping(custom.get("headers")).items()},
        dict(as_mapping(custom.get("qs"))),
        dict(as_mapping(custom.get("body"))),
    )


def _variables(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value or "{}")
        except ValueError as exc:
            raise ItemFailed(
                f"Using variables failed:\n{value}\n\nWith error message:\n{exc}"
            ) from None
    if isinstance(value, Mapping | list):
        return value
    raise ItemFailed(
        f"Using variables failed:\n{value}\n\nGraphQL variables should be either an object "
        "or a string."
    )


def _request(ctx: NodeContext, i: int) -> list[dict[str, Any]]:
    method = str(ctx.param("requestMethod", i, "POST")).upper()
    endpoint = js_string(ctx.param("endpoint", i, "") or ctx.param("url", i, "") or "")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ItemFailed(f'The provided URL "{endpoint}" is not valid')
    fmt = str(ctx.param("requestFormat", i, "json" if ctx.type_version >= 1.1 else "graphql"))
    headers = {"content-type": f"application/{fmt}"}
    entries = as_mapping(ctx.param("headerParametersUi", i, {})).get("parameter") or []
    for entry in entries:
        if isinstance(entry, Mapping):
            headers[str(entry.get("name"))] = js_string(entry.get("value") or "")
    auth_headers, qs, extra_body = _auth(ctx, i)
    headers.update(auth_headers)
    query = js_string(ctx.param("query", i, "") or "")
    body_kind: Any = "none"
    body: Any = None
    if method == "GET":
        qs["query"] = query
    elif fmt == "json":
        operation = ctx.param("operationName", i, "") or None
        body_kind = "json"
        body = {
            **extra_body,
            "query": query,
            "variables": _variables(ctx.param("variables", i, {})),
            "operationName": operation,
        }
    else:
        body_kind, body = "content", query.encode()
    spec = RequestSpec(
        method=method,
        url=endpoint,
        qs=qs,
        headers=headers,
        body_kind=body_kind,
        body=body,
        timeout_s=TIMEOUT_S,
        transport=TransportKey(
            verify=not ctx.param("allowUnauthorizedCerts", i, False),
            network=capabilities_of(ctx).network,
        ),
    )
    response = send(spec)
    text = response.content.decode("utf-8", errors="replace")
    if ctx.param("responseFormat", 0, "json") == "string":
        return [{str(ctx.param("dataPropertyName", 0, "data")): text}]
    try:
        parsed = json.loads(text)
    except ValueError:
        raise ItemFailed(
            'Response body is not valid JSON. Change "Response Format" to "String"'
        ) from None
    out = (
        [r if isinstance(r, dict) else {"value": r} for r in parsed]
        if isinstance(parsed, list)
        else [parsed if isinstance(parsed, dict) else {"value": parsed}]
    )
    if isinstance(parsed, dict) and parsed.get("errors"):
        errors = parsed["errors"]
        messages = (
            [str(e.get("message")) for e in errors if isinstance(e, Mapping) and e.get("message")]
            if isinstance(errors, list)
            else []
        )
        raise ItemFailed(", ".join(messages) or "Unexpected error", out)
    return out

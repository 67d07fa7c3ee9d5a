"""Notion (n8n `notion` 1-2.2): blocks, databases, database pages, pages and users;
version 1's operations are in _notion_v1.

Requests are n8n's: `https://api.notion.com/v1/...` with the notionApi key as a bearer
token and `Notion-Version: 2021-08-16`; lists page with `start_cursor` (in the body for
POST searches and queries, in the query for GETs) until `has_more` is false; "simple"
output flattens pages to id, name, url and `property_<name>` (see _notion_shapes).
File downloads (options.downloadFiles) are not offered.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hetumind.errors import NodeExecutionError
from hetumind.integrations import (
    ApiKeyHeader,
    Cursor,
    IntegrationNode,
    OAuth2,
    Operation,
    Params,
    Service,
)
from hetumind.integrations.client import ServiceClient
from hetumind.integrations.operations import run_operations
from hetumind.integrations.paging import collect
from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext, node
from hetumind.nodes.builtin._node_tools import as_tool
from hetumind.nodes.builtin._notion_shapes import (
    format_blocks,
    map_filters,
    map_properties,
    map_sorting,
    simplify_blocks,
    simplify_objects,
)
from hetumind.nodes.builtin._notion_v1 import V1_OPERATIONS

__all__ = ["Notion", "NotionTool"]

NOTION = Service(
    name="Notion",
    default_base_url="https://api.notion.com",
    base_url="{baseUrl}/v1",
    credentials={
        "notionApi": ApiKeyHeader("apiKey", "Authorization", "Bearer "),
        "notionOAuth2Api": OAuth2(),
    },
    authentication={"apiKey": "notionApi", "oAuth2": "notionOAuth2Api"},
)
HEADERS = {"Notion-Version": "2021-08-16"}


def _page_id(p: Params, name: str = "pageId") -> str:
    """n8n's extractPageId: `p=` of a URL, else the part after the last dash."""
    value = p.locator(name)
    if "p=" in value:
        return parse_qs(urlsplit(value).query).get("p", [value.split("p=")[1]])[0]
    if "-" in value and "https" in value:
        return value.split("-")[-1]
    return value


def _database_id(p: Params) -> str:
    value = p.locator("databaseId")
    if "?v=" in value:
        return value.split("?v=")[0].split("/")[-1]
    return value.split("/")[-1] if "/" in value else value


def _timezone(p: Params) -> str:
    settings = p.ctx.execution.settings or {}
    return str(settings.get("timezone") or "UTC")


def _call(
    client: ServiceClient, p: Params, method: str, path: str, body: Any = None, qs: Any = None
) -> Any:
    return client.request(method, path, body=body, qs=qs, headers=HEADERS, item_index=p.index)


def _all(
    client: ServiceClient, p: Params, method: str, path: str, body: dict[str, Any] | None
) -> list[Any]:
    in_body = method == "POST"

    def fetch(page: Any) -> Any:
        if in_body:
            return _call(client, p, method, path, body={**(body or {}), **page.body})
        return _call(client, p, method, path, qs=dict(page.qs))

    return collect(fetch, Cursor("next_cursor", "start_cursor", in_body=in_body), "results")


def _simple(p: Params, result: Any, *, first_item: bool = False) -> Any:
    simple = p.ctx.param("simple", 0 if first_item else p.index, True)
    return simplify_objects(result) if simple else result


def _limited(
    client: ServiceClient, p: Params, method: str, path: str, body: dict[str, Any] | None
) -> list[Any]:
    items = _all(client, p, method, path, body)
    return items if p.get("returnAll", False) is True else items[: int(p.get("limit", 50))]


def _icon(p: Params, body: dict[str, Any]) -> None:
    options = p.collection("options")
    if options.get("icon"):
        if options.get("iconType") == "file":
            body["icon"] = {"external": {"url": options["icon"]}}
        else:
            body["icon"] = {"emoji": options["icon"]}


def _blocks(p: Params) -> list[dict[str, Any]]:
    values = p.get("blockUi.blockValues", []) or []
    return format_blocks(list(values))


# -- block ---------------------------------------------------------------------------


def _block_append(client: ServiceClient, p: Params) -> Any:
    block = _page_id(p, "blockId")
    return _call(client, p, "PATCH", f"blocks/{block}/children", body={"children": _blocks(p)})


def _block_get_all(client: ServiceClient, p: Params) -> Any:
    block = _page_id(p, "blockId")
    nested = bool(p.get("fetchNestedBlocks", False))
    limit = None if p.get("returnAll", False) is True else int(p.get("limit", 50))
    if limit is None:
        results = _all(client, p, "GET", f"blocks/{block}/children", None)
    else:
        results = _call(client, p, "GET", f"blocks/{block}/children", qs={"page_size": limit})[
            "results"
        ]
    if nested:
        results = _with_children(client, p, results, [], limit)
    out = [{"object": r.get("object"), "parent_id": block, **r} for r in results]
    # 2.1+ simplify by default (n8n's simplifyOutput; version 2 has no such option)
    if p.version > 2 and p.get("simplifyOutput", True):
        out = simplify_blocks(out, block)
    return out


def _with_children(
    client: ServiceClient, p: Params, blocks: list[Any], out: list[Any], limit: int | None
) -> list[Any]:
    """n8n's notionApiRequestGetBlockChildrens: each block, then its children (depth
    first, child pages not entered), each child with its parent's id."""
    for block in blocks:
        out.append(block)
        if block.get("type") != "child_page" and block.get("has_children"):
            children = _all(client, p, "GET", f"blocks/{block['id']}/children", None)
            _with_children(
                client,
                p,
                [{"object": c.get("object"), "parent_id": block["id"], **c} for c in children],
                out,
                None,
            )
        if limit is not None and len(out) >= limit:
            return out[:limit]
    return out


# -- database ------------------------------------------------------------------------


def _database_get(client: ServiceClient, p: Params) -> Any:
    answer = _call(client, p, "GET", f"databases/{_database_id(p)}")
    return simplify_objects(answer)[0] if p.ctx.param("simple", 0, True) else answer


def _database_get_all(client: ServiceClient, p: Params) -> Any:
    body: dict[str, Any] = {"filter": {"property": "object", "value": "database"}}
    if p.get("returnAll", False) is True:
        results = _all(client, p, "POST", "search", body)
    else:
        results = _call(
            client, p, "POST", "search", body={**body, "page_size": p.get("limit", 50)}
        )["results"]
    return _simple(p, results, first_item=True)


def _search_body(p: Params, kind: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"filter": {"property": "object", "value": kind}} if kind else {}
    options = p.collection("options")
    if p.get("text"):
        body["query"] = p.get("text")
    if kind is None and options.get("filter"):
        body["filter"] = (options["filter"] or {}).get("filters") or []
    if options.get("sort"):
        body["sort"] = (options["sort"] or {}).get("sortValue") or {}
    return body


def _database_search(client: ServiceClient, p: Params) -> Any:
    return _simple(p, _limited(client, p, "POST", "search", _search_body(p, "database")))


# -- database page -------------------------------------------------------------------


def _database_page_create(client: ServiceClient, p: Params) -> Any:
    database = _database_id(p)
    if "title_key" not in client.cache:  # n8n reads the database once per run
        schema = _call(client, p, "GET", f"databases/{database}")["properties"]
        client.cache["title_key"] = next(
            (k for k, v in schema.items() if v.get("type") == "title"), ""
        )
    properties: dict[str, Any] = {}
    title = p.text("title")
    if title:
        properties[client.cache["title_key"]] = {"title": [{"text": {"content": title}}]}
    properties.update(map_properties(p.get("propertiesUi.propertyValues", []) or [], _timezone(p)))
    body: dict[str, Any] = {
        "parent": {"database_id": database},
        "properties": properties,
        "children": _blocks(p),
    }
    _icon(p, body)
    return _simple(p, _call(client, p, "POST", "pages", body=body))


def _database_page_get(client: ServiceClient, p: Params) -> Any:
    return _simple(p, _call(client, p, "GET", f"pages/{_page_id(p)}"))


def _database_page_get_all(client: ServiceClient, p: Params) -> Any:
    body: dict[str, Any] = {}
    kind = p.ctx.param("filterType", 0, "none")
    if kind == "manual":
        conditions = p.get("filters.conditions", []) or []
        join = "or" if p.ctx.param("matchType", 0, "anyFilter") == "anyFilter" else "and"
        body["filter"] = {join: [map_filters(c, _timezone(p)) for c in conditions]}
    elif kind == "json":
        try:
            body["filter"] = json.loads(p.text("filterJson"))
        except ValueError:
            raise NodeExecutionError(
                "Filters (JSON) must be a valid json", node=p.ctx.node_name, item_index=p.index
            ) from None
    # n8n sends `sorts` always ([] when none are set: an empty list is truthy in JS)
    body["sorts"] = map_sorting(p.get("options.sort.sortValue", []) or [])
    path = f"databases/{_database_id(p)}/query"
    if p.get("returnAll", False) is True:
        results = _all(client, p, "POST", path, body)
    else:
        results = _call(client, p, "POST", path, body={**body, "page_size": p.get("limit", 50)})[
            "results"
        ]
    return _simple(p, results, first_item=True)


def _database_page_update(client: ServiceClient, p: Params) -> Any:
    properties = map_properties(p.get("propertiesUi.propertyValues", []) or [], _timezone(p))
    return _simple(
        p, _call(client, p, "PATCH", f"pages/{_page_id(p)}", body={"properties": properties})
    )


# -- page ----------------------------------------------------------------------------


def _page_archive(client: ServiceClient, p: Params) -> Any:
    return _simple(p, _call(client, p, "PATCH", f"pages/{_page_id(p)}", body={"archived": True}))


def _page_create(client: ServiceClient, p: Params) -> Any:
    body: dict[str, Any] = {
        "parent": {"page_id": _page_id(p)},
        "properties": {"title": [{"text": {"content": p.text("title")}}]},
        "children": _blocks(p),
    }
    _icon(p, body)
    return _simple(p, _call(client, p, "POST", "pages", body=body))


def _page_search(client: ServiceClient, p: Params) -> Any:
    return _simple(p, _limited(client, p, "POST", "search", _search_body(p, None)))


# -- user ----------------------------------------------------------------------------


def _user_get(client: ServiceClient, p: Params) -> Any:
    return _call(client, p, "GET", f"users/{p.text('userId')}")


def _user_get_all(client: ServiceClient, p: Params) -> Any:
    return _limited(client, p, "GET", "users", None)


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("block", "append"): Operation(run=_block_append),
    ("block", "getAll"): Operation(run=_block_get_all),
    ("database", "get"): Operation(run=_database_get),
    ("database", "getAll"): Operation(run=_database_get_all),
    ("database", "search"): Operation(run=_database_search),
    ("databasePage", "create"): Operation(run=_database_page_create),
    ("databasePage", "get"): Operation(run=_database_page_get),
    ("databasePage", "getAll"): Operation(run=_database_page_get_all),
    ("databasePage", "update"): Operation(run=_database_page_update),
    ("page", "archive"): Operation(run=_page_archive),
    ("page", "create"): Operation(run=_page_create),
    ("page", "search"): Operation(run=_page_search),
    ("user", "get"): Operation(run=_user_get),
    ("user", "getAll"): Operation(run=_user_get_all),
}


@node("notion", versions=[1, 2, 2.1, 2.2], display_name="Notion", fusible=False)
class Notion(IntegrationNode):
    """Consume the Notion API."""

    service = NOTION
    operations = OPERATIONS
    default_resource = "page"
    default_operations = {
        "block": "append",
        "database": "get",
        "databasePage": "create",
        "page": "create",
        "user": "get",
    }

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        if ctx.type_version < 2:  # version 1: its own API version and shapes
            return run_operations(
                ctx, inputs, NOTION, V1_OPERATIONS, self.default_resource, self.default_operations
            )
        return super().run(ctx, inputs)


NotionTool = as_tool(Notion)
"""n8n's Notion as an agent tool: `$fromAI` parameters (builtin._node_tools)."""

"""Notion version 1's operations (n8n NotionV1): `Notion-Version: 2021-05-13`, select
options by id, databases returned raw, version 1's simple output, database page filters
as `options.filter` single / multiple conditions, and no page archive. As in n8n 1, the
icon option of create is read but never sent."""

from __future__ import annotations

from typing import Any

from hetumind.integrations import Cursor, Operation, Params
from hetumind.integrations.client import ServiceClient
from hetumind.integrations.paging import collect
from hetumind.nodes.builtin._notion_shapes import (
    format_blocks,
    map_filters,
    map_properties,
    map_sorting,
    simplify_objects,
)

__all__ = ["V1_OPERATIONS"]

HEADERS = {"Notion-Version": "2021-05-13"}


def _page_id(value: str) -> str:
    if "p=" in value:
        return value.split("p=")[1]
    if "-" in value and "https" in value:
        return value.split("-")[-1]
    return value


def _database_id(value: str) -> str:
    if "?v=" in value:
        return value.split("?v=")[0].split("/")[-1]
    return value.split("/")[-1] if "/" in value else value


def _tz(p: Params) -> str:
    return str((p.ctx.execution.settings or {}).get("timezone") or "UTC")


def _call(c: ServiceClient, p: Params, method: str, path: str, **kw: Any) -> Any:
    return c.request(method, path, headers=HEADERS, item_index=p.index, **kw)


def _all(c: ServiceClient, p: Params, method: str, path: str, body: dict[str, Any] | None) -> Any:
    post = method == "POST"

    def fetch(page: Any) -> Any:
        if post:
            return _call(c, p, method, path, body={**(body or {}), **page.body})
        return _call(c, p, method, path, qs=dict(page.qs))

    return collect(fetch, Cursor("next_cursor", "start_cursor", in_body=post), "results")


def _simple(p: Params, result: Any, item: int | None = None) -> Any:
    simple = p.ctx.param("simple", p.index if item is None else item, True)
    return simplify_objects(result, version=1) if simple else result


def _blocks(p: Params) -> list[dict[str, Any]]:
    return format_blocks(list(p.get("blockUi.blockValues", []) or []))


def _block_append(c: ServiceClient, p: Params) -> Any:
    block = _page_id(p.locator("blockId"))
    return _call(c, p, "PATCH", f"blocks/{block}/children", body={"children": _blocks(p)})


def _block_get_all(c: ServiceClient, p: Params) -> Any:
    path = f"blocks/{_page_id(p.locator('blockId'))}/children"
    if p.get("returnAll", False) is True:
        return _all(c, p, "GET", path, None)
    return _call(c, p, "GET", path, qs={"page_size": p.get("limit", 50)})["results"]


def _database_get(c: ServiceClient, p: Params) -> Any:
    return _call(c, p, "GET", f"databases/{_database_id(p.locator('databaseId'))}")


def _database_get_all(c: ServiceClient, p: Params) -> Any:
    body: dict[str, Any] = {"filter": {"property": "object", "value": "database"}}
    if p.get("returnAll", False) is True:
        return _all(c, p, "POST", "search", body)
    return _call(c, p, "POST", "search", body={**body, "page_size": p.get("limit", 50)})["results"]


def _page_create_in_database(c: ServiceClient, p: Params) -> Any:
    properties = map_properties(p.get("propertiesUi.propertyValues", []) or [], _tz(p), 1)
    body = {
        "parent": {"database_id": p.locator("databaseId")},
        "properties": properties,
        "children": _blocks(p),
    }
    return _simple(p, _call(c, p, "POST", "pages", body=body))


def _query(c: ServiceClient, p: Params) -> Any:
    filters = p.get("options.filter", {}) or {}
    body: dict[str, Any] = {}
    if filters.get("singleCondition"):
        body["filter"] = map_filters(filters["singleCondition"], _tz(p))
    multiple = (filters.get("multipleCondition") or {}).get("condition") or {}
    for join in ("or", "and"):
        if multiple.get(join):
            body.setdefault("filter", {})[join] = [map_filters(x, _tz(p)) for x in multiple[join]]
    # n8n sends `sorts` always ([] when none are set: an empty list is truthy in JS)
    body["sorts"] = map_sorting(p.get("options.sort.sortValue", []) or [])
    path = f"databases/{p.locator('databaseId')}/query"
    if p.get("returnAll", False) is True:
        results = _all(c, p, "POST", path, body)
    else:
        results = _call(c, p, "POST", path, body={**body, "page_size": p.get("limit", 50)})[
            "results"
        ]
    return _simple(p, results, item=0)


def _page_update(c: ServiceClient, p: Params) -> Any:
    properties = map_properties(p.get("propertiesUi.propertyValues", []) or [], _tz(p), 1)
    page = _page_id(p.locator("pageId"))
    return _simple(p, _call(c, p, "PATCH", f"pages/{page}", body={"properties": properties}))


def _page_create(c: ServiceClient, p: Params) -> Any:
    body = {
        "parent": {"page_id": _page_id(p.locator("pageId"))},
        "properties": {"title": [{"text": {"content": p.text("title")}}]},
        "children": _blocks(p),
    }
    return _simple(p, _call(c, p, "POST", "pages", body=body))


def _page_get(c: ServiceClient, p: Params) -> Any:
    return _simple(p, _call(c, p, "GET", f"pages/{_page_id(p.locator('pageId'))}"))


def _page_search(c: ServiceClient, p: Params) -> Any:
    options = p.collection("options")
    body: dict[str, Any] = {}
    if p.get("text"):
        body["query"] = p.get("text")
    if options.get("filter"):
        body["filter"] = (options["filter"] or {}).get("filters") or []
    if options.get("sort"):
        body["sort"] = (options["sort"] or {}).get("sortValue") or {}
    results = _all(c, p, "POST", "search", body)
    if p.get("returnAll", False) is not True:
        results = results[: int(p.get("limit", 50))]
    return _simple(p, results)


def _users(c: ServiceClient, p: Params) -> Any:
    users = _all(c, p, "GET", "users", None)
    return users if p.get("returnAll", False) is True else users[: int(p.get("limit", 50))]


V1_OPERATIONS: dict[tuple[str, str], Operation] = {
    ("block", "append"): Operation(run=_block_append),
    ("block", "getAll"): Operation(run=_block_get_all),
    ("database", "get"): Operation(run=_database_get),
    ("database", "getAll"): Operation(run=_database_get_all),
    ("databasePage", "create"): Operation(run=_page_create_in_database),
    ("databasePage", "getAll"): Operation(run=_query),
    ("databasePage", "update"): Operation(run=_page_update),
    ("page", "create"): Operation(run=_page_create),
    ("page", "get"): Operation(run=_page_get),
    ("page", "search"): Operation(run=_page_search),
    ("user", "get"): Operation(run=lambda c, p: _call(c, p, "GET", f"users/{p.text('userId')}")),
    ("user", "getAll"): Operation(run=_users),
}

"""WordPress (n8n `wordpress` 1): posts, pages and users over the WordPress REST API.

Requests are n8n's: `<url>/wp-json/wp/v2/<resource>` (the credential's site `url`) with
HTTP basic auth from `username` and the application `password`, JSON bodies (updates are
POSTs to `/<resource>/<id>`, as n8n sends them), `Accept: application/json`,
`User-Agent: n8n`. returnAll walks `page` from 1 with `per_page=10` until the page
number reaches `X-WP-TotalPages`; otherwise one call with `per_page=<limit>`. The answer
is the item (lists: one item per element).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hetumind.errors import NodeExecutionError
from hetumind.integrations import Basic, IntegrationNode, Operation, Params, Service
from hetumind.integrations.client import ServiceClient, parse_body
from hetumind.nodes.api import node
from hetumind.nodes.builtin._node_tools import as_tool

__all__ = ["Wordpress", "WordpressTool"]

WORDPRESS = Service(
    name="Wordpress",
    default_base_url="",
    credentials={"wordpressApi": Basic("username", "password")},
)

_HEADERS = {"Accept": "application/json", "User-Agent": "n8n"}

RunFn = Callable[[ServiceClient, Params], Any]


def _url(client: ServiceClient, p: Params, endpoint: str) -> str:
    site = str(client.data.get("url") or "").rstrip("/")
    if not site.startswith(("http://", "https://")):
        raise NodeExecutionError(
            "The wordpressApi credential has no site URL (url)",
            node=p.ctx.node_name,
            item_index=p.index,
        )
    return f"{site}/wp-json/wp/v2{endpoint}"


def _call(
    client: ServiceClient,
    p: Params,
    method: str,
    endpoint: str,
    *,
    body: Mapping[str, Any] | None = None,
    qs: Mapping[str, Any] | None = None,
) -> Any:
    return client.request(
        method,
        _url(client, p, endpoint),
        qs=qs,
        body=dict(body) if body else None,  # n8n drops an empty body
        headers=_HEADERS,
        item_index=p.index,
    )


def _all_pages(client: ServiceClient, p: Params, endpoint: str, qs: dict[str, Any]) -> list[Any]:
    """n8n's wordpressApiRequestAllItems: 10 a page from page 1 until X-WP-TotalPages."""
    out: list[Any] = []
    page = 0
    while page < 10_000:
        page += 1
        response = client.request(
            "GET",
            _url(client, p, endpoint),
            qs={**qs, "per_page": 10, "page": page},
            headers=_HEADERS,
            item_index=p.index,
            raw=True,
        )
        answer = parse_body(response)
        if isinstance(answer, list):
            out.extend(answer)
        total = response.headers.get("x-wp-totalpages")
        if total is None or total == "0" or _int(total) == page:
            break
    return out


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _id(p: Params, name: str) -> str:
    value = p.get(name, "")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = "" if value is None else str(value).strip()
    if not text:
        raise NodeExecutionError(
            f"The parameter {name!r} is required", node=p.ctx.node_name, item_index=p.index
        )
    return text


def _parse_int(text: str) -> int | None:
    """JavaScript's parseInt(text, 10) as n8n puts it in update bodies (NaN: null)."""
    digits = ""
    for ch in text.strip():
        if ch.isdigit() or (not digits and ch in "+-"):
            digits += ch
        else:
            break
    try:
        return int(digits)
    except ValueError:
        return None


# fields n8n copies when set (truthy), n8n's name -> WordPress's
_POST_FIELDS = (
    ("authorId", "author"),
    ("title", "title"),
    ("content", "content"),
    ("slug", "slug"),
    ("password", "password"),
    ("status", "status"),
    ("commentStatus", "comment_status"),
    ("pingStatus", "ping_status"),
    ("sticky", "sticky"),
    ("postTemplate", "template"),
    ("categories", "categories"),
    ("tags", "tags"),
    ("format", "format"),
    ("date", "date"),
)
_PAGE_FIELDS = (
    ("authorId", "author"),
    ("title", "title"),
    ("content", "content"),
    ("slug", "slug"),
    ("password", "password"),
    ("status", "status"),
    ("commentStatus", "comment_status"),
    ("pingStatus", "ping_status"),
    ("pageTemplate", "template"),
    ("menuOrder", "menu_order"),
    ("parent", "parent"),
    ("featuredMediaId", "featured_media"),
)
_USER_FIELDS = (
    ("name", "name"),
    ("firstName", "first_name"),
    ("lastName", "last_name"),
    ("email", "email"),
    ("password", "password"),
    ("username", "username"),
    ("url", "url"),
    ("description", "description"),
    ("nickname", "nickname"),
    ("slug", "slug"),
)


def _copy(fields: Mapping[str, Any], table: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for ours, theirs in table:
        value = fields.get(ours)
        if not value:
            continue
        if ours in ("postTemplate", "pageTemplate"):
            values = value.get("values") if isinstance(value, Mapping) else None
            value = values.get("template", "") if isinstance(values, Mapping) else ""
        out[theirs] = value
    return out


def _create(collection: str, table: tuple[tuple[str, str], ...]) -> RunFn:
    def run(client: ServiceClient, p: Params) -> Any:
        body: dict[str, Any] = {"title": p.text("title")}
        extra = p.collection("additionalFields")
        extra.pop("title", None)
        body.update(_copy(extra, table))
        return _call(client, p, "POST", f"/{collection}", body=body)

    return run


def _update(collection: str, id_param: str, table: tuple[tuple[str, str], ...]) -> RunFn:
    def run(client: ServiceClient, p: Params) -> Any:
        ident = _id(p, id_param)
        body: dict[str, Any] = {"id": _parse_int(ident)}
        body.update(_copy(p.collection("updateFields"), table))
        return _call(client, p, "POST", f"/{collection}/{ident}", body=body)

    return run


def _get(collection: str, id_param: str, keys: tuple[str, ...]) -> RunFn:
    def run(client: ServiceClient, p: Params) -> Any:
        options = p.collection("options")
        qs = {k: options[k] for k in keys if options.get(k)}
        return _call(client, p, "GET", f"/{collection}/{_id(p, id_param)}", qs=qs)

    return run


def _get_all(collection: str, keys: tuple[tuple[str, str], ...]) -> RunFn:
    def run(client: ServiceClient, p: Params) -> Any:
        options = p.collection("options")
        qs = {theirs: options[ours] for ours, theirs in keys if options.get(ours)}
        if p.get("returnAll", False) is True:
            return _all_pages(client, p, f"/{collection}", qs)
        qs["per_page"] = p.get("limit", 5)
        return _call(client, p, "GET", f"/{collection}", qs=qs)

    return run


def _delete(collection: str, id_param: str) -> RunFn:
    def run(client: ServiceClient, p: Params) -> Any:
        qs = {"force": True} if p.collection("options").get("force") else None
        return _call(client, p, "DELETE", f"/{collection}/{_id(p, id_param)}", qs=qs)

    return run


def _user_create(client: ServiceClient, p: Params) -> Any:
    body: dict[str, Any] = {
        "name": p.text("name"),
        "username": p.text("username"),
        "first_name": p.text("firstName"),
        "last_name": p.text("lastName"),
        "email": p.text("email"),
        "password": p.text("password"),
    }
    extra = p.collection("additionalFields")
    body.update(
        _copy({k: extra.get(k) for k in ("url", "description", "nickname", "slug")}, _USER_FIELDS)
    )
    return _call(client, p, "POST", "/users", body=body)


def _user_update(client: ServiceClient, p: Params) -> Any:
    ident = _id(p, "userId")
    value = p.get("userId")
    body: dict[str, Any] = {"id": value if isinstance(value, int) else _parse_int(ident)}
    body.update(_copy(p.collection("updateFields"), _USER_FIELDS))
    return _call(client, p, "POST", f"/users/{ident}", body=body)


def _user_delete(client: ServiceClient, p: Params) -> Any:
    # as n8n: the credential's own user is deleted, its content reassigned
    qs = {"reassign": p.get("reassign", ""), "force": True}
    return _call(client, p, "DELETE", "/users/me", qs=qs)


_POST_LIST = (
    ("context", "context"),
    ("orderBy", "orderby"),
    ("order", "order"),
    ("search", "search"),
    ("before", "before"),
    ("after", "after"),
    ("author", "author"),
    ("categories", "categories"),
    ("excludedCategories", "categories_exclude"),
    ("tags", "tags"),
    ("excludedTags", "tags_exclude"),
    ("sticky", "sticky"),
    ("status", "status"),
)
_PAGE_LIST = (
    ("context", "context"),
    ("orderBy", "orderby"),
    ("order", "order"),
    ("search", "search"),
    ("before", "before"),
    ("after", "after"),
    ("author", "author"),
    ("parent", "parent"),
    ("menuOrder", "menu_order"),
    ("status", "status"),
    ("page", "page"),
)
_USER_LIST = (
    ("context", "context"),
    ("orderBy", "orderby"),
    ("order", "order"),
    ("search", "search"),
    ("who", "who"),
)

OPERATIONS: dict[tuple[str, str], Operation] = {
    ("post", "create"): Operation(run=_create("posts", _POST_FIELDS)),
    ("post", "update"): Operation(run=_update("posts", "postId", _POST_FIELDS)),
    ("post", "get"): Operation(run=_get("posts", "postId", ("password", "context"))),
    ("post", "getAll"): Operation(run=_get_all("posts", _POST_LIST)),
    ("post", "delete"): Operation(run=_delete("posts", "postId")),
    ("page", "create"): Operation(run=_create("pages", _PAGE_FIELDS)),
    ("page", "update"): Operation(run=_update("pages", "pageId", _PAGE_FIELDS)),
    ("page", "get"): Operation(run=_get("pages", "pageId", ("password", "context"))),
    ("page", "getAll"): Operation(run=_get_all("pages", _PAGE_LIST)),
    ("page", "delete"): Operation(run=_delete("pages", "pageId")),
    ("user", "create"): Operation(run=_user_create),
    ("user", "update"): Operation(run=_user_update),
    ("user", "get"): Operation(run=_get("users", "userId", ("context",))),
    ("user", "getAll"): Operation(run=_get_all("users", _USER_LIST)),
    ("user", "delete"): Operation(run=_user_delete),
}


@node("wordpress", versions=[1], display_name="Wordpress", fusible=False)
class Wordpress(IntegrationNode):
    """Consume the WordPress API."""

    service = WORDPRESS
    operations = OPERATIONS
    default_resource = "post"
    default_operations = {"post": "create", "page": "create", "user": "create"}


WordpressTool = as_tool(Wordpress)
"""n8n's WordPress as an agent tool: `$fromAI` parameters (builtin._node_tools)."""

"""A fake of the Notion API (https://developers.notion.com/reference), on loopback.

From the docs: `/v1/...` with `Authorization: Bearer <integration secret>` and a required
`Notion-Version` header; errors are `{"object": "error", "status", "code", "message"}`
(401 unauthorized, 400 missing_version / validation_error, 404 object_not_found, 429
rate_limited with Retry-After); lists are `{"object": "list", "results", "next_cursor",
"has_more"}`, paged with `start_cursor` and `page_size` (in the body for POST /search and
database queries, in the query for GETs); pages carry typed `properties` whose shapes the
fake fills in as Notion does (plain_text, select ids, ...).
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from tests.fakes._base import Answer, FakeService, Request

SECRET = "secret_fake_integration"
DATABASE = "d9824bdc-8445-4327-be8b-5b47500af6ce"
PARENT_PAGE = "59833787-2cf9-4fdf-8782-e53db20768a5"
SCHEMA: dict[str, dict[str, Any]] = {
    "Name": {"id": "title", "name": "Name", "type": "title", "title": {}},
    "Status": {
        "id": "st",
        "name": "Status",
        "type": "select",
        "select": {
            "options": [
                {"id": "o1", "name": "Todo", "color": "red"},
                {"id": "o2", "name": "Done", "color": "green"},
            ]
        },
    },
    "Tags": {"id": "tg", "name": "Tags", "type": "multi_select", "multi_select": {"options": []}},
    "Score": {"id": "sc", "name": "Score", "type": "number", "number": {"format": "number"}},
    "Done": {"id": "dn", "name": "Done", "type": "checkbox", "checkbox": {}},
    "Due Date": {"id": "dd", "name": "Due Date", "type": "date", "date": {}},
    "Notes": {"id": "nt", "name": "Notes", "type": "rich_text", "rich_text": {}},
}


def _dashed(oid: str) -> str:
    if len(oid) == 32 and all(c in "0123456789abcdef" for c in oid):
        return str(uuid.UUID(oid))
    return oid


def _error(status: int, code: str, message: str) -> Answer:
    return Answer(status, {"object": "error", "status": status, "code": code, "message": message})


def _rich(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for t in items or []:
        content = (t.get("text") or {}).get("content", "")
        out.append(
            {
                "type": t.get("type", "text"),
                "text": {"content": content, "link": (t.get("text") or {}).get("link")},
                "annotations": {
                    "bold": False,
                    "italic": False,
                    "code": False,
                    **(t.get("annotations") or {}),
                },
                "plain_text": content,
                "href": None,
            }
        )
    return out


class FakeNotion(FakeService):
    @staticmethod
    def rate_limit_answer(wait: int) -> Answer:  # type: ignore[override]
        answer = _error(
            429, "rate_limited", "You have been rate limited. Please try again in a few minutes."
        )
        answer.headers["Retry-After"] = str(wait)
        return answer

    def __init__(self) -> None:
        super().__init__()
        self.pages: dict[str, dict[str, Any]] = {}
        self.blocks: dict[str, list[dict[str, Any]]] = {}
        self.users = [
            {
                "object": "user",
                "id": f"u-{i}",
                "type": "person",
                "name": f"Person {i}",
                "person": {"email": f"p{i}@x.io"},
            }
            for i in range(1, 5)
        ]
        self._clock = itertools.count(1)
        self.database = {
            "object": "database",
            "id": DATABASE,
            "title": [{"type": "text", "text": {"content": "Tasks"}, "plain_text": "Tasks"}],
            "properties": SCHEMA,
            "parent": {"type": "page_id", "page_id": PARENT_PAGE},
            "url": f"https://www.notion.so/{DATABASE.replace('-', '')}",
        }

    # -- plumbing -------------------------------------------------------------------------

    def handle(self, req: Request) -> Answer:
        if req.headers.get("authorization") != f"Bearer {SECRET}":
            return _error(401, "unauthorized", "API token is invalid.")
        if not req.headers.get("notion-version"):
            return _error(
                400,
                "missing_version",
                "Notion-Version header failed validation: Notion-Version header should be "
                "defined, instead was `undefined`.",
            )
        # ids may come with or without dashes
        parts = [_dashed(x) for x in req.path.removeprefix("/v1/").strip("/").split("/")]
        body = req.json if isinstance(req.json, dict) else {}
        route = (req.method, parts[0], len(parts))
        if route == ("GET", "databases", 2):
            return (
                Answer(200, self.database)
                if parts[1] == DATABASE
                else self._missing("database", parts[1])
            )
        if route == ("POST", "databases", 3) and parts[2] == "query":
            if parts[1] != DATABASE:
                return self._missing("database", parts[1])
            pages = [
                pg
                for pg in self.pages.values()
                if pg["parent"].get("database_id") == DATABASE and not pg["archived"]
            ]
            return self._list(
                self._query(pages, body), body.get("start_cursor"), body.get("page_size")
            )
        if route == ("POST", "search", 1):
            return self.search(body)
        if route == ("POST", "pages", 1):
            return self.create_page(body)
        if route[:2] == ("GET", "pages"):
            page = self.pages.get(parts[1])
            return Answer(200, page) if page else self._missing("page", parts[1])
        if route[:2] == ("PATCH", "pages"):
            return self.update_page(parts[1], body)
        if parts[0] == "blocks" and len(parts) == 3 and parts[2] == "children":
            return self.children(req, parts[1], body)
        if route == ("GET", "users", 1):
            return self._list(self.users, req.query.get("start_cursor"), req.query.get("page_size"))
        if route == ("GET", "users", 2):
            user = next((u for u in self.users if u["id"] == parts[1]), None)
            return Answer(200, user) if user else self._missing("user", parts[1])
        return _error(400, "invalid_request_url", "Invalid request URL.")

    @staticmethod
    def _missing(kind: str, oid: str) -> Answer:
        return _error(
            404,
            "object_not_found",
            f"Could not find {kind} with ID: {oid}. Make sure the relevant pages and databases "
            "are shared with your integration.",
        )

    @staticmethod
    def _list(items: list[Any], cursor: Any, size: Any) -> Answer:
        start = int(cursor) if cursor else 0
        count = min(100, int(size or 100), 3)  # the fake pages three at a time
        end = start + count
        more = end < len(items)
        return Answer(
            200,
            {
                "object": "list",
                "results": items[start:end],
                "next_cursor": str(end) if more else None,
                "has_more": more,
            },
        )

    # -- pages ----------------------------------------------------------------------------

    def _property(self, name: str, value: dict[str, Any]) -> dict[str, Any] | Answer:
        schema = SCHEMA.get(name)
        if schema is None:
            return _error(400, "validation_error", f"{name} is not a property that exists.")
        kind = schema["type"]
        if kind not in value:
            return _error(400, "validation_error", f"{name} is expected to be {kind}.")
        raw = value[kind]
        if kind in ("title", "rich_text"):
            raw = _rich(raw)
        elif kind == "select" and raw is not None:
            option = next(  # an option is chosen by name or by id
                (
                    o
                    for o in schema["select"]["options"]
                    if o["name"] == raw.get("name") or o["id"] == raw.get("id")
                ),
                None,
            )
            if option is None:
                return _error(
                    400,
                    "validation_error",
                    f"Invalid select option {raw.get('name')!r} for {name}.",
                )
            raw = option
        elif kind == "multi_select":
            raw = [{"id": f"m-{o.get('name')}", "color": "default", **o} for o in raw]
        return {"id": schema["id"], "type": kind, kind: raw}

    def _page(self, parent: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
        pid = str(uuid.UUID(int=(0xFA4E << 112) + next(self._clock)))  # deterministic ids
        return {
            "object": "page",
            "id": pid,
            "created_time": f"2024-01-01T00:00:{next(self._clock) % 60:02d}.000Z",
            "last_edited_time": "2024-01-01T00:00:00.000Z",
            "archived": False,
            "parent": parent,
            "properties": properties,
            "url": f"https://www.notion.so/{pid.replace('-', '')}",
        }

    def create_page(self, body: dict[str, Any]) -> Answer:
        parent = body.get("parent") or {}
        if parent.get("database_id"):
            if parent["database_id"] != DATABASE:
                return self._missing("database", parent["database_id"])
            props: dict[str, Any] = {}
            for name, value in (body.get("properties") or {}).items():
                converted = self._property(name, value)
                if isinstance(converted, Answer):
                    return converted
                props[name] = converted
            for name, schema in SCHEMA.items():  # unset properties come back empty
                props.setdefault(
                    name,
                    {
                        "id": schema["id"],
                        "type": schema["type"],
                        schema["type"]: []
                        if schema["type"] in ("title", "rich_text", "multi_select")
                        else None,
                    },
                )
            page = self._page({"type": "database_id", "database_id": DATABASE}, props)
        elif parent.get("page_id"):
            title = (body.get("properties") or {}).get("title") or []
            page = self._page(
                {"type": "page_id", "page_id": parent["page_id"]},
                {"title": {"id": "title", "type": "title", "title": _rich(title)}},
            )
        else:
            return _error(
                400, "validation_error", "body.parent should be defined, instead was `undefined`."
            )
        if body.get("icon"):
            page["icon"] = body["icon"]
        self.pages[page["id"]] = page
        self.blocks[page["id"]] = [self._block(b) for b in body.get("children") or []]
        return Answer(200, page)

    def update_page(self, pid: str, body: dict[str, Any]) -> Answer:
        page = self.pages.get(pid)
        if page is None:
            return self._missing("page", pid)
        for name, value in (body.get("properties") or {}).items():
            converted = self._property(name, value)
            if isinstance(converted, Answer):
                return converted
            page["properties"][name] = converted
        if "archived" in body:
            page["archived"] = bool(body["archived"])
        return Answer(200, page)

    def _query(self, pages: list[dict[str, Any]], body: dict[str, Any]) -> list[dict[str, Any]]:
        """The filters the fake reads: one property condition, or `and` / `or` of them."""
        flt = body.get("filter")

        def text_of(page: dict[str, Any], prop: str) -> Any:
            value = page["properties"].get(prop) or {}
            kind = value.get("type")
            if kind in ("title", "rich_text"):
                return "".join(t["plain_text"] for t in value.get(kind) or [])
            if kind == "select":
                return (value.get("select") or {}).get("name")
            return value.get(kind)

        def match(page: dict[str, Any], cond: dict[str, Any]) -> bool:
            prop = cond["property"]
            ((_kind, test),) = ((k, v) for k, v in cond.items() if k != "property")
            ((op, want),) = test.items()
            have = text_of(page, prop)
            if op == "equals":
                return bool(have == want)
            if op == "contains":
                return str(want) in str(have or "")
            if op == "is_empty":
                return have in (None, "", [])
            if op == "greater_than":
                return have is not None and have > want
            return False

        if flt:
            if "or" in flt:
                pages = [pg for pg in pages if any(match(pg, c) for c in flt["or"])]
            elif "and" in flt:
                pages = [pg for pg in pages if all(match(pg, c) for c in flt["and"])]
            else:
                pages = [pg for pg in pages if match(pg, flt)]
        for sort in reversed(body.get("sorts") or []):
            key = sort.get("property")
            pages.sort(
                key=lambda pg: str(text_of(pg, key) or ""),
                reverse=sort.get("direction") == "descending",
            )
        return pages

    def search(self, body: dict[str, Any]) -> Answer:
        objects: list[dict[str, Any]] = [
            self.database,
            *[pg for pg in self.pages.values() if not pg["archived"]],
        ]
        flt = body.get("filter")
        if isinstance(flt, dict) and flt.get("property") == "object":
            objects = [o for o in objects if o["object"] == flt.get("value")]
        query = str(body.get("query") or "")
        if query:

            def title(o: dict[str, Any]) -> str:
                if o["object"] == "database":
                    return "".join(t["plain_text"] for t in o["title"])
                for prop in o["properties"].values():
                    if prop["type"] == "title":
                        return "".join(t["plain_text"] for t in prop["title"])
                return ""

            objects = [o for o in objects if query.lower() in title(o).lower()]
        return self._list(objects, body.get("start_cursor"), body.get("page_size"))

    # -- blocks ---------------------------------------------------------------------------

    def _block(self, block: dict[str, Any]) -> dict[str, Any]:
        kind = block.get("type", "paragraph")
        content = dict(block.get(kind) or {})
        if "text" in content:
            content["text"] = _rich(content["text"])
        return {
            "object": "block",
            "id": str(uuid.UUID(int=(0xB10C << 112) + next(self._clock))),
            "type": kind,
            "has_children": False,
            kind: content,
        }

    def children(self, req: Request, bid: str, body: dict[str, Any]) -> Answer:
        if bid not in self.blocks:
            return self._missing("block", bid)
        if req.method == "PATCH":
            made = [self._block(b) for b in body.get("children") or []]
            self.blocks[bid].extend(made)
            return Answer(
                200, {"object": "list", "results": made, "next_cursor": None, "has_more": False}
            )
        return self._list(
            self.blocks[bid], req.query.get("start_cursor"), req.query.get("page_size")
        )

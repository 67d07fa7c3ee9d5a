"""A fake of the WordPress REST API (https://developer.wordpress.org/rest-api/), on
loopback, under `/wp-json/wp/v2`.

From the handbook: application passwords are HTTP basic auth (`user:xxxx xxxx ...`, the
spaces optional); a wrong one is 401 `{"code": "incorrect_password", "message": ...,
"data": {"status": 401}}`, writes without auth 401 `rest_cannot_create`. Errors are
`{code, message, data: {status}}`: unknown ids 404 `rest_post_invalid_id` / `rest_user_invalid_id`,
missing arguments 400 `rest_missing_callback_param`, a page past the end 400
`rest_post_invalid_page_number`. Collections take `per_page` (1-100, default 10) and
`page` and answer `X-WP-Total` / `X-WP-TotalPages`. Posts and pages render `title` and
`content` as `{"rendered": ...}`; updates are POST (or PUT/PATCH) to `/<type>/<id>`;
DELETE trashes unless `force=true`. Users: create needs username, email, password; the
default (view) context shows id, name, url, description, link, slug. Hosts in front of
WordPress answer 429 with Retry-After when limited.
"""

from __future__ import annotations

import base64
import itertools
from typing import Any

from tests.fakes._base import Answer, FakeService, Request

USER = "admin"
APP_PASSWORD = "abcd EFGH 1234 ijkl MNOP 6789"
PREFIX = "/wp-json/wp/v2"


NO_ROUTE = "No route was found matching the URL and request method."


def _err(status: int, code: str, message: str) -> Answer:
    return Answer(status, {"code": code, "message": message, "data": {"status": status}})


class FakeWordPress(FakeService):
    @staticmethod
    def rate_limit_answer(wait: int) -> Answer:
        return Answer(
            429,
            {"code": "too_many_requests", "message": "Too Many Requests", "data": {"status": 429}},
            {"Retry-After": str(wait)},
        )

    def __init__(self) -> None:
        super().__init__()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.log.clear()
            self.ids = itertools.count(1)
            self.items: dict[str, dict[int, dict[str, Any]]] = {"posts": {}, "pages": {}}
            self.users: dict[int, dict[str, Any]] = {}
        self.add_user({"username": USER, "email": "admin@x.io", "name": "Admin"})

    def add(self, kind: str, title: str, **fields: Any) -> dict[str, Any]:
        ident = next(self.ids)
        item: dict[str, Any] = {
            "id": ident,
            "date": "2024-01-01T00:00:00",
            "slug": title.lower().replace(" ", "-"),
            "status": "draft",
            "type": kind[:-1],
            "link": f"{self.url}/?p={ident}",
            "title": {"rendered": title},
            "content": {"rendered": "", "protected": False},
            "author": 1,
            "comment_status": "open",
            "ping_status": "open",
            "template": "",
        }
        if kind == "posts":
            item.update(sticky=False, format="standard", categories=[1], tags=[])
        else:
            item.update(parent=0, menu_order=0, featured_media=0)
        self._apply(item, fields)
        self.items[kind][ident] = item
        return item

    def add_user(self, fields: dict[str, Any]) -> dict[str, Any]:
        ident = next(self.ids)
        user = {
            "id": ident,
            "username": fields.get("username"),
            "name": fields.get("name") or fields.get("username"),
            "first_name": fields.get("first_name", ""),
            "last_name": fields.get("last_name", ""),
            "email": fields.get("email"),
            "url": fields.get("url", ""),
            "description": fields.get("description", ""),
            "nickname": fields.get("nickname") or fields.get("username"),
            "slug": fields.get("slug") or str(fields.get("username")),
            "link": f"{self.url}/author/{fields.get('username')}/",
            "roles": ["subscriber"],
        }
        self.users[ident] = user
        return user

    @staticmethod
    def _apply(item: dict[str, Any], fields: dict[str, Any]) -> None:
        for key, value in fields.items():
            if key == "id":
                continue
            if key in ("title", "content"):
                item[key] = {**item.get(key, {}), "rendered": value}
            else:
                item[key] = value

    # -- routes ---------------------------------------------------------------------------

    def _authorized(self, req: Request) -> bool | None:
        header = req.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user == USER and password.replace(" ", "") == APP_PASSWORD.replace(" ", "")

    def handle(self, req: Request) -> Answer:
        if not req.path.startswith(PREFIX):
            return _err(404, "rest_no_route", NO_ROUTE)
        authorized = self._authorized(req)
        if authorized is False:
            return _err(
                401,
                "incorrect_password",
                "The provided password is an invalid application password.",
            )
        if authorized is None and req.method != "GET":
            return _err(401, "rest_cannot_create", "Sorry, you are not allowed to do that.")
        parts = req.path[len(PREFIX) :].strip("/").split("/")
        kind = parts[0]
        rest = parts[1:]
        if kind in ("posts", "pages"):
            return self.content(req, kind, rest)
        if kind == "users":
            return self.user_routes(req, rest, bool(authorized))
        return _err(404, "rest_no_route", NO_ROUTE)

    def _page(self, req: Request, rows: list[Any]) -> Answer:
        try:
            per_page = int(req.query.get("per_page", 10))
            page = int(req.query.get("page", 1))
        except ValueError:
            return _err(400, "rest_invalid_param", "Invalid parameter(s): per_page")
        if not 1 <= per_page <= 100:
            return _err(
                400,
                "rest_invalid_param",
                "Invalid parameter(s): per_page (per_page must be between 1 (inclusive) "
                "and 100 (inclusive))",
            )
        total_pages = -(-len(rows) // per_page)
        if page > max(total_pages, 1):
            return _err(
                400,
                "rest_post_invalid_page_number",
                "The page number requested is larger than the number of pages available.",
            )
        chunk = rows[(page - 1) * per_page : page * per_page]
        return Answer(
            200, chunk, {"X-WP-Total": str(len(rows)), "X-WP-TotalPages": str(total_pages)}
        )

    def content(self, req: Request, kind: str, rest: list[str]) -> Answer:
        store = self.items[kind]
        body = req.json or {}
        if not rest:
            if req.method == "POST":
                fields = {k: v for k, v in body.items() if k != "title"}
                return Answer(201, self.add(kind, str(body.get("title", "")), **fields))
            rows = list(store.values())
            if req.query.get("status"):
                rows = [r for r in rows if r["status"] == req.query["status"]]
            elif "status" not in req.query:
                rows = [r for r in rows if r["status"] != "trash"]
            if req.query.get("search"):
                rows = [r for r in rows if req.query["search"] in r["title"]["rendered"]]
            if req.query.get("order", "desc") == "desc":
                rows = rows[::-1]
            return self._page(req, rows)
        item = store.get(int(rest[0])) if rest[0].isdigit() else None
        if item is None:
            return _err(404, "rest_post_invalid_id", "Invalid post ID.")
        if req.method == "GET":
            if item.get("password") and req.query.get("password") != item["password"]:
                return _err(401, "rest_post_incorrect_password", "Incorrect post password.")
            return Answer(200, item)
        if req.method in ("POST", "PUT", "PATCH"):
            self._apply(item, body)
            return Answer(200, item)
        if req.method == "DELETE":
            if req.query.get("force") == "true":
                del store[item["id"]]
                return Answer(200, {"deleted": True, "previous": item})
            item["status"] = "trash"
            return Answer(200, item)
        return _err(404, "rest_no_route", NO_ROUTE)

    def user_routes(self, req: Request, rest: list[str], authorized: bool) -> Answer:
        body = req.json or {}
        context = req.query.get("context", "view")
        if context == "edit" and not authorized:
            return _err(401, "rest_forbidden_context", "Sorry, you are not allowed to edit users.")

        def shown(user: dict[str, Any]) -> dict[str, Any]:
            if context == "edit":
                return dict(user)
            keys = ("id", "name", "url", "description", "link", "slug")
            return {k: user[k] for k in keys}

        if not rest:
            if req.method == "POST":
                missing = [k for k in ("username", "email", "password") if not body.get(k)]
                if missing:
                    return _err(
                        400,
                        "rest_missing_callback_param",
                        f"Missing parameter(s): {', '.join(missing)}",
                    )
                if any(u["username"] == body["username"] for u in self.users.values()):
                    return _err(500, "existing_user_login", "Sorry, that username already exists!")
                return Answer(201, self.add_user(body))
            rows = list(self.users.values())
            if req.query.get("search"):
                rows = [u for u in rows if req.query["search"] in str(u["name"])]
            return self._page(req, [shown(u) for u in rows])
        if rest == ["me"] and req.method == "DELETE":
            if req.query.get("force") != "true":
                return _err(501, "rest_trash_not_supported", "Users do not support trashing.")
            me = next(u for u in self.users.values() if u["username"] == USER)
            del self.users[me["id"]]
            return Answer(200, {"deleted": True, "previous": me})
        user = self.users.get(int(rest[0])) if rest[0].isdigit() else None
        if user is None:
            return _err(404, "rest_user_invalid_id", "Invalid user ID.")
        if req.method == "GET":
            return Answer(200, shown(user))
        if req.method in ("POST", "PUT", "PATCH"):
            user.update({k: v for k, v in body.items() if k in user and k != "id"})
            return Answer(200, dict(user))
        return _err(404, "rest_no_route", NO_ROUTE)

"""A fake of the Mattermost API v4 (https://api.mattermost.com), on loopback.

From the docs: `Authorization: Bearer <token>` (a personal access token or session);
without it or with a wrong one, 401 `{"id": "api.context.session_expired.app_error",
"message": "Invalid or expired session, please login again.", "detailed_error": "",
"request_id": ..., "status_code": 401}`. Errors share that shape (400 invalid params, 403
permissions, 404 `app_error` not found). Lists take `page` (from 0) and `per_page`
(default 60, max 200) and answer a plain JSON array, empty past the end. Deletes answer
`{"status": "OK"}`. Rate limiting (the server's throttled limiter) answers 429
`limit exceeded` with `Retry-After`, `X-Ratelimit-Limit`, `X-Ratelimit-Remaining: 0` and
`X-Ratelimit-Reset` (seconds until reset).
"""

from __future__ import annotations

import itertools
import re
import time
from typing import Any
from urllib.parse import unquote

from tests.fakes._base import Answer, FakeService, Request

TOKEN = "mm-FAKE-token"
TEAM = "team0000000000000000000001"
ME = "user0000000000000000000001"


def _err(status: int, ident: str, message: str) -> Answer:
    return Answer(
        status,
        {
            "id": ident,
            "message": message,
            "detailed_error": "",
            "request_id": "req00000000000000000000001",
            "status_code": status,
        },
    )


def _missing(what: str) -> Answer:
    return _err(404, f"app.{what}.get.app_error", f"Unable to find the existing {what}.")


def _id(n: int, prefix: str) -> str:
    return f"{prefix}{n:0>{26 - len(prefix)}}"


class FakeMattermost(FakeService):
    rate_limit_answer = staticmethod(
        lambda wait: Answer(
            429,
            content=b"limit exceeded\n",
            headers={
                "Content-Type": "text/plain; charset=utf-8",
                "Retry-After": str(wait),
                "X-Ratelimit-Limit": "10",
                "X-Ratelimit-Remaining": "0",
                "X-Ratelimit-Reset": str(wait),
            },
        )
    )

    def __init__(self) -> None:
        super().__init__()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.log.clear()
            self.ids = itertools.count(1)
            self.users: dict[str, dict[str, Any]] = {}
            self.channels: dict[str, dict[str, Any]] = {}
            self.members: dict[str, list[str]] = {}
            self.posts: dict[str, dict[str, Any]] = {}
            self.reactions: list[dict[str, Any]] = []
            self.invited: list[str] = []
            self.add_user("admin", "admin@example.com", user_id=ME)

    # -- helpers --------------------------------------------------------------------------

    def add_user(self, username: str, email: str, user_id: str | None = None) -> dict[str, Any]:
        uid = user_id or _id(next(self.ids), "u")
        now = int(time.time() * 1000)
        user = {
            "id": uid,
            "create_at": now,
            "update_at": now,
            "delete_at": 0,
            "username": username,
            "email": email,
            "auth_service": "",
            "roles": "system_user",
        }
        self.users[uid] = user
        return user

    def add_channel(self, name: str, members: list[str] | None = None) -> dict[str, Any]:
        cid = _id(next(self.ids), "c")
        channel = {
            "id": cid,
            "team_id": TEAM,
            "name": name,
            "display_name": name.title(),
            "type": "O",
            "delete_at": 0,
        }
        self.channels[cid] = channel
        self.members[cid] = list(members or [])
        return channel

    def _paged(self, req: Request, rows: list[Any]) -> Answer:
        try:
            page = int(req.query.get("page", 0))
            per_page = int(req.query.get("per_page", 60) or 60)
        except ValueError:
            return _err(400, "api.context.invalid_url_param.app_error", "Invalid or missing page.")
        per_page = max(1, min(200, per_page))
        return Answer(200, rows[page * per_page : (page + 1) * per_page])

    # -- routes ---------------------------------------------------------------------------

    def handle(self, req: Request) -> Answer:
        if req.headers.get("authorization") != f"Bearer {TOKEN}":
            return _err(
                401,
                "api.context.session_expired.app_error",
                "Invalid or expired session, please login again.",
            )
        if not req.path.startswith("/api/v4/"):
            return _err(404, "api.context.404.app_error", "Sorry, we could not find the page.")
        with self.lock:
            return self._route(req, unquote(req.path.removeprefix("/api/v4")))

    def _route(self, req: Request, path: str) -> Answer:
        m = req.method
        body = req.json
        if path == "/posts" and m == "POST":
            if not isinstance(body, dict) or body.get("channel_id") not in self.channels:
                return _err(
                    400,
                    "api.context.invalid_body_param.app_error",
                    "Invalid or missing channel_id in request body.",
                )
            pid = _id(next(self.ids), "p")
            post = {
                "id": pid,
                "create_at": int(time.time() * 1000),
                "user_id": ME,
                "channel_id": body["channel_id"],
                "root_id": body.get("root_id", ""),
                "message": body.get("message", ""),
                "props": body.get("props", {}),
                "type": "",
            }
            self.posts[pid] = post
            return Answer(201, post)
        if path == "/posts/ephemeral" and m == "POST":
            inner = (body or {}).get("post", {})
            if inner.get("channel_id") not in self.channels:
                return _err(
                    400,
                    "api.context.invalid_body_param.app_error",
                    "Invalid or missing channel_id in request body.",
                )
            return Answer(
                201,
                {"id": _id(next(self.ids), "e"), "user_id": body.get("user_id"), **inner},
            )
        if (hit := re.fullmatch(r"/posts/(\w+)", path)) and m == "DELETE":
            if self.posts.pop(hit.group(1), None) is None:
                return _missing("post")
            return Answer(200, {"status": "OK"})
        if hit := re.fullmatch(r"/posts/(\w+)/reactions", path):
            if hit.group(1) not in self.posts:
                return _missing("post")
            return Answer(200, [r for r in self.reactions if r["post_id"] == hit.group(1)])
        if path == "/reactions" and m == "POST":
            if body.get("post_id") not in self.posts:
                return _missing("post")
            reaction = {k: body[k] for k in ("user_id", "post_id", "emoji_name", "create_at")}
            self.reactions.append(reaction)
            return Answer(201, reaction)
        if hit := re.fullmatch(r"/users/(\w+)/posts/(\w+)/reactions/([\w+-]+)", path):
            before = len(self.reactions)
            self.reactions = [
                r
                for r in self.reactions
                if (r["user_id"], r["post_id"], r["emoji_name"]) != hit.groups()
            ]
            if len(self.reactions) == before:
                return _missing("reaction")
            return Answer(200, {"status": "OK"})
        if path == "/channels" and m == "POST":
            if body.get("type") not in ("O", "P") or not body.get("name"):
                return _err(400, "model.channel.is_valid.type.app_error", "Invalid type.")
            channel = self.add_channel(body["name"])
            channel.update({k: body[k] for k in ("team_id", "display_name", "type") if k in body})
            return Answer(201, channel)
        if hit := re.fullmatch(r"/channels/(\w+)(/members|/restore|/stats)?", path):
            cid, tail = hit.group(1), hit.group(2)
            channel = self.channels.get(cid)
            if channel is None:
                return _missing("channel")
            if tail is None and m == "DELETE":
                channel["delete_at"] = int(time.time() * 1000)
                return Answer(200, {"status": "OK"})
            if tail == "/restore" and m == "POST":
                channel["delete_at"] = 0
                return Answer(200, channel)
            if tail == "/stats":
                return Answer(200, {"channel_id": cid, "member_count": len(self.members[cid])})
            if tail == "/members" and m == "GET":
                rows = [
                    {"channel_id": cid, "user_id": u, "roles": "channel_user"}
                    for u in self.members[cid]
                ]
                return self._paged(req, rows)
            if tail == "/members" and m == "POST":
                uid = body.get("user_id")
                if uid not in self.users:
                    return _missing("user")
                self.members[cid].append(uid)
                return Answer(201, {"channel_id": cid, "user_id": uid, "roles": "channel_user"})
        if hit := re.fullmatch(r"/teams/(\w+)/channels/search", path):
            term = str((body or {}).get("term", ""))
            found = [c for c in self.channels.values() if term in c["name"]]
            return Answer(200, found)
        if hit := re.fullmatch(r"/teams/(\w+)/invite/email", path):
            if not isinstance(body, list):
                return _err(400, "api.context.invalid_body_param.app_error", "Invalid emails.")
            self.invited.extend(body)
            return Answer(200, {"status": "OK"})
        if path == "/users" and m == "POST":
            if body.get("auth_service") == "email" and not body.get("password"):
                return _err(
                    400,
                    "model.user.is_valid.pwd.app_error",
                    "Your password must contain at least 5 characters.",
                )
            user = self.add_user(body["username"], body.get("email", ""))
            user["auth_service"] = body.get("auth_service", "")
            return Answer(201, user)
        if path == "/users" and m == "GET":
            rows = sorted(self.users.values(), key=lambda u: u["username"])
            if req.query.get("in_channel"):
                wanted = self.members.get(req.query["in_channel"], [])
                rows = [u for u in rows if u["id"] in wanted]
            return self._paged(req, rows)
        if path == "/users/ids" and m == "POST":
            if not isinstance(body, list):
                return _err(400, "api.context.invalid_body_param.app_error", "Invalid user_ids.")
            return Answer(200, [self.users[u] for u in body if u in self.users])
        if hit := re.fullmatch(r"/users/email/(.+)", path):
            user = next((u for u in self.users.values() if u["email"] == hit.group(1)), None)
            return Answer(200, user) if user else _missing("user")
        if hit := re.fullmatch(r"/users/(\w+)", path):
            user = self.users.get(hit.group(1))
            if user is None:
                return _missing("user")
            if m == "DELETE":
                user["delete_at"] = int(time.time() * 1000)
                return Answer(200, {"status": "OK"})
            return Answer(200, user)
        return _err(404, "api.context.404.app_error", "Sorry, we could not find the page.")

"""A fake of the Discord HTTP API v10 (https://discord.com/developers/docs), on loopback,
under `/api/v10`, and of its webhooks (`/api/webhooks/<id>/<token>`).

From the docs: bots send `Authorization: Bot <token>`, OAuth2 users `Bearer <token>`
(here only for `GET /users/@me/guilds`, the user's servers); anything else is 401
`{"message": "401: Unauthorized", "code": 0}`. Errors are `{"message", "code"}` with
Discord's JSON error codes: 10003 Unknown Channel, 10004 Unknown Guild, 10007 Unknown
Member, 10008 Unknown Message, 10011 Unknown Role, 10014 Unknown Emoji, 10015 Unknown
Webhook, 50006 Cannot send an empty message, 50027 Invalid Webhook Token, 50035 Invalid
Form Body (with `errors`). Ids are snowflake strings. Messages list newest first, `limit`
1-100 (default 50) with `before` / `after`; guild members list by user id with `limit`
(1-1000, default 1) and `after`. Messages may be JSON or multipart (`payload_json` and
`files[n]`). Deletes, reactions and role changes answer 204. Webhooks answer 204, or the
message with `?wait=true`. Rate limits: 429 with `Retry-After` (seconds) and a body
`{"message": "You are being rate limited.", "retry_after": <float>, "global": false}`.
"""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import unquote

from tests.fakes._base import Answer, FakeService, Request

BOT_TOKEN = "MTA.fake.bot-token"
OAUTH_TOKEN = "oauth-user-token"
GUILD = "100000000000000001"
OTHER_GUILD = "100000000000000099"
WEBHOOK_ID = "300000000000000001"
WEBHOOK_TOKEN = "hook-token"
PREFIX = "/api/v10"


def _err(status: int, code: int, message: str, **extra: Any) -> Answer:
    return Answer(status, {"message": message, "code": code, **extra})


def _no_content() -> Answer:
    return Answer(204, content=b"")


class FakeDiscord(FakeService):
    @staticmethod
    def rate_limit_answer(wait: int) -> Answer:
        return Answer(
            429,
            {"message": "You are being rate limited.", "retry_after": float(wait), "global": False},
            {"Retry-After": str(wait), "X-RateLimit-Scope": "user"},
        )

    def __init__(self) -> None:
        super().__init__()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.log.clear()
            self._ids = itertools.count(200000000000000001)
            self.channels: dict[str, dict[str, Any]] = {}
            self.messages: dict[str, list[dict[str, Any]]] = {}
            self.reactions: list[tuple[str, str, str]] = []
            self.members: dict[str, dict[str, Any]] = {}
            self.roles = {"400000000000000001", "400000000000000002"}
            self.webhook_posts: list[Any] = []
            self.uploads: list[tuple[str, str, bytes]] = []

    def new_id(self) -> str:
        return str(next(self._ids))

    def add_channel(self, name: str, kind: int = 0, guild: str = GUILD) -> dict[str, Any]:
        cid = self.new_id()
        channel = {"id": cid, "type": kind, "guild_id": guild, "name": name, "position": 0}
        self.channels[cid] = channel
        self.messages[cid] = []
        return channel

    def add_message(self, channel: str, content: str) -> dict[str, Any]:
        message = {
            "id": self.new_id(),
            "channel_id": channel,
            "author": {"id": "500000000000000001", "username": "bot"},
            "content": content,
            "timestamp": "2024-01-01T00:00:00.000000+00:00",
            "type": 0,
            "embeds": [],
            "attachments": [],
            "tts": False,
        }
        self.messages[channel].append(message)
        return message

    def add_member(self, username: str) -> dict[str, Any]:
        uid = self.new_id()
        member: dict[str, Any] = {
            "user": {"id": uid, "username": username},
            "roles": [],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "permissions": "0",
            "nick": None,
        }
        self.members[uid] = member
        return member

    # -- routes ---------------------------------------------------------------------------

    def handle(self, req: Request) -> Answer:
        if req.path.startswith("/api/webhooks/"):
            return self.webhook(req)
        if not req.path.startswith(PREFIX):
            return _err(404, 0, "404: Not Found")
        path = req.path[len(PREFIX) :]
        auth = req.headers.get("authorization", "")
        if path == "/users/@me/guilds":
            if auth != f"Bearer {OAUTH_TOKEN}":
                return _err(401, 0, "401: Unauthorized")
            return Answer(200, [{"id": GUILD, "name": "Fake server", "owner": False}])
        if auth != f"Bot {BOT_TOKEN}":
            return _err(401, 0, "401: Unauthorized")
        parts = path.strip("/").split("/")
        if parts[0] == "guilds":
            return self.guild(req, parts[1:])
        if parts[0] == "channels":
            return self.channel(req, parts[1:])
        if parts == ["users", "@me", "channels"] and req.method == "POST":
            recipient = (req.json or {}).get("recipient_id")
            if recipient not in self.members:
                return _err(400, 50007, "Cannot send messages to this user")
            dm = self.add_channel("", kind=1, guild="")
            dm.pop("guild_id")
            dm["recipients"] = [self.members[recipient]["user"]]
            return Answer(200, dm)
        return _err(404, 0, "404: Not Found")

    def guild(self, req: Request, rest: list[str]) -> Answer:
        if rest[0] != GUILD:
            return _err(404, 10004, "Unknown Guild")
        rest = rest[1:]
        if rest == ["channels"]:
            if req.method == "POST":
                body = req.json or {}
                if not body.get("name"):
                    return _err(
                        400,
                        50035,
                        "Invalid Form Body",
                        errors={
                            "name": {
                                "_errors": [
                                    {
                                        "code": "BASE_TYPE_REQUIRED",
                                        "message": "This field is required",
                                    }
                                ]
                            }
                        },
                    )
                channel = self.add_channel(body["name"], int(body.get("type") or 0))
                channel.update({k: v for k, v in body.items() if k not in ("name", "type")})
                return Answer(201, channel)
            rows = [c for c in self.channels.values() if c.get("guild_id") == GUILD]
            return Answer(200, rows)
        if rest == ["members"]:
            try:
                limit = int(req.query.get("limit", 1))
            except ValueError:
                limit = 0
            if not 1 <= limit <= 1000:
                return _err(400, 50035, "Invalid Form Body")
            after = int(req.query.get("after", 0))
            rows = sorted(self.members.values(), key=lambda m: int(m["user"]["id"]))
            rows = [m for m in rows if int(m["user"]["id"]) > after]
            return Answer(200, rows[:limit])
        if len(rest) >= 2 and rest[0] == "members":
            member = self.members.get(rest[1])
            if member is None:
                return _err(404, 10007, "Unknown Member")
            if len(rest) == 2 and req.method == "GET":
                return Answer(200, member)
            if len(rest) == 4 and rest[2] == "roles":
                if rest[3] not in self.roles:
                    return _err(404, 10011, "Unknown Role")
                if req.method == "PUT" and rest[3] not in member["roles"]:
                    member["roles"].append(rest[3])
                elif req.method == "DELETE" and rest[3] in member["roles"]:
                    member["roles"].remove(rest[3])
                return _no_content()
        return _err(404, 0, "404: Not Found")

    def channel(self, req: Request, rest: list[str]) -> Answer:
        channel = self.channels.get(rest[0])
        if channel is None:
            return _err(404, 10003, "Unknown Channel")
        cid, rest = rest[0], rest[1:]
        if not rest:
            if req.method == "GET":
                return Answer(200, channel)
            if req.method == "PATCH":
                channel.update({k: v for k, v in (req.json or {}).items() if v != ""})
                return Answer(200, channel)
            if req.method == "DELETE":
                del self.channels[cid]
                return Answer(200, channel)
        if rest == ["messages"]:
            return (
                self.post_message(req, cid)
                if req.method == "POST"
                else self.list_messages(req, cid)
            )
        if len(rest) >= 2 and rest[0] == "messages":
            found = [m for m in self.messages[cid] if m["id"] == rest[1]]
            if not found:
                return _err(404, 10008, "Unknown Message")
            if len(rest) == 2 and req.method == "GET":
                return Answer(200, found[0])
            if len(rest) == 2 and req.method == "DELETE":
                self.messages[cid].remove(found[0])
                return _no_content()
            if len(rest) == 5 and rest[2] == "reactions" and rest[4] == "@me":
                emoji = unquote(rest[3])
                if emoji.isascii() and ":" not in emoji:
                    return _err(400, 10014, "Unknown Emoji")
                self.reactions.append((cid, rest[1], emoji))
                return _no_content()
        return _err(404, 0, "404: Not Found")

    def list_messages(self, req: Request, cid: str) -> Answer:
        try:
            limit = int(req.query.get("limit", 50))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            return _err(400, 50035, "Invalid Form Body")
        rows = sorted(self.messages[cid], key=lambda m: int(m["id"]), reverse=True)
        if req.query.get("before"):
            rows = [m for m in rows if int(m["id"]) < int(req.query["before"])]
        return Answer(200, rows[:limit])

    def _payload(self, req: Request) -> tuple[dict[str, Any], list[tuple[str, str, bytes]]]:
        if req.form.get("payload_json") is not None:
            payload = json.loads(req.form["payload_json"])
            files = [(n, f[0] or "", f[2]) for n, f in sorted(req.files.items())]
            return payload, files
        return (req.json or {}), []

    @staticmethod
    def _embed_errors(body: dict[str, Any]) -> Answer | None:
        """Invalid Form Body for embeds whose color is no 24-bit number or whose url is no
        http(s) URL, with Discord's per-field errors."""
        found: dict[str, Any] = {}
        for index, embed in enumerate(body.get("embeds") or []):
            fields: dict[str, Any] = {}
            color = embed.get("color")
            if "color" in embed and not (isinstance(color, int) and 0 <= color <= 0xFFFFFF):
                fields["color"] = {"_errors": [{"code": "NUMBER_TYPE_COERCE"}]}
            url = embed.get("url")
            if "url" in embed and not str(url).startswith(("http://", "https://")):
                fields["url"] = {"_errors": [{"code": "URL_TYPE_INVALID_URL"}]}
            if fields:
                found[str(index)] = fields
        if not found:
            return None
        return _err(400, 50035, "Invalid Form Body", errors={"embeds": found})

    def post_message(self, req: Request, cid: str) -> Answer:
        body, files = self._payload(req)
        if not body.get("content") and not body.get("embeds") and not files:
            return _err(400, 50006, "Cannot send an empty message")
        invalid = self._embed_errors(body)
        if invalid is not None:
            return invalid
        reference = body.get("message_reference")
        if reference and not any(
            m["id"] == reference.get("message_id") for m in self.messages[cid]
        ):
            return _err(
                400,
                50035,
                "Invalid Form Body",
                errors={
                    "message_reference": {
                        "_errors": [{"code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE"}]
                    }
                },
            )
        message = self.add_message(cid, str(body.get("content") or ""))
        for key in ("embeds", "tts", "flags", "message_reference"):
            if key in body:
                message[key] = body[key]
        self.uploads.extend(files)
        message["attachments"] = [
            {"id": str(i), "filename": name, "size": len(data)}
            for i, (_, name, data) in enumerate(files)
        ]
        return Answer(200, message)

    def webhook(self, req: Request) -> Answer:
        parts = req.path.strip("/").split("/")
        if len(parts) != 4 or parts[2] != WEBHOOK_ID:
            return _err(404, 10015, "Unknown Webhook")
        if parts[3] != WEBHOOK_TOKEN:
            return _err(401, 50027, "Invalid Webhook Token")
        body, files = self._payload(req)
        if not body.get("content") and not body.get("embeds") and not files:
            return _err(400, 50006, "Cannot send an empty message")
        self.webhook_posts.append(body)
        self.uploads.extend(files)
        if req.query.get("wait") == "true":
            return Answer(
                200, {"id": self.new_id(), "webhook_id": WEBHOOK_ID, "content": body.get("content")}
            )
        return _no_content()

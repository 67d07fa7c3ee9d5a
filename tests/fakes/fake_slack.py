"""A fake of the Slack Web API (https://api.slack.com/web), on loopback.

From the docs: methods are `/api/<method>`; the token comes as `Authorization: Bearer`;
write methods take JSON bodies, reads take query strings; failures are HTTP 200 with
`{"ok": false, "error": "<code>"}` (invalid_auth, not_authed, channel_not_found,
message_not_found, ...); lists page with `limit` + `cursor` and
`response_metadata.next_cursor` ("" on the last page); search.messages pages with
`page`/`count` and `messages.paging` and needs a user token (xoxp-); rate limits answer
HTTP 429 with Retry-After (seconds). OAuth token rotation: `oauth.v2.access` with
grant_type=refresh_token.
"""

from __future__ import annotations

import base64
import itertools
from typing import Any

from tests.fakes._base import Answer, FakeService, Request

BOT_TOKEN = "xoxb-fake-bot"
USER_TOKEN = "xoxp-fake-user"


def _fail(error: str, **extra: Any) -> Answer:
    return Answer(200, {"ok": False, "error": error, **extra})


def _ok(**fields: Any) -> Answer:
    return Answer(200, {"ok": True, **fields})


class FakeSlack(FakeService):
    def __init__(self) -> None:
        super().__init__()
        self.tokens = {BOT_TOKEN, USER_TOKEN}
        self.channels: dict[str, dict[str, Any]] = {
            f"C00{i}": {
                "id": f"C00{i}",
                "name": f"chan-{i}",
                "is_channel": True,
                "is_archived": False,
                "is_private": False,
            }
            for i in range(1, 8)
        }
        self.channels["C001"]["name"] = "general"
        self.users = {
            f"U00{i}": {"id": f"U00{i}", "name": f"user{i}", "real_name": f"User {i}"}
            for i in range(1, 6)
        }
        self.messages: dict[str, list[dict[str, Any]]] = {cid: [] for cid in self.channels}
        self._clock = itertools.count(1)
        self.client_id, self.client_secret = "cid", "csecret"
        self.refresh_tokens: dict[str, str] = {}

    # -- plumbing ------------------------------------------------------------------------

    def handle(self, req: Request) -> Answer:
        method = req.path.removeprefix("/api/")
        if method == "oauth.v2.access":
            return self.oauth(req)
        auth = req.headers.get("authorization", "")
        if not auth:
            return _fail("not_authed")
        if auth.removeprefix("Bearer ") not in self.tokens:
            return _fail("invalid_auth")
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            return _fail("unknown_method")
        values = req.values()
        return handler(values, auth.removeprefix("Bearer "))  # type: ignore[no-any-return]

    def oauth(self, req: Request) -> Answer:
        auth = req.headers.get("authorization", "")
        pair = base64.b64decode(auth.removeprefix("Basic ")).decode() if auth else ""
        form = req.form
        if pair != f"{self.client_id}:{self.client_secret}" and (
            form.get("client_id"),
            form.get("client_secret"),
        ) != (self.client_id, self.client_secret):
            return _fail("invalid_client_id")
        if (
            form.get("grant_type") != "refresh_token"
            or form.get("refresh_token") not in self.refresh_tokens
        ):
            return _fail("invalid_refresh_token")
        token = f"xoxe.xoxb-{next(self._clock)}"
        self.tokens.add(token)
        return _ok(
            access_token=token,
            token_type="bot",
            expires_in=43200,
            refresh_token=form["refresh_token"],
        )

    def _resolve(self, channel: Any) -> str | None:
        name = str(channel or "").removeprefix("#")
        if name in self.channels:
            return name
        for cid, info in self.channels.items():
            if info.get("name") == name:
                return cid
        if name.startswith("U") and name in self.users:  # a DM to a user
            self.channels.setdefault("D" + name, {"id": "D" + name, "is_im": True, "user": name})
            self.messages.setdefault("D" + name, [])
            return "D" + name
        if name.startswith("@") and any(u["name"] == name[1:] for u in self.users.values()):
            return self._resolve(
                next(u["id"] for u in self.users.values() if u["name"] == name[1:])
            )
        return None

    def _ts(self) -> str:
        return f"1700000000.{next(self._clock):06d}"

    @staticmethod
    def _page(
        items: list[Any], values: dict[str, Any], default: int = 100
    ) -> tuple[list[Any], str] | None:
        # Slack may return fewer than `limit` ("it's possible to receive fewer results than
        # your specified limit"): 3 per page, so cursors are exercised
        limit = min(3, int(values.get("limit") or default))
        cursor = str(values.get("cursor") or "")
        try:
            start = int(base64.b64decode(cursor).decode().removeprefix("next:")) if cursor else 0
        except ValueError:
            return None
        end = start + limit
        nxt = base64.b64encode(f"next:{end}".encode()).decode() if end < len(items) else ""
        return items[start:end], nxt

    def _find(self, cid: str, ts: Any) -> dict[str, Any] | None:
        return next((m for m in self.messages.get(cid, []) if m["ts"] == str(ts)), None)

    # -- chat ----------------------------------------------------------------------------

    def m_chat_postMessage(self, v: dict[str, Any], token: str) -> Answer:
        cid = self._resolve(v.get("channel"))
        if cid is None:
            return _fail("channel_not_found")
        if not (v.get("text") or v.get("blocks") or v.get("attachments")):
            return _fail("no_text")
        ts = self._ts()
        message = {
            "type": "message",
            "user": "UBOT",
            "bot_id": "BBOT",
            "text": v.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "icon_emoji", "icon_url", "username"):
            if key in v:
                message[key] = v[key]
        self.messages[cid].insert(0, message)
        return _ok(channel=cid, ts=ts, message=message)

    def m_chat_postEphemeral(self, v: dict[str, Any], token: str) -> Answer:
        if self._resolve(v.get("channel")) is None:
            return _fail("channel_not_found")
        if str(v.get("user", "")).removeprefix("@") not in {
            *self.users,
            *(u["name"] for u in self.users.values()),
        }:
            return _fail("user_not_found")
        return _ok(message_ts=self._ts())

    def m_chat_update(self, v: dict[str, Any], token: str) -> Answer:
        cid = self._resolve(v.get("channel"))
        message = self._find(cid or "", v.get("ts"))
        if message is None:
            return _fail("message_not_found")
        message["text"] = v.get("text", "")
        return _ok(channel=cid, ts=message["ts"], text=message["text"], message=message)

    def m_chat_delete(self, v: dict[str, Any], token: str) -> Answer:
        cid = self._resolve(v.get("channel"))
        message = self._find(cid or "", v.get("ts"))
        if message is None:
            return _fail("message_not_found")
        self.messages[cid or ""].remove(message)
        return _ok(channel=cid, ts=message["ts"])

    def m_chat_getPermalink(self, v: dict[str, Any], token: str) -> Answer:
        cid = self._resolve(v.get("channel"))
        if cid is None or self._find(cid, v.get("message_ts")) is None:
            return _fail("message_not_found")
        ts = str(v["message_ts"]).replace(".", "")
        return _ok(channel=cid, permalink=f"https://fake.slack.com/archives/{cid}/p{ts}")

    def m_search_messages(self, v: dict[str, Any], token: str) -> Answer:
        if not token.startswith("xoxp-"):
            return _fail("not_allowed_token_type")
        words = [w for w in str(v.get("query", "")).split() if not w.startswith("in:")]
        found = [
            {**m, "channel": {"id": cid}}
            for cid, msgs in self.messages.items()
            for m in msgs
            if all(w in m.get("text", "") for w in words)
        ]
        found.sort(key=lambda m: m["ts"], reverse=v.get("sort_dir") != "asc")
        count, page = int(v.get("count") or 20), int(v.get("page") or 1)
        pages = max(1, -(-len(found) // count))
        matches = found[(page - 1) * count : page * count]
        paging = {"count": count, "total": len(found), "page": page, "pages": pages}
        return _ok(
            query=v.get("query"),
            messages={"total": len(found), "matches": matches, "paging": paging},
        )

    # -- conversations --------------------------------------------------------------------

    def _channel_or_fail(self, v: dict[str, Any]) -> tuple[str | None, Answer | None]:
        cid = self._resolve(v.get("channel"))
        return (cid, None) if cid else (None, _fail("channel_not_found"))

    def m_conversations_info(self, v: dict[str, Any], token: str) -> Answer:
        cid, fail = self._channel_or_fail(v)
        return fail or _ok(channel=self.channels[cid or ""])

    def m_conversations_list(self, v: dict[str, Any], token: str) -> Answer:
        items = [c for c in self.channels.values() if c.get("is_channel")]
        if v.get("exclude_archived") in (True, "true"):
            items = [c for c in items if not c["is_archived"]]
        page = self._page(items, v)
        if page is None:
            return _fail("invalid_cursor")
        return _ok(channels=page[0], response_metadata={"next_cursor": page[1]})

    def m_conversations_history(self, v: dict[str, Any], token: str) -> Answer:
        cid, fail = self._channel_or_fail(v)
        if fail:
            return fail
        msgs = [m for m in self.messages[cid or ""] if "thread_ts" not in m]
        if v.get("oldest"):
            msgs = [m for m in msgs if float(m["ts"]) > float(v["oldest"])]
        page = self._page(msgs, v)
        if page is None:
            return _fail("invalid_cursor")
        return _ok(
            messages=page[0], has_more=bool(page[1]), response_metadata={"next_cursor": page[1]}
        )

    def m_conversations_replies(self, v: dict[str, Any], token: str) -> Answer:
        cid, fail = self._channel_or_fail(v)
        if fail:
            return fail
        parent = self._find(cid or "", v.get("ts"))
        if parent is None:
            return _fail("thread_not_found")
        thread = [
            parent,
            *[m for m in reversed(self.messages[cid or ""]) if m.get("thread_ts") == parent["ts"]],
        ]
        page = self._page(thread, v)
        assert page is not None
        return _ok(messages=page[0], response_metadata={"next_cursor": page[1]})

    def m_conversations_create(self, v: dict[str, Any], token: str) -> Answer:
        name = str(v.get("name", ""))
        if not name or name != name.lower() or " " in name or len(name) > 80:
            return _fail("invalid_name_specials")
        if any(c.get("name") == name for c in self.channels.values()):
            return _fail("name_taken")
        cid = f"C{100 + len(self.channels)}"
        self.channels[cid] = {
            "id": cid,
            "name": name,
            "is_channel": True,
            "is_archived": False,
            "is_private": bool(v.get("is_private")),
        }
        self.messages[cid] = []
        return _ok(channel=self.channels[cid])

    def _simple(self, v: dict[str, Any], **update: Any) -> Answer:
        cid, fail = self._channel_or_fail(v)
        if fail:
            return fail
        self.channels[cid or ""].update(update)
        return _ok(channel=self.channels[cid or ""])

    def m_conversations_join(self, v: dict[str, Any], token: str) -> Answer:
        return self._simple(v, is_member=True)

    def m_conversations_leave(self, v: dict[str, Any], token: str) -> Answer:
        _cid, fail = self._channel_or_fail(v)
        return fail or _ok()

    def m_conversations_archive(self, v: dict[str, Any], token: str) -> Answer:
        cid, fail = self._channel_or_fail(v)
        if fail:
            return fail
        if self.channels[cid or ""]["is_archived"]:
            return _fail("already_archived")
        self.channels[cid or ""]["is_archived"] = True
        return _ok()

    def m_conversations_unarchive(self, v: dict[str, Any], token: str) -> Answer:
        cid, fail = self._channel_or_fail(v)
        if fail:
            return fail
        if not self.channels[cid or ""]["is_archived"]:
            return _fail("not_archived")
        self.channels[cid or ""]["is_archived"] = False
        return _ok()

    def m_conversations_rename(self, v: dict[str, Any], token: str) -> Answer:
        return self._simple(v, name=v.get("name"))

    def m_conversations_setPurpose(self, v: dict[str, Any], token: str) -> Answer:
        return self._simple(v, purpose={"value": v.get("purpose")})

    def m_conversations_setTopic(self, v: dict[str, Any], token: str) -> Answer:
        return self._simple(v, topic={"value": v.get("topic")})

    def m_conversations_invite(self, v: dict[str, Any], token: str) -> Answer:
        users = [u for u in str(v.get("users", "")).split(",") if u]
        if not users or any(u not in self.users for u in users):
            return _fail("user_not_found")
        return self._simple(v)

    def m_conversations_kick(self, v: dict[str, Any], token: str) -> Answer:
        _cid, fail = self._channel_or_fail(v)
        if fail:
            return fail
        return _ok() if v.get("user") in self.users else _fail("user_not_found")

    # -- reactions and users --------------------------------------------------------------

    def _reacted(self, v: dict[str, Any]) -> tuple[dict[str, Any] | None, Answer | None]:
        cid = self._resolve(v.get("channel"))
        message = self._find(cid or "", v.get("timestamp"))
        return (message, None) if message else (None, _fail("message_not_found"))

    def m_reactions_add(self, v: dict[str, Any], token: str) -> Answer:
        message, fail = self._reacted(v)
        if fail or message is None:
            return fail or _fail("message_not_found")
        reactions = message.setdefault("reactions", [])
        if any(r["name"] == v.get("name") for r in reactions):
            return _fail("already_reacted")
        reactions.append({"name": v.get("name"), "users": ["UBOT"], "count": 1})
        return _ok()

    def m_reactions_remove(self, v: dict[str, Any], token: str) -> Answer:
        message, fail = self._reacted(v)
        if fail or message is None:
            return fail or _fail("message_not_found")
        before = message.get("reactions", [])
        message["reactions"] = [r for r in before if r["name"] != v.get("name")]
        return _ok() if len(before) != len(message["reactions"]) else _fail("no_reaction")

    def m_reactions_get(self, v: dict[str, Any], token: str) -> Answer:
        message, fail = self._reacted(v)
        return fail or _ok(type="message", channel=self._resolve(v.get("channel")), message=message)

    def m_users_info(self, v: dict[str, Any], token: str) -> Answer:
        user = self.users.get(str(v.get("user", "")))
        return _ok(user=user) if user else _fail("user_not_found")

    def m_users_list(self, v: dict[str, Any], token: str) -> Answer:
        page = self._page(list(self.users.values()), v)
        if page is None:
            return _fail("invalid_cursor")
        return _ok(members=page[0], response_metadata={"next_cursor": page[1]})

    def m_users_getPresence(self, v: dict[str, Any], token: str) -> Answer:
        if str(v.get("user", "")) not in self.users:
            return _fail("user_not_found")
        return _ok(presence="active")

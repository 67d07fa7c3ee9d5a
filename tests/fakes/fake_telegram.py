"""A fake of the Telegram Bot API (https://core.telegram.org/bots/api), on loopback.

From the docs: every method is `/bot<token>/<method>`, parameters come as query string,
application/x-www-form-urlencoded, application/json or multipart/form-data (files);
answers are `{"ok": true, "result": ...}` or `{"ok": false, "error_code", "description"}`
with the HTTP status of error_code (401 Unauthorized for a wrong token, 400 Bad Request:
... for bad parameters); flood control answers 429 with `parameters.retry_after`. Files
download from `/file/bot<token>/<file_path>`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.fakes._base import Answer, FakeService, Request

TOKEN = "123456:ABC-fake-token"
BOT = {"id": 123456, "is_bot": True, "first_name": "Fake Bot", "username": "fake_bot"}
CHATS: dict[str, dict[str, Any]] = {
    "42": {"id": 42, "type": "private", "first_name": "Ada", "username": "ada"},
    "-100": {"id": -100, "type": "supergroup", "title": "Hetumind"},
}
DATE = 1_700_000_000
"""Message dates are fixed so that recordings of two runs compare equal."""
FILE_BYTES = b"\x89PNG\r\n\x1a\nfake-photo"


def _error(code: int, description: str, **extra: Any) -> Answer:
    return Answer(code, {"ok": False, "error_code": code, "description": description, **extra})


def _ok(result: Any) -> Answer:
    return Answer(200, {"ok": True, "result": result})


class FakeTelegram(FakeService):
    @staticmethod
    def rate_limit_answer(wait: int) -> Answer:  # type: ignore[override]
        return _error(
            429, f"Too Many Requests: retry after {wait}", parameters={"retry_after": wait}
        )

    def __init__(self) -> None:
        super().__init__()
        self.messages: dict[tuple[str, int], dict[str, Any]] = {}
        self.next_id = 1
        self.answered: list[str] = []
        self.callback_queries = {"cbq-1"}
        self.webhook: dict[str, Any] | None = None
        self.allow_http_webhooks = False
        """Telegram calls HTTPS URLs only; tests on loopback serve plain HTTP."""

    def handle(self, req: Request) -> Answer:
        parts = req.path.strip("/").split("/")
        if parts[0] == "file" and len(parts) >= 3:
            if parts[1] != f"bot{TOKEN}":
                return Answer(401, content=b"Unauthorized")
            return Answer(200, content=FILE_BYTES, headers={"Content-Type": "image/png"})
        if len(parts) != 2 or not parts[0].startswith("bot"):
            return _error(404, "Not Found")
        if parts[0] != f"bot{TOKEN}":
            return _error(401, "Unauthorized")
        method = getattr(self, f"m_{parts[1]}", None)
        if method is None:
            return _error(404, "Not Found")
        return method(req.values(), req)  # type: ignore[no-any-return]

    # -- helpers ---------------------------------------------------------------------

    def _chat(self, values: dict[str, Any]) -> dict[str, Any] | None:
        return CHATS.get(str(values.get("chat_id", "")))

    def _message(self, chat: dict[str, Any], **content: Any) -> dict[str, Any]:
        with self.lock:
            mid = self.next_id
            self.next_id += 1
        message = {
            "message_id": mid,
            "from": BOT,
            "chat": chat,
            "date": DATE,
            **content,
        }
        self.messages[(str(chat["id"]), mid)] = message
        return message

    @staticmethod
    def _markup(values: dict[str, Any]) -> dict[str, Any]:
        markup = values.get("reply_markup")
        if isinstance(markup, str):  # multipart and form send it JSON-encoded
            markup = json.loads(markup)
        return {"reply_markup": markup} if markup else {}

    # -- methods ---------------------------------------------------------------------

    # -- webhooks (setWebhook: an HTTPS URL, secret_token of [A-Za-z0-9_-]{1,256}) ------

    def m_setWebhook(self, values: dict[str, Any], req: Request) -> Answer:
        url = str(values.get("url") or "")
        if not url.startswith("https://") and not self.allow_http_webhooks:
            return _error(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = str(values.get("secret_token") or "")
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            return _error(400, "Bad Request: secret token contains unallowed characters")
        allowed = values.get("allowed_updates") or []
        if isinstance(allowed, str):
            allowed = json.loads(allowed)
        self.webhook = {"url": url, "secret_token": secret, "allowed_updates": allowed}
        return Answer(200, {"ok": True, "result": True, "description": "Webhook was set"})

    def m_deleteWebhook(self, values: dict[str, Any], req: Request) -> Answer:
        self.webhook = None
        return Answer(200, {"ok": True, "result": True, "description": "Webhook was deleted"})

    def m_getWebhookInfo(self, values: dict[str, Any], req: Request) -> Answer:
        info = {"url": (self.webhook or {}).get("url", ""), "pending_update_count": 0}
        if self.webhook and self.webhook["allowed_updates"]:
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return _ok(info)

    def m_getMe(self, values: dict[str, Any], req: Request) -> Answer:
        return _ok(BOT)

    def m_sendMessage(self, values: dict[str, Any], req: Request) -> Answer:
        chat = self._chat(values)
        if chat is None:
            return _error(400, "Bad Request: chat not found")
        text = values.get("text")
        if not text:
            return _error(400, "Bad Request: message text is empty")
        return _ok(self._message(chat, text=text, **self._markup(values)))

    def _send_media(self, kind: str, values: dict[str, Any], req: Request) -> Answer:
        chat = self._chat(values)
        if chat is None:
            return _error(400, "Bad Request: chat not found")
        if kind in req.files:
            name, mime, data = req.files[kind]
            file = {"file_id": f"upl-{len(data)}", "file_name": name, "mime_type": mime}
        elif values.get(kind):
            file = {"file_id": str(values[kind])}
        else:
            return _error(400, f"Bad Request: there is no {kind} in the request")
        content: dict[str, Any] = {kind: [file] if kind == "photo" else file}
        if values.get("caption"):
            content["caption"] = values["caption"]
        return _ok(self._message(chat, **content, **self._markup(values)))

    def m_sendPhoto(self, values: dict[str, Any], req: Request) -> Answer:
        return self._send_media("photo", values, req)

    def m_sendDocument(self, values: dict[str, Any], req: Request) -> Answer:
        return self._send_media("document", values, req)

    def m_sendAudio(self, values: dict[str, Any], req: Request) -> Answer:
        return self._send_media("audio", values, req)

    def m_sendVideo(self, values: dict[str, Any], req: Request) -> Answer:
        return self._send_media("video", values, req)

    def m_sendAnimation(self, values: dict[str, Any], req: Request) -> Answer:
        return self._send_media("animation", values, req)

    def m_sendSticker(self, values: dict[str, Any], req: Request) -> Answer:
        return self._send_media("sticker", values, req)

    def m_sendMediaGroup(self, values: dict[str, Any], req: Request) -> Answer:
        chat = self._chat(values)
        if chat is None:
            return _error(400, "Bad Request: chat not found")
        media = values.get("media") or []
        if isinstance(media, str):
            media = json.loads(media)
        if not 2 <= len(media) <= 10:
            return _error(400, "Bad Request: wrong number of media in the album")
        group = f"group-{self.next_id}"
        return _ok(
            [self._message(chat, media_group_id=group, **{m["type"]: m["media"]}) for m in media]
        )

    def m_sendLocation(self, values: dict[str, Any], req: Request) -> Answer:
        chat = self._chat(values)
        if chat is None:
            return _error(400, "Bad Request: chat not found")
        location = {"latitude": float(values["latitude"]), "longitude": float(values["longitude"])}
        return _ok(self._message(chat, location=location))

    def m_sendChatAction(self, values: dict[str, Any], req: Request) -> Answer:
        if self._chat(values) is None:
            return _error(400, "Bad Request: chat not found")
        return _ok(True)

    def m_editMessageText(self, values: dict[str, Any], req: Request) -> Answer:
        if values.get("inline_message_id"):
            return _ok(True)
        key = (str(values.get("chat_id")), int(values.get("message_id") or 0))
        message = self.messages.get(key)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        if message.get("text") == values.get("text"):
            return _error(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        message.update(text=values.get("text"), edit_date=DATE + 1)
        message.update(self._markup(values))
        return _ok(message)

    def m_deleteMessage(self, values: dict[str, Any], req: Request) -> Answer:
        key = (str(values.get("chat_id")), int(values.get("message_id") or 0))
        if self.messages.pop(key, None) is None:
            return _error(400, "Bad Request: message to delete not found")
        return _ok(True)

    def m_pinChatMessage(self, values: dict[str, Any], req: Request) -> Answer:
        key = (str(values.get("chat_id")), int(values.get("message_id") or 0))
        if key not in self.messages:
            return _error(400, "Bad Request: message to pin not found")
        return _ok(True)

    def m_unpinChatMessage(self, values: dict[str, Any], req: Request) -> Answer:
        return self.m_pinChatMessage(values, req)

    def m_getChat(self, values: dict[str, Any], req: Request) -> Answer:
        chat = self._chat(values)
        if chat is None:
            return _error(400, "Bad Request: chat not found")
        return _ok({**chat, "accent_color_id": 0, "max_reaction_count": 11})

    def m_getChatAdministrators(self, values: dict[str, Any], req: Request) -> Answer:
        if self._chat(values) is None:
            return _error(400, "Bad Request: chat not found")
        return _ok(
            [
                {"status": "creator", "user": {"id": 1, "is_bot": False, "first_name": "Ada"}},
                {"status": "administrator", "user": BOT, "can_delete_messages": True},
            ]
        )

    def m_getChatMember(self, values: dict[str, Any], req: Request) -> Answer:
        if self._chat(values) is None:
            return _error(400, "Bad Request: chat not found")
        user = {"id": int(values["user_id"]), "is_bot": False, "first_name": "Ada"}
        return _ok({"status": "member", "user": user})

    def m_leaveChat(self, values: dict[str, Any], req: Request) -> Answer:
        return _ok(True) if self._chat(values) else _error(400, "Bad Request: chat not found")

    def m_setChatTitle(self, values: dict[str, Any], req: Request) -> Answer:
        chat = self._chat(values)
        if chat is None:
            return _error(400, "Bad Request: chat not found")
        if not values.get("title"):
            return _error(400, "Bad Request: chat title is empty")
        return _ok(True)

    def m_setChatDescription(self, values: dict[str, Any], req: Request) -> Answer:
        return _ok(True) if self._chat(values) else _error(400, "Bad Request: chat not found")

    def m_answerCallbackQuery(self, values: dict[str, Any], req: Request) -> Answer:
        query = str(values.get("callback_query_id", ""))
        if query not in self.callback_queries:
            return _error(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.answered.append(query)
        return _ok(True)

    def m_answerInlineQuery(self, values: dict[str, Any], req: Request) -> Answer:
        results = values.get("results")
        if isinstance(results, str):
            try:
                json.loads(results)
            except ValueError:
                return _error(400, "Bad Request: can't parse inline query results JSON object")
        return _ok(True)

    def m_getFile(self, values: dict[str, Any], req: Request) -> Answer:
        file_id = str(values.get("file_id", ""))
        if not file_id:
            return _error(400, "Bad Request: file_id is empty")
        return _ok(
            {
                "file_id": file_id,
                "file_unique_id": "u" + file_id,
                "file_size": len(FILE_BYTES),
                "file_path": f"photos/{file_id}.png",
            }
        )

"""Telegram (n8n `telegram` 1-1.2): the Bot API's messages, chats, callbacks and files.

Requests are n8n's: POST `<baseUrl>/bot<token>/<method>` with a JSON body (multipart when
a binary file is sent), the whole `{"ok", "result"}` answer as the item. The credential
is n8n's telegramApi (accessToken, baseUrl). Differences: n8n 1.1+ appends "This message
was sent automatically with n8n" to sendMessage texts unless appendAttribution is off;
Hetumind never advertises (docs/nodes/integrations.md). Send and Wait is not offered.
"""

from __future__ import annotations

import json
import mimetypes
import re
from typing import Any

from hetumind.binary import put_binary, read_binary
from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.http.request import FilePart
from hetumind.integrations import IntegrationNode, NoAuth, Operation, Params, Service, WithBinary
from hetumind.integrations.client import ServiceClient
from hetumind.integrations.errors import NodeApiError
from hetumind.nodes.api import node
from hetumind.nodes.builtin._node_tools import as_tool

__all__ = ["Telegram", "TelegramTool"]

TELEGRAM = Service(
    name="Telegram",
    default_base_url="https://api.telegram.org",
    base_url="{baseUrl}/bot{accessToken}",
    credentials={"telegramApi": NoAuth()},  # the token is part of the path
)

_URL = re.compile(r"(https?|ftp|file)://\S+|www\.\S+|\S+\.\S+")


def _reply_markup(p: Params, body: dict[str, Any]) -> None:
    """n8n's addAdditionalFields, second half: the keyboard or reply options."""
    option = p.text("replyMarkup", "none")
    if option in ("none", ""):
        return
    if option in ("inlineKeyboard", "replyKeyboard"):
        rows: list[list[dict[str, Any]]] = []
        keyboard = p.get(option, {}) or {}
        for row in keyboard.get("rows") or []:
            buttons = (row.get("row") or {}).get("buttons") if isinstance(row, dict) else None
            if buttons is None:
                continue
            rows.append(
                [{"text": b.get("text"), **(b.get("additionalFields") or {})} for b in buttons]
            )
        name = "inline_keyboard" if option == "inlineKeyboard" else "keyboard"
        markup: dict[str, Any] = {name: rows}
        if option == "replyKeyboard":
            markup.update(p.collection("replyKeyboardOptions"))
        body["reply_markup"] = markup
    elif option in ("forceReply", "replyKeyboardRemove"):
        body["reply_markup"] = p.collection(option)


def _additional(p: Params, body: dict[str, Any], *, send_message: bool = False) -> dict[str, Any]:
    fields = p.collection("additionalFields")
    if send_message:
        fields.pop("appendAttribution", None)
        if not fields.get("parse_mode"):
            fields["parse_mode"] = "Markdown"
        if not _URL.search(str(body.get("text") or "")):
            body["disable_web_page_preview"] = True
        if p.version >= 1.2 and "disable_web_page_preview" not in fields:
            body["disable_web_page_preview"] = True
    fields.pop("fileName", None)  # used for uploads only
    fields.pop("mimeType", None)
    body.update(fields)
    _reply_markup(p, body)
    return body


def _media_group(p: Params) -> dict[str, Any]:
    """`media.media` entries (type, media, additionalFields) flattened as n8n does; no
    reply markup for media groups."""
    body = {**_chat(p), **p.collection("additionalFields")}
    media = []
    for entry in (p.get("media", {}) or {}).get("media") or []:
        entry = dict(entry)
        extra = entry.pop("additionalFields", None) or {}
        media.append({**entry, **extra})
    body["media"] = media
    return body


def _chat(p: Params, **more: Any) -> dict[str, Any]:
    return {"chat_id": p.get("chatId", ""), **more}


def _error_json(exc: HetumindError) -> dict[str, Any]:
    # n8n's Telegram: the service's own words when there are some
    if isinstance(exc, NodeApiError) and exc.description:
        return {"error": exc.description}
    return {"error": exc.reason if isinstance(exc, NodeExecutionError) else exc.message}


def _send_file(kind: str) -> Operation:
    """sendPhoto, sendDocument, ...: a file id or URL, or the item's binary data."""
    endpoint = "send" + kind[0].upper() + kind[1:]

    def run(client: ServiceClient, p: Params) -> Any:
        body = _additional(p, _chat(p, **{kind: p.get("file", "")}))
        if not p.get("binaryData", False):
            return client.request("POST", endpoint, body=body, item_index=p.index)
        prop = p.text("binaryPropertyName", "data")
        entry = p.binary.get(prop)
        if not isinstance(entry, dict):
            raise NodeExecutionError(
                f"This operation expects the node's input data to contain a binary file "
                f"'{prop}', but none was found",
                node=p.ctx.node_name,
                item_index=p.index,
            )
        file_name = p.text("additionalFields.fileName") or entry.get("fileName")
        if not file_name:
            raise NodeExecutionError(
                f"File name is needed to {endpoint}. Make sure the property that holds the "
                "binary data has the file name property set or set it manually in the node "
                "using the File Name parameter under Additional Fields.",
                node=p.ctx.node_name,
                item_index=p.index,
            )
        body.pop(kind, None)
        body["disable_notification"] = str(body.get("disable_notification") or "false").lower()
        part = FilePart(
            data=read_binary(entry, where=f"binary field '{prop}'"),
            file_name=str(file_name),
            mime_type=str(entry.get("mimeType") or "application/octet-stream"),
        )
        # JSON.stringify's compact form, as n8n sends reply_markup in a form
        fields = [
            (k, json.dumps(v, separators=(",", ":")) if isinstance(v, dict | list) else v)
            for k, v in body.items()
        ]
        return client.request(
            "POST",
            endpoint,
            body=[*fields, (kind, part)],
            body_kind="multipart",
            item_index=p.index,
        )

    return Operation(run=run, error_json=_error_json)


def _get_file(client: ServiceClient, p: Params) -> Any:
    answer = client.request("POST", "getFile", body={"file_id": p.get("fileId", "")})
    if not p.get("download", True):
        return answer
    file_path = str(answer["result"]["file_path"])
    base = client.base_url()
    # downloads live beside the methods: <baseUrl>/file/bot<token>/<file_path>
    head, _, token_part = base.rpartition("/")
    response = client.request("GET", f"{head}/file/{token_part}/{file_path}", raw=True)
    name = file_path.rsplit("/", 1)[-1]
    mime = p.text("additionalFields.mimeType") or (
        mimetypes.guess_type(name)[0] or "application/octet-stream"
    )
    entry = put_binary(response.content, mime_type=mime, file_name=name)
    return WithBinary(answer, {"data": entry})


def _post(endpoint: str, body: Any, output: str | None = None) -> Operation:
    return Operation(method="POST", path=endpoint, body=body, output=output, error_json=_error_json)


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("message", "sendMessage"): _post(
        "sendMessage",
        lambda p: _additional(p, _chat(p, text=p.get("text", "")), send_message=True),
    ),
    ("message", "editMessageText"): _post(
        "editMessageText",
        lambda p: _additional(
            p,
            (
                {"inline_message_id": p.get("inlineMessageId", "")}
                if p.text("messageType", "message") == "inlineMessage"
                else _chat(p, message_id=p.get("messageId", ""))
            )
            | {"text": p.get("text", "")},
        ),
    ),
    ("message", "deleteMessage"): _post(
        "deleteMessage", lambda p: _chat(p, message_id=p.get("messageId", ""))
    ),
    ("message", "pinChatMessage"): _post(
        "pinChatMessage",
        lambda p: (
            _chat(p, message_id=p.get("messageId", ""))
            | (
                {"disable_notification": True}
                if p.get("additionalFields.disable_notification")
                else {}
            )
        ),
    ),
    ("message", "unpinChatMessage"): _post(
        "unpinChatMessage", lambda p: _chat(p, message_id=p.get("messageId", ""))
    ),
    ("message", "sendChatAction"): _post(
        "sendChatAction", lambda p: _chat(p, action=p.get("action", ""))
    ),
    ("message", "sendLocation"): _post(
        "sendLocation",
        lambda p: _additional(
            p, _chat(p, latitude=p.get("latitude", 0), longitude=p.get("longitude", 0))
        ),
    ),
    **{
        ("message", "send" + kind[0].upper() + kind[1:]): _send_file(kind)
        for kind in ("photo", "document", "audio", "video", "animation", "sticker")
    },
    ("message", "sendMediaGroup"): _post("sendMediaGroup", lambda p: _media_group(p)),
    ("chat", "get"): _post("getChat", lambda p: _chat(p)),
    ("chat", "administrators"): _post("getChatAdministrators", lambda p: _chat(p), "result"),
    ("chat", "member"): _post("getChatMember", lambda p: _chat(p, user_id=p.get("userId", ""))),
    ("chat", "leave"): _post("leaveChat", lambda p: _chat(p)),
    ("chat", "setDescription"): _post(
        "setChatDescription", lambda p: _chat(p, description=p.get("description", ""))
    ),
    ("chat", "setTitle"): _post("setChatTitle", lambda p: _chat(p, title=p.get("title", ""))),
    ("callback", "answerQuery"): _post(
        "answerCallbackQuery",
        lambda p: {"callback_query_id": p.get("queryId", ""), **p.collection("additionalFields")},
    ),
    ("callback", "answerInlineQuery"): _post(
        "answerInlineQuery",
        lambda p: {
            "inline_query_id": p.get("queryId", ""),
            "results": p.get("results", ""),
            **p.collection("additionalFields"),
        },
    ),
    ("file", "get"): Operation(run=_get_file, error_json=_error_json),
}


@node("telegram", versions=[1, 1.1, 1.2], display_name="Telegram", fusible=False)
class Telegram(IntegrationNode):
    """Sends data to Telegram."""

    service = TELEGRAM
    operations = OPERATIONS
    default_resource = "message"
    default_operations = {
        "message": "sendMessage",
        "chat": "get",
        "callback": "answerQuery",
        "file": "get",
    }


TelegramTool = as_tool(Telegram)
"""n8n's Telegram as an agent tool: `$fromAI` parameters (builtin._node_tools)."""

"""Telegram against a fake of the Bot API: every operation, n8n's request shapes, auth
failure, flood control (429 + retry_after)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.binary import put_binary, read_binary
from hetumind.errors import NodeExecutionError
from tests.fakes._base import serving
from tests.fakes.fake_telegram import FILE_BYTES, TOKEN, FakeTelegram
from tests.integrations.conftest import run_node

TYPE = "n8n-nodes-base.telegram"


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    with serving(FakeTelegram()) as fake:
        yield fake


def creds(fake: FakeTelegram, token: str = TOKEN) -> dict[str, Any]:
    return {
        "telegramApi": {
            "id": "1",
            "name": "bot",
            "data": {"accessToken": token, "baseUrl": fake.url},
        }
    }


def run(fake: FakeTelegram, params: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    return run_node(TYPE, params, creds(fake), **kw)


def send(fake: FakeTelegram, text: str = "hello", **extra: Any) -> dict[str, Any]:
    out = run(fake, {"chatId": "42", "text": text, **extra}, version=1.2)
    return out[0]["json"]["result"]


def test_send_message_sends_n8ns_body_and_returns_the_answer(telegram: FakeTelegram) -> None:
    out = run(
        telegram,
        {
            "resource": "message",
            "operation": "sendMessage",
            "chatId": "={{ $json.chat }}",
            "text": "={{ 'Hi ' + $json.name }}",
            "replyMarkup": "inlineKeyboard",
            "inlineKeyboard": {
                "rows": [
                    {
                        "row": {
                            "buttons": [{"text": "Yes", "additionalFields": {"callback_data": "y"}}]
                        }
                    }
                ]
            },
            "additionalFields": {"disable_notification": True},
        },
        items=[{"json": {"chat": "42", "name": "Ada"}}, {"json": {"chat": "-100", "name": "all"}}],
        version=1.2,
    )
    assert [o["json"]["ok"] for o in out] == [True, True]
    assert out[0]["json"]["result"]["text"] == "Hi Ada"
    assert out[1]["json"]["result"]["chat"]["id"] == -100
    sent = telegram.calls("/sendMessage")[-1].json
    assert sent == {
        "chat_id": "-100",
        "text": "Hi all",
        "disable_web_page_preview": True,
        "disable_notification": True,
        "parse_mode": "Markdown",
        "reply_markup": {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]},
    }


def test_send_message_v1_keeps_link_previews_for_texts_with_links(telegram: FakeTelegram) -> None:
    run(telegram, {"chatId": "42", "text": "see https://example.com"}, version=1)
    assert "disable_web_page_preview" not in telegram.calls("/sendMessage")[-1].json


def test_send_photo_by_url_and_as_uploaded_binary(telegram: FakeTelegram) -> None:
    out = run(telegram, {"operation": "sendPhoto", "chatId": "42", "file": "https://x/y.png"})
    assert out[0]["json"]["result"]["photo"][0]["file_id"] == "https://x/y.png"
    entry = put_binary(b"PNGDATA", mime_type="image/png", file_name="cat.png")
    out = run(
        telegram,
        {
            "operation": "sendPhoto",
            "chatId": "42",
            "binaryData": True,
            "additionalFields": {"caption": "a cat"},
            "replyMarkup": "forceReply",
            "forceReply": {"force_reply": True},
        },
        items=[{"json": {}, "binary": {"data": entry}}],
    )
    req = telegram.calls("/sendPhoto")[-1]
    assert req.files["photo"] == ("cat.png", "image/png", b"PNGDATA")
    assert req.form["caption"] == "a cat" and req.form["disable_notification"] == "false"
    assert json.loads(req.form["reply_markup"]) == {"force_reply": True}
    assert out[0]["json"]["result"]["caption"] == "a cat"


def test_upload_without_binary_names_the_property(telegram: FakeTelegram) -> None:
    with pytest.raises(NodeExecutionError, match="binary file 'data'"):
        run(telegram, {"operation": "sendDocument", "chatId": "42", "binaryData": True})


def test_edit_and_delete_a_message(telegram: FakeTelegram) -> None:
    mid = send(telegram, "first")["message_id"]
    edited = run(
        telegram,
        {"operation": "editMessageText", "chatId": "42", "messageId": str(mid), "text": "second"},
    )
    assert edited[0]["json"]["result"]["text"] == "second"
    assert telegram.calls("/editMessageText")[-1].json == {
        "chat_id": "42",
        "message_id": str(mid),
        "text": "second",
    }
    deleted = run(telegram, {"operation": "deleteMessage", "chatId": "42", "messageId": str(mid)})
    assert deleted[0]["json"] == {"ok": True, "result": True}
    with pytest.raises(NodeExecutionError) as info:
        run(telegram, {"operation": "deleteMessage", "chatId": "42", "messageId": str(mid)})
    assert info.value.reason == "Bad request - please check your parameters"
    assert info.value.description == "Bad Request: message to delete not found"  # type: ignore[attr-defined]


def test_pin_unpin_location_and_chat_action(telegram: FakeTelegram) -> None:
    mid = str(send(telegram)["message_id"])
    pin = {"chatId": "42", "messageId": mid, "additionalFields": {"disable_notification": True}}
    assert run(telegram, {"operation": "pinChatMessage", **pin})[0]["json"]["result"] is True
    assert telegram.calls("/pinChatMessage")[-1].json["disable_notification"] is True
    assert run(telegram, {"operation": "unpinChatMessage", "chatId": "42", "messageId": mid})
    loc = run(
        telegram, {"operation": "sendLocation", "chatId": "42", "latitude": 52.5, "longitude": 13.4}
    )
    assert loc[0]["json"]["result"]["location"] == {"latitude": 52.5, "longitude": 13.4}
    act = run(telegram, {"operation": "sendChatAction", "chatId": "42", "action": "typing"})
    assert act[0]["json"]["result"] is True


def test_chat_operations(telegram: FakeTelegram) -> None:
    got = run(telegram, {"resource": "chat", "operation": "get", "chatId": "-100"})
    assert got[0]["json"]["result"]["title"] == "Hetumind"
    admins = run(telegram, {"resource": "chat", "operation": "administrators", "chatId": "-100"})
    assert [a["json"]["status"] for a in admins] == ["creator", "administrator"]
    member = run(
        telegram, {"resource": "chat", "operation": "member", "chatId": "-100", "userId": "7"}
    )
    assert member[0]["json"]["result"]["user"]["id"] == 7
    for op, extra in (
        ("leave", {}),
        ("setTitle", {"title": "T"}),
        ("setDescription", {"description": "D"}),
    ):
        out = run(telegram, {"resource": "chat", "operation": op, "chatId": "-100", **extra})
        assert out[0]["json"] == {"ok": True, "result": True}
    assert telegram.calls("/setChatTitle")[-1].json == {"chat_id": "-100", "title": "T"}


def test_callback_answers(telegram: FakeTelegram) -> None:
    out = run(
        telegram,
        {
            "resource": "callback",
            "operation": "answerQuery",
            "queryId": "cbq-1",
            "additionalFields": {"text": "done", "show_alert": True},
        },
    )
    assert out[0]["json"]["result"] is True
    assert telegram.calls("/answerCallbackQuery")[-1].json == {
        "callback_query_id": "cbq-1",
        "text": "done",
        "show_alert": True,
    }
    inline = run(
        telegram,
        {
            "resource": "callback",
            "operation": "answerInlineQuery",
            "queryId": "iq",
            "results": "[]",
        },
    )
    assert inline[0]["json"]["ok"] is True


def test_file_get_downloads_into_binary(telegram: FakeTelegram) -> None:
    out = run(telegram, {"resource": "file", "operation": "get", "fileId": "abc"})
    assert out[0]["json"]["result"]["file_path"] == "photos/abc.png"
    entry = out[0]["binary"]["data"]
    assert entry["fileName"] == "abc.png" and entry["mimeType"] == "image/png"
    assert read_binary(entry) == FILE_BYTES
    meta = run(
        telegram, {"resource": "file", "operation": "get", "fileId": "abc", "download": False}
    )
    assert "binary" not in meta[0] or not meta[0]["binary"]


def test_wrong_token_fails_with_n8ns_message_naming_the_node(telegram: FakeTelegram) -> None:
    with pytest.raises(NodeExecutionError) as info:
        run_node(
            TYPE, {"chatId": "42", "text": "x"}, creds(telegram, "0:wrong"), node_name="Notify"
        )
    err = info.value
    assert str(err) == "node 'Notify', item 0: Authorization failed - please check your credentials"
    assert err.to_dict()["httpCode"] == "401" and err.to_dict()["description"] == "Unauthorized"


def test_continue_on_fail_gives_telegrams_description(telegram: FakeTelegram) -> None:
    out = run(telegram, {"chatId": "999", "text": "x"}, continue_on_fail=True)
    assert out[0]["json"] == {"error": "Bad Request: chat not found"}


def test_flood_control_waits_retry_after_then_succeeds(telegram: FakeTelegram) -> None:
    before = len(telegram.calls("/sendMessage"))
    telegram.rate_limit(2, retry_after=0)
    assert send(telegram, "after flood")["text"] == "after flood"
    assert len(telegram.calls("/sendMessage")) - before == 3


def test_flood_control_that_persists_fails_after_bounded_retries(telegram: FakeTelegram) -> None:
    before = len(telegram.calls("/sendMessage"))
    telegram.rate_limit(10, retry_after=0)
    try:
        with pytest.raises(NodeExecutionError, match="receiving too many requests"):
            send(telegram)
        assert len(telegram.calls("/sendMessage")) - before == 4  # 1 + 3 retries
    finally:
        telegram.rate_limit(0)


def test_unknown_operation_is_refused_by_name(telegram: FakeTelegram) -> None:
    with pytest.raises(NodeExecutionError, match='"sendAndWait" of resource "message"'):
        run(telegram, {"operation": "sendAndWait", "chatId": "42"})


def test_send_media_group(telegram: FakeTelegram) -> None:
    media = {
        "media": [
            {"type": "photo", "media": "https://x/1.png", "additionalFields": {"caption": "one"}},
            {"type": "photo", "media": "https://x/2.png"},
        ]
    }
    out = run(telegram, {"operation": "sendMediaGroup", "chatId": "42", "media": media})
    assert [m["photo"] for m in out[0]["json"]["result"]] == ["https://x/1.png", "https://x/2.png"]
    assert telegram.calls("/sendMediaGroup")[-1].json == {
        "chat_id": "42",
        "media": [
            {"type": "photo", "media": "https://x/1.png", "caption": "one"},
            {"type": "photo", "media": "https://x/2.png"},
        ],
    }

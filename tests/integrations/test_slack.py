"""Slack V2 against a fake of the Web API: each operation with n8n's requests, resource
locators, cursor and page-number pagination (returnAll, limit), auth failure, 429s."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.errors import NodeExecutionError
from tests.fakes._base import serving
from tests.fakes.fake_slack import BOT_TOKEN, USER_TOKEN, FakeSlack
from tests.integrations.conftest import run_node

TYPE = "n8n-nodes-base.slack"


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with serving(FakeSlack()) as fake:
        yield fake


def creds(fake: FakeSlack, token: str = BOT_TOKEN) -> dict[str, Any]:
    return {
        "slackApi": {
            "id": "s",
            "name": "slack",
            "data": {"accessToken": token, "baseUrl": f"{fake.url}/api"},
        }
    }


def run(
    fake: FakeSlack, params: dict[str, Any], token: str = BOT_TOKEN, **kw: Any
) -> list[dict[str, Any]]:
    kw.setdefault("version", 2.2)
    return [o["json"] for o in run_node(TYPE, params, creds(fake, token), **kw)]


def rl(value: str, mode: str = "id") -> dict[str, Any]:
    return {"__rl": True, "value": value, "mode": mode}


def post(fake: FakeSlack, text: str, channel: str = "C002", **extra: Any) -> dict[str, Any]:
    params = {"select": "channel", "channelId": rl(channel), "text": text, **extra}
    return run(fake, params)[0]


def test_post_to_a_channel_by_id_name_and_url(slack: FakeSlack) -> None:
    out = post(slack, "hello", otherOptions={"includeLinkToWorkflow": True, "mrkdwn": True})
    assert out["ok"] is True and out["channel"] == "C002"
    assert out["message_timestamp"] == out["message"]["ts"] and "ts" not in out
    req = slack.calls("/chat.postMessage")[-1]
    # the option goes along as n8n sends it; the link n8n would append to the text does not
    assert req.json == {
        "channel": "C002",
        "text": "hello",
        "mrkdwn": True,
        "includeLinkToWorkflow": True,
    }
    assert req.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    by_name = run(slack, {"select": "channel", "channelId": rl("#general", "name"), "text": "x"})
    assert by_name[0]["channel"] == "C001"
    url = rl("https://app.slack.com/client/T0FAKE/C003", "url")
    assert run(slack, {"select": "channel", "channelId": url, "text": "x"})[0]["channel"] == "C003"


def test_post_to_a_user_by_username_in_a_thread_with_a_bot_profile(slack: FakeSlack) -> None:
    parent = post(slack, "parent")["message_timestamp"]
    out = run(
        slack,
        {
            "select": "user",
            "user": rl("user2", "username"),
            "text": "reply",
            "otherOptions": {
                "thread_ts": {"replyValues": {"thread_ts": parent, "reply_broadcast": False}},
                "botProfile": {
                    "imageValues": {"profilePhotoType": "emoji", "icon_emoji": ":robot:"}
                },
            },
        },
    )
    sent = slack.calls("/chat.postMessage")[-1].json
    assert sent == {
        "channel": "@user2",
        "text": "reply",
        "thread_ts": parent,
        "reply_broadcast": False,
        "icon_emoji": ":robot:",
    }
    assert out[0]["channel"] == "DU002"


def test_post_blocks_and_ephemeral(slack: FakeSlack) -> None:
    blocks = '{"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]}'
    out = post(slack, "notify", messageType="block", blocksUi=blocks)
    assert out["message"]["blocks"][0]["type"] == "section"
    eph = post(
        slack,
        "psst",
        otherOptions={"ephemeral": {"ephemeralValues": {"user": rl("U001"), "ephemeral": True}}},
    )
    assert eph["ok"] is True and "message_ts" in eph
    assert slack.calls("/chat.postEphemeral")[-1].json["user"] == "U001"
    with pytest.raises(NodeExecutionError, match="Blocks it is not a valid json"):
        post(slack, "x", messageType="block", blocksUi="{nope")


def test_update_delete_and_permalink(slack: FakeSlack) -> None:
    ts = post(slack, "draft")["message_timestamp"]
    upd = run(slack, {"operation": "update", "channelId": rl("C002"), "ts": ts, "text": "final"})
    assert upd[0]["text"] == "final" and upd[0]["message_timestamp"] == ts
    link = run(slack, {"operation": "getPermalink", "channelId": rl("C002"), "timestamp": ts})
    assert link[0]["permalink"].endswith(ts.replace(".", ""))
    gone = run(
        slack,
        {"operation": "delete", "select": "channel", "channelId": rl("C002"), "timestamp": ts},
    )
    assert gone[0] == {"ok": True, "channel": "C002", "message_timestamp": ts}
    with pytest.raises(NodeExecutionError) as info:
        run(slack, {"operation": "delete", "channelId": rl("C002"), "timestamp": ts})
    assert info.value.reason == 'Slack error response: "message_not_found"'


def test_search_pages_by_page_number_and_honours_limit(slack: FakeSlack) -> None:
    slack.messages["C007"] = [
        {"type": "message", "text": f"needle {i}", "ts": f"1600000000.{i:06d}"} for i in range(45)
    ]
    params = {"operation": "search", "query": "needle", "sort": "asc", "returnAll": True}
    every = run(slack, params, USER_TOKEN)
    assert [m["text"] for m in every] == [f"needle {i}" for i in range(45)]
    pages = [int(r.query["page"]) for r in slack.calls("/search.messages")[-3:]]
    assert pages == [1, 2, 3]
    some = run(slack, {**params, "returnAll": False, "limit": 5}, USER_TOKEN)
    assert len(some) == 5 and slack.calls("/search.messages")[-1].query["count"] == "5"
    with pytest.raises(NodeExecutionError, match="not_allowed_token_type"):
        run(slack, params)  # a bot token cannot search


def test_channel_get_all_follows_cursors_and_limit(slack: FakeSlack) -> None:
    before = len(slack.calls("/conversations.list"))
    every = run(slack, {"resource": "channel", "operation": "getAll", "returnAll": True})
    assert len(every) >= 7 and every[0]["id"] == "C001"
    calls = slack.calls("/conversations.list")[before:]
    assert len(calls) == -(-len(every) // 3) and "cursor" not in calls[0].query
    assert calls[1].query["cursor"] and calls[0].query["limit"] == "100"
    some = run(slack, {"resource": "channel", "operation": "getAll", "limit": 2})
    assert [c["id"] for c in some] == ["C001", "C002"]


def test_channel_get_create_and_membership(slack: FakeSlack) -> None:
    info = run(slack, {"resource": "channel", "operation": "get", "channelId": rl("C004")})
    assert info[0]["name"] == "chan-4"
    assert slack.calls("/conversations.info")[-1].query == {"channel": "C004"}
    made = run(
        slack,
        {
            "resource": "channel",
            "operation": "create",
            "channelId": "#launch",
            "channelVisibility": "private",
        },
    )
    assert made[0]["name"] == "launch" and made[0]["is_private"] is True
    with pytest.raises(NodeExecutionError, match='"name_taken"'):
        run(slack, {"resource": "channel", "operation": "create", "channelId": "launch"})
    cid = made[0]["id"]
    for op, extra, check in (
        ("join", {}, lambda o: o["id"] == cid),
        ("rename", {"name": "launch-2"}, lambda o: o["name"] == "launch-2"),
        ("setPurpose", {"purpose": "ship"}, lambda o: o["purpose"]["value"] == "ship"),
        ("setTopic", {"topic": "today"}, lambda o: o["topic"]["value"] == "today"),
        ("invite", {"userIds": ["U001", "U002"]}, lambda o: o["id"] == cid),
        ("kick", {"userId": "U002"}, lambda o: o == {"ok": True}),
        ("archive", {}, lambda o: o == {"ok": True}),
        ("unarchive", {}, lambda o: o == {"ok": True}),
        ("leave", {}, lambda o: o == {"ok": True}),
    ):
        out = run(slack, {"resource": "channel", "operation": op, "channelId": rl(cid), **extra})
        assert check(out[0]), (op, out)
    assert slack.calls("/conversations.invite")[-1].json == {"channel": cid, "users": "U001,U002"}


def test_history_and_replies(slack: FakeSlack) -> None:
    for i in range(5):
        post(slack, f"h{i}", channel="C005")
    parent = slack.messages["C005"][-1]["ts"]
    post(
        slack,
        "in thread",
        channel="C005",
        otherOptions={"thread_ts": {"replyValues": {"thread_ts": parent}}},
    )
    every = run(
        slack,
        {"resource": "channel", "operation": "history", "channelId": rl("C005"), "returnAll": True},
    )
    assert [m["text"] for m in every] == ["h4", "h3", "h2", "h1", "h0"]
    two = run(
        slack, {"resource": "channel", "operation": "history", "channelId": rl("C005"), "limit": 2}
    )
    assert [m["text"] for m in two] == ["h4", "h3"]
    replies = run(
        slack,
        {
            "resource": "channel",
            "operation": "replies",
            "channelId": rl("C005"),
            "ts": parent,
            "returnAll": True,
        },
    )
    assert [m["text"] for m in replies] == ["h0", "in thread"]
    oldest = run(
        slack,
        {
            "resource": "channel",
            "operation": "history",
            "channelId": rl("C005"),
            "returnAll": True,
            "filters": {"oldest": "2023-11-14T22:13:20Z"},
        },
    )
    assert slack.calls("/conversations.history")[-1].query["oldest"] == "1700000000.0"
    assert len(oldest) == 5


def test_reactions(slack: FakeSlack) -> None:
    ts = post(slack, "react to me")["message_timestamp"]
    base = {"resource": "reaction", "channelId": rl("C002"), "timestamp": ts, "name": "tada"}
    assert run(slack, {**base, "operation": "add"}) == [{"ok": True}]
    got = run(slack, {**base, "operation": "get"})
    assert got[0]["message"]["reactions"][0]["name"] == "tada"
    assert run(slack, {**base, "operation": "remove"}) == [{"ok": True}]
    with pytest.raises(NodeExecutionError, match='"no_reaction"'):
        run(slack, {**base, "operation": "remove"})


def test_users(slack: FakeSlack) -> None:
    info = run(slack, {"resource": "user", "operation": "info", "user": rl("U003")})
    assert info[0]["name"] == "user3"
    every = run(slack, {"resource": "user", "operation": "getAll", "returnAll": True})
    assert [u["id"] for u in every] == ["U001", "U002", "U003", "U004", "U005"]
    assert len(run(slack, {"resource": "user", "operation": "getAll", "limit": 1})) == 1
    presence = run(slack, {"resource": "user", "operation": "getPresence", "user": rl("U001")})
    assert presence[0]["presence"] == "active"


def test_invalid_token_fails_with_n8ns_slack_message(slack: FakeSlack) -> None:
    with pytest.raises(NodeExecutionError) as info:
        run(
            slack,
            {"select": "channel", "channelId": rl("C002"), "text": "x"},
            "xoxb-revoked",
            node_name="Tell",
        )
    assert str(info.value) == "node 'Tell', item 0: Slack error response: \"invalid_auth\""
    out = run(
        slack, {"select": "channel", "channelId": rl("C999"), "text": "x"}, continue_on_fail=True
    )
    assert out == [{"error": 'Slack error response: "channel_not_found"'}]


def test_oauth2_credential_signs_with_its_token(slack: FakeSlack) -> None:
    data = {"oauthTokenData": {"access_token": USER_TOKEN}, "baseUrl": f"{slack.url}/api"}
    out = run_node(
        TYPE,
        {"authentication": "oAuth2", "resource": "user", "operation": "info", "user": rl("U001")},
        {"slackOAuth2Api": {"id": "o", "name": "o", "data": data}},
        version=2.3,
    )
    assert out[0]["json"]["id"] == "U001"
    assert slack.calls("/users.info")[-1].headers["authorization"] == f"Bearer {USER_TOKEN}"


def test_429_waits_for_retry_after_then_succeeds(slack: FakeSlack) -> None:
    slack.rate_limit(1, retry_after=1)
    started = time.monotonic()
    assert post(slack, "patient")["ok"] is True
    # the retry came after the Retry-After second (a lower bound: sleeps never end early)
    assert time.monotonic() - started >= 1.0
    assert [r.json["text"] for r in slack.calls("/chat.postMessage")[-2:]] == ["patient", "patient"]


def test_429_that_persists_fails_after_bounded_retries(slack: FakeSlack) -> None:
    before = len(slack.calls("/users.info"))
    slack.rate_limit(10, retry_after=0)
    try:
        with pytest.raises(NodeExecutionError) as info:
            run(slack, {"resource": "user", "operation": "info", "user": rl("U001")})
        assert info.value.reason == "The service is receiving too many requests from you"
        assert len(slack.calls("/users.info")) - before == 4
    finally:
        slack.rate_limit(0)


def v1(fake: FakeSlack, params: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    return run(fake, params, version=1, **kw)


def test_v1_post_with_attachments_and_json_blocks(slack: FakeSlack) -> None:
    out = v1(
        slack,
        {
            "channel": "C002",
            "text": "v1 hello",
            "attachments": [
                {"title": "A", "fields": {"item": [{"title": "k", "value": "v", "short": True}]}}
            ],
            "otherOptions": {"mrkdwn": True},
        },
    )
    assert out[0]["ok"] is True and "ts" in out[0] and "message_timestamp" not in out[0]
    sent = slack.calls("/chat.postMessage")[-1].json
    assert sent == {
        "channel": "C002",
        "text": "v1 hello",
        "attachments": [{"title": "A", "fields": [{"title": "k", "value": "v", "short": True}]}],
        "mrkdwn": True,
    }
    blocks = '[{"type": "divider"}]'
    v1(slack, {"channel": "C002", "text": "b", "jsonParameters": True, "blocksJson": blocks})
    assert slack.calls("/chat.postMessage")[-1].json["blocks"] == blocks
    with pytest.raises(NodeExecutionError, match="Attachments it is not a valid json"):
        v1(slack, {"channel": "C002", "text": "b", "jsonParameters": True, "attachmentsJson": "[x"})


def test_v1_update_delete_reactions_channels_users(slack: FakeSlack) -> None:
    ts = v1(slack, {"channel": "C003", "text": "one"})[0]["ts"]
    upd = v1(slack, {"operation": "update", "channelId": "C003", "ts": ts, "text": "two"})
    assert upd[0]["text"] == "two"
    base = {"resource": "reaction", "channelId": "C003", "timestamp": ts, "name": "eyes"}
    assert v1(slack, {**base, "operation": "add"}) == [{"ok": True}]
    assert v1(slack, {**base, "operation": "get"})[0]["message"]["reactions"][0]["name"] == "eyes"
    link = v1(slack, {"operation": "getPermalink", "channelId": "C003", "timestamp": ts})
    assert link[0]["permalink"].startswith("https://fake.slack.com/")
    assert v1(slack, {"operation": "delete", "channelId": "C003", "timestamp": ts})[0]["ts"] == ts
    chans = v1(slack, {"resource": "channel", "operation": "getAll", "returnAll": True})
    assert len(chans) >= 7
    assert (
        v1(slack, {"resource": "channel", "operation": "get", "channelId": "C001"})[0]["name"]
        == "general"
    )
    assert (
        v1(slack, {"resource": "user", "operation": "info", "user": "U004"})[0]["name"] == "user4"
    )
    assert (
        v1(slack, {"resource": "user", "operation": "getPresence", "user": "U004"})[0]["presence"]
        == "active"
    )


def test_v1_error_quotes_the_whole_answer(slack: FakeSlack) -> None:
    with pytest.raises(NodeExecutionError) as info:
        v1(slack, {"channel": "C404", "text": "x"})
    assert info.value.reason == 'Slack error response: {"ok":false,"error":"channel_not_found"}'

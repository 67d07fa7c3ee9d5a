"""Discord 2 and 1 against a fake of the Discord HTTP API: messages, channels, members and
webhook messages with n8n's requests and items, the bot token, OAuth2's server checks,
before/after paging, Discord's errors and 429s."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.binary import put_binary
from hetumind.engine import run_workflow
from hetumind.errors import NodeExecutionError
from tests.fakes._base import serving
from tests.fakes.fake_discord import (
    BOT_TOKEN,
    GUILD,
    OAUTH_TOKEN,
    OTHER_GUILD,
    WEBHOOK_ID,
    WEBHOOK_TOKEN,
    FakeDiscord,
)
from tests.integrations.conftest import run_node

TYPE = "n8n-nodes-base.discord"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeDiscord]:
    with serving(FakeDiscord()) as fake:
        yield fake


@pytest.fixture
def discord(server: FakeDiscord) -> FakeDiscord:
    server.reset()
    server.rate_limit(0)
    return server


def bot(fake: FakeDiscord, token: str = BOT_TOKEN) -> dict[str, Any]:
    data = {"botToken": token, "baseUrl": f"{fake.url}/api/v10"}
    return {"discordBotApi": {"id": "d", "name": "bot", "data": data}}


def oauth(fake: FakeDiscord) -> dict[str, Any]:
    data = {
        "botToken": BOT_TOKEN,
        "baseUrl": f"{fake.url}/api/v10",
        "oauthTokenData": {"access_token": OAUTH_TOKEN, "token_type": "Bearer"},
    }
    return {"discordOAuth2Api": {"id": "o", "name": "oauth", "data": data}}


def hook_url(fake: FakeDiscord, token: str = WEBHOOK_TOKEN) -> str:
    return f"{fake.url}/api/webhooks/{WEBHOOK_ID}/{token}"


def webhook(fake: FakeDiscord, token: str = WEBHOOK_TOKEN) -> dict[str, Any]:
    data = {"webhookUri": hook_url(fake, token)}
    return {"discordWebhookApi": {"id": "w", "name": "hook", "data": data}}


def rl(value: str, mode: str = "id") -> dict[str, Any]:
    return {"__rl": True, "value": value, "mode": mode}


def run(
    fake: FakeDiscord,
    params: dict[str, Any],
    creds: dict[str, Any] | None = None,
    **kw: Any,
) -> list[dict[str, Any]]:
    kw.setdefault("version", 2)
    params = {"authentication": "botToken", "guildId": rl(GUILD), **params}
    return [o["json"] for o in run_node(TYPE, params, creds or bot(fake), **kw)]


def send(channel: str, **params: Any) -> dict[str, Any]:
    return {"resource": "message", "operation": "send", "channelId": rl(channel), **params}


def test_message_send_with_options_and_embeds(discord: FakeDiscord) -> None:
    channel = discord.add_channel("general")["id"]
    first = discord.add_message(channel, "earlier")
    out = run(
        discord,
        send(
            channel,
            content="Hello",
            options={
                "flags": ["SUPPRESS_EMBEDS", "SUPPRESS_NOTIFICATIONS"],
                "message_reference": first["id"],
                "tts": True,
            },
            embeds={
                "values": [
                    {
                        "inputMethod": "fields",
                        "title": "T",
                        "color": "#ff0000",
                        "author": "Ada",
                        "image": "https://x.io/a.png",
                        "url": "",
                    },
                    {"inputMethod": "json", "json": '{"description": "raw"}'},
                    {"inputMethod": "fields", "title": ""},
                ]
            },
        ),
    )
    assert out[0]["content"] == "Hello" and out[0]["channel_id"] == channel
    call = discord.calls()[-1]
    assert call.path == f"/api/v10/channels/{channel}/messages"
    assert call.headers["authorization"] == f"Bot {BOT_TOKEN}"
    assert call.json == {
        "content": "Hello",
        "flags": 4100,
        "message_reference": {"message_id": first["id"], "guild_id": GUILD},
        "tts": True,
        "embeds": [
            {
                "title": "T",
                "color": 0xFF0000,
                "author": {"name": "Ada"},
                "image": {"url": "https://x.io/a.png"},
            },
            {"description": "raw"},
        ],
    }


def test_message_send_with_files_and_to_a_user(discord: FakeDiscord) -> None:
    channel = discord.add_channel("general")["id"]
    entry = put_binary(b"PNGDATA", mime_type="image/png", file_name="pic")
    run(
        discord,
        send(channel, content="file", files={"values": [{"inputFieldName": "img"}]}),
        items=[{"json": {}, "binary": {"img": entry}}],
    )
    assert discord.uploads == [("files[0]", "pic.png", b"PNGDATA")]
    payload = json.loads(discord.calls()[-1].form["payload_json"])
    assert payload == {"content": "file", "attachments": [{"id": 0, "filename": "pic.png"}]}

    member = discord.add_member("ada")
    dm = run(
        discord,
        {
            "resource": "message",
            "operation": "send",
            "sendTo": "user",
            "userId": rl(member["user"]["id"]),
            "content": "psst",
        },
    )
    create, post = discord.log[-2:]
    assert create.path == "/api/v10/users/@me/channels"
    assert create.json == {"recipient_id": member["user"]["id"]}
    assert post.path == f"/api/v10/channels/{dm[0]['channel_id']}/messages"


def test_message_errors_carry_discords_words(discord: FakeDiscord) -> None:
    channel = discord.add_channel("general")["id"]
    with pytest.raises(NodeExecutionError) as info:
        run(discord, send(channel, content=""))
    assert info.value.reason == "Cannot send an empty message"
    assert info.value.description.startswith("Something has to be send")  # type: ignore[attr-defined]
    out = run(discord, send("999", content="x"), continue_on_fail=True)
    assert out == [{"error": "Unknown Channel"}]
    with pytest.raises(NodeExecutionError) as bad:
        run(discord, send(channel, content="x"), creds=bot(discord, "wrong"))
    assert bad.value.reason == "401: Unauthorized"
    assert bad.value.http_code == 401  # type: ignore[attr-defined]


def test_message_get_all_pages_with_before_and_simplifies(discord: FakeDiscord) -> None:
    channel = discord.add_channel("general")["id"]
    ids = [discord.add_message(channel, f"m{n}")["id"] for n in range(230)]
    before = len(discord.log)
    every = run(
        discord,
        {
            "resource": "message",
            "operation": "getAll",
            "channelId": rl(channel),
            "returnAll": True,
            "options": {"simplify": True},
        },
    )
    assert len(every) == 230 and every[0]["content"] == "m229" and every[-1]["content"] == "m0"
    assert set(every[0]) == {"id", "channel_id", "author", "content", "timestamp", "type"}
    calls = discord.log[before:]
    assert [c.query.get("before") for c in calls] == [None, ids[130], ids[30], ids[0]]
    assert all(c.query["limit"] == "100" for c in calls)
    some = run(
        discord,
        {"resource": "message", "operation": "getAll", "channelId": rl(channel), "limit": 3},
    )
    assert [m["content"] for m in some] == ["m229", "m228", "m227"] and "embeds" in some[0]


def test_message_get_react_delete(discord: FakeDiscord) -> None:
    channel = discord.add_channel("general")["id"]
    msg = discord.add_message(channel, "hi")
    url = f"https://discord.com/channels/{GUILD}/{channel}"
    got = run(
        discord,
        {
            "resource": "message",
            "operation": "get",
            "channelId": rl(url, "url"),
            "messageId": msg["id"],
            "options": {"simplify": True},
        },
    )
    assert got == [
        {k: msg[k] for k in ("id", "channel_id", "author", "content", "timestamp", "type")}
    ]
    reacted = run(
        discord,
        {
            "resource": "message",
            "operation": "react",
            "channelId": rl(channel),
            "messageId": msg["id"],
            "emoji": "👍",
        },
    )
    assert reacted == [{"success": True}] and discord.reactions == [(channel, msg["id"], "👍")]
    assert "%F0%9F%91%8D" in discord.calls()[-1].path
    out = run(
        discord,
        {
            "resource": "message",
            "operation": "react",
            "channelId": rl(channel),
            "messageId": msg["id"],
            "emoji": "nope",
        },
        continue_on_fail=True,
    )
    assert out == [{"error": "Unknown Emoji"}]
    gone = run(
        discord,
        {
            "resource": "message",
            "operation": "deleteMessage",
            "channelId": rl(channel),
            "messageId": msg["id"],
        },
    )
    assert gone == [{"success": True}] and discord.messages[channel] == []


def test_channel_create_get_get_all_update_delete(discord: FakeDiscord) -> None:
    category = discord.add_channel("cat", kind=4)["id"]
    made = run(
        discord,
        {
            "resource": "channel",
            "operation": "create",
            "name": "news",
            "type": "0",
            "options": {"topic": "all the news", "categoryId": rl(category), "nsfw": False},
        },
    )
    assert made[0]["name"] == "news" and made[0]["parent_id"] == category
    assert discord.calls()[-1].json == {
        "name": "news",
        "type": "0",
        "topic": "all the news",
        "nsfw": False,
        "parent_id": category,
    }
    cid = made[0]["id"]
    got = run(discord, {"resource": "channel", "operation": "get", "channelId": rl(cid)})
    assert got[0]["topic"] == "all the news"
    upd = run(
        discord,
        {
            "resource": "channel",
            "operation": "update",
            "channelId": rl(cid),
            "name": "daily-news",
            "options": {"position": 3},
        },
    )
    assert upd[0]["name"] == "daily-news" and upd[0]["position"] == 3
    discord.add_channel("voice", kind=2)
    two: list[dict[str, Any]] = [{"json": {}}, {"json": {}}]
    listed = run(
        discord, {"resource": "channel", "operation": "getAll", "returnAll": True}, items=two
    )
    assert len(listed) == 3  # once per run, as n8n
    texts = run(
        discord,
        {"resource": "channel", "operation": "getAll", "limit": 2, "options": {"filter": [0]}},
    )
    assert [c["name"] for c in texts] == ["daily-news"]
    gone = run(discord, {"resource": "channel", "operation": "deleteChannel", "channelId": rl(cid)})
    assert gone[0]["id"] == cid and cid not in discord.channels
    with pytest.raises(NodeExecutionError) as info:
        run(discord, {"resource": "channel", "operation": "getAll", "guildId": rl("1")})
    assert info.value.reason == "Unknown Guild"


def test_members_get_all_and_roles(discord: FakeDiscord) -> None:
    members = [discord.add_member(f"u{n}") for n in range(150)]
    before = len(discord.log)
    every = run(
        discord,
        {
            "resource": "member",
            "operation": "getAll",
            "returnAll": True,
            "options": {"simplify": True},
        },
    )
    assert len(every) == 150 and set(every[0]) == {"user", "roles", "permissions"}
    calls = discord.log[before:]
    assert [c.query.get("after") for c in calls] == [
        None,
        members[99]["user"]["id"],
        members[149]["user"]["id"],
    ]
    some = run(
        discord,
        {
            "resource": "member",
            "operation": "getAll",
            "limit": 2,
            "after": members[10]["user"]["id"],
        },
    )
    assert [m["user"]["username"] for m in some] == ["u11", "u12"]
    uid = members[0]["user"]["id"]
    roles = ["400000000000000001", "400000000000000002"]
    added = run(
        discord,
        {"resource": "member", "operation": "roleAdd", "userId": rl(uid), "role": roles},
    )
    assert added == [{"success": True}] and members[0]["roles"] == roles
    assert [c.method for c in discord.log[-2:]] == ["PUT", "PUT"]
    run(
        discord,
        {"resource": "member", "operation": "roleRemove", "userId": rl(uid), "role": roles[:1]},
    )
    assert members[0]["roles"] == roles[1:]
    out = run(
        discord,
        {"resource": "member", "operation": "roleAdd", "userId": rl(uid), "role": ["1"]},
        continue_on_fail=True,
    )
    assert out == [{"error": "Unknown Role"}]


def test_oauth2_checks_the_users_servers(discord: FakeDiscord) -> None:
    channel = discord.add_channel("general")["id"]
    params = send(channel, content="hi", authentication="oAuth2")
    out = run(discord, params, creds=oauth(discord))
    assert out[0]["content"] == "hi"
    guilds, lookup, post = discord.log[-3:]
    assert guilds.path == "/api/v10/users/@me/guilds"
    assert guilds.headers["authorization"] == f"Bearer {OAUTH_TOKEN}"
    assert lookup.path == f"/api/v10/channels/{channel}" and lookup.method == "GET"
    assert post.headers["authorization"] == f"Bot {BOT_TOKEN}"
    with pytest.raises(NodeExecutionError, match=f"access to the guild with the id {OTHER_GUILD}"):
        run(discord, {**params, "guildId": rl(OTHER_GUILD)}, creds=oauth(discord))
    foreign = discord.add_channel("elsewhere", guild=OTHER_GUILD)["id"]
    with pytest.raises(NodeExecutionError, match=f"access to the guild with the id {OTHER_GUILD}"):
        run(discord, send(foreign, content="x", authentication="oAuth2"), creds=oauth(discord))
    with pytest.raises(NodeExecutionError, match="Could not find server for channel"):
        run(discord, send("123", content="x", authentication="oAuth2"), creds=oauth(discord))


def test_webhook_send_in_version_2(discord: FakeDiscord) -> None:
    params = {
        "authentication": "webhook",
        "operation": "sendLegacy",
        "content": "from hook",
        "options": {"username": "n8n", "avatar_url": "https://x.io/a.png", "wait": True},
    }
    out = [o["json"] for o in run_node(TYPE, params, webhook(discord), version=2)]
    assert out[0]["content"] == "from hook" and out[0]["webhook_id"] == WEBHOOK_ID
    call = discord.calls()[-1]
    assert call.query == {"wait": "true"}
    assert call.json == {
        "content": "from hook",
        "username": "n8n",
        "avatar_url": "https://x.io/a.png",
    }
    quiet = [
        o["json"] for o in run_node(TYPE, {**params, "options": {}}, webhook(discord), version=2)
    ]
    assert quiet == [{"success": True}]  # Discord answers 204 without wait
    with pytest.raises(NodeExecutionError) as info:
        run_node(TYPE, params, webhook(discord, "bad"), version=2)
    assert info.value.reason == "Invalid Webhook Token"


def test_rate_limit_is_waited_for_then_fails(discord: FakeDiscord) -> None:
    channel = discord.add_channel("general")["id"]
    discord.rate_limit(2, retry_after=0)
    out = run(discord, {"resource": "channel", "operation": "get", "channelId": rl(channel)})
    assert out[0]["id"] == channel and len(discord.log) == 3
    discord.rate_limit(10, retry_after=0)
    with pytest.raises(NodeExecutionError) as info:
        run(discord, {"resource": "channel", "operation": "get", "channelId": rl(channel)})
    assert info.value.reason == "You are being rate limited."
    assert info.value.http_code == 429  # type: ignore[attr-defined]
    discord.rate_limit(0)


def test_version_1_webhook_node(discord: FakeDiscord) -> None:
    params = {
        "webhookUri": hook_url(discord),
        "text": "={{ $json.msg }}",
        "options": {
            "username": "bot",
            "embeds": '[{"title": "E"}]',
            "tts": False,
            "allowedMentions": '{"parse": []}',
        },
    }
    out = run_node(TYPE, params, {}, items=[{"json": {"msg": "a"}}, {"json": {"msg": "b"}}])
    assert [o["json"] for o in out] == [{"success": True}, {"success": True}]
    assert discord.webhook_posts[-1] == {
        "content": "b",
        "embeds": [{"title": "E"}],
        "username": "bot",
        "allowed_mentions": {"parse": []},
    }
    with pytest.raises(NodeExecutionError, match="Either content or embeds must be set"):
        run_node(TYPE, {**params, "text": "", "options": {}}, {})
    with pytest.raises(NodeExecutionError, match="Embeds must be valid JSON"):
        run_node(TYPE, {**params, "options": {"embeds": "{nope"}}, {})
    with pytest.raises(NodeExecutionError, match="Webhook uri is required"):
        run_node(TYPE, {**params, "webhookUri": ""}, {})
    discord.rate_limit(1, retry_after=0)
    assert run_node(TYPE, params, {})[0]["json"] == {"success": True}
    discord.rate_limit(10, retry_after=0)
    with pytest.raises(NodeExecutionError, match="Max amount of rate-limit retries reached"):
        run_node(TYPE, params, {})
    discord.rate_limit(0)
    with pytest.raises(NodeExecutionError) as info:
        run_node(TYPE, {**params, "webhookUri": hook_url(discord, "bad")}, {})
    assert info.value.reason == "Authorization failed - please check your credentials"
    assert info.value.description == "Invalid Webhook Token"  # type: ignore[attr-defined]


def test_an_exported_workflow_runs_inline(discord: FakeDiscord) -> None:
    channel = discord.add_channel("general")["id"]
    workflow = {
        "name": "dc",
        "nodes": [
            {
                "id": "1",
                "name": "Start",
                "type": "n8n-nodes-base.manualTrigger",
                "typeVersion": 1,
                "position": [0, 0],
                "parameters": {},
            },
            {
                "id": "2",
                "name": "Discord",
                "type": "n8n-nodes-base.discord",
                "typeVersion": 2,
                "position": [200, 0],
                "parameters": {
                    "resource": "message",
                    "guildId": rl(GUILD, "list"),
                    "channelId": rl(f"https://discord.com/channels/{GUILD}/{channel}", "url"),
                    "content": "={{ 'run ' + $execution.id }}",
                    "options": {},
                },
                "credentials": {"discordBotApi": bot(discord)["discordBotApi"]},
            },
        ],
        "connections": {"Start": {"main": [[{"node": "Discord", "type": "main", "index": 0}]]}},
    }
    result = run_workflow(workflow, backend="inline").to_json()
    assert result["status"] == "success", result
    (message,) = result["runData"]["Discord"][0]["outputs"][0]
    assert message["content"] == f"run {result['executionId']}"
    assert message["channel_id"] == channel


def test_webhook_send_with_a_file(discord: FakeDiscord) -> None:
    entry = put_binary(b"hello", mime_type="text/plain", file_name="note.txt")
    params = {
        "authentication": "webhook",
        "operation": "sendLegacy",
        "content": "see file",
        "files": {"values": [{"inputFieldName": "data"}]},
    }
    out = run_node(
        TYPE, params, webhook(discord), version=2, items=[{"json": {}, "binary": {"data": entry}}]
    )
    assert out[0]["json"] == {"success": True}
    assert discord.uploads == [("files[0]", "note.txt", b"hello")]
    assert discord.webhook_posts[-1] == {
        "content": "see file",
        "attachments": [{"id": 0, "filename": "note.txt"}],
    }
    with pytest.raises(NodeExecutionError, match="does not contain binary data on property data"):
        run_node(TYPE, params, webhook(discord), version=2)


def test_bad_embeds_and_reply_targets_get_n8ns_texts(discord: FakeDiscord) -> None:
    channel = discord.add_channel("general")["id"]
    embeds = {"values": [{"inputMethod": "json", "json": '{"color": "red", "url": "x"}'}]}
    with pytest.raises(NodeExecutionError) as info:
        run(discord, send(channel, content="x", embeds=embeds))
    assert info.value.reason == "The parameters Color, Url are not properly formatted"
    assert info.value.description == "Review the formatting or clear it"  # type: ignore[attr-defined]
    one = {"values": [{"inputMethod": "fields", "url": "nope", "title": "t"}]}
    with pytest.raises(NodeExecutionError, match="The parameter Url is not properly formatted"):
        run(discord, send(channel, content="x", embeds=one))
    out = run(
        discord,
        send(channel, content="x", options={"message_reference": "1"}),
        continue_on_fail=True,
    )
    assert out[0]["error"] == "The message to reply to ID can't be found"
    assert out[0]["description"].startswith('Check the "Message to Reply to" parameter')

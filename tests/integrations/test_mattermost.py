"""Mattermost 1 against a fake of its API v4: every operation with n8n's requests and
items, page / per_page paging with returnAll and limit, Mattermost's errors (expired
session, not found), n8n's parameter checks, and 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.errors import NodeExecutionError
from hetumind.integrations.errors import NodeApiError
from tests.fakes._base import serving
from tests.fakes.fake_mattermost import ME, TEAM, TOKEN, FakeMattermost
from tests.integrations.conftest import run_node

TYPE = "n8n-nodes-base.mattermost"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeMattermost]:
    with serving(FakeMattermost()) as fake:
        yield fake


@pytest.fixture
def mm(server: FakeMattermost) -> FakeMattermost:
    server.reset()
    server.rate_limit(0)
    return server


def creds(fake: FakeMattermost, token: str = TOKEN, **extra: Any) -> dict[str, Any]:
    data = {"accessToken": token, "baseUrl": fake.url, **extra}
    return {"mattermostApi": {"id": "m", "name": "mm", "data": data}}


def run(fake: FakeMattermost, params: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    token = kw.pop("token", TOKEN)
    return [o["json"] for o in run_node(TYPE, params, creds(fake, token), **kw)]


# -- messages -------------------------------------------------------------------------------


def test_post_message_with_attachments_and_options(mm: FakeMattermost) -> None:
    chan = mm.add_channel("town-square")
    out = run(
        mm,
        {
            "channelId": chan["id"],
            "message": "Hello",
            "attachments": [
                {
                    "text": "att",
                    "fields": {"item": [{"title": "a", "value": "1", "short": True}]},
                    "actions": {
                        "item": [
                            {
                                "type": "button",
                                "name": "Go",
                                "data_source": "custom",
                                "integration": {
                                    "item": {
                                        "url": "https://x.io/hook",
                                        "context": {"property": [{"name": "k", "value": "v"}]},
                                    }
                                },
                            }
                        ]
                    },
                },
                {"text": "bare", "fields": {}},
            ],
            "otherOptions": {"root_id": ""},
        },
    )
    req = mm.calls("/api/v4/posts")[0]
    assert req.headers["authorization"] == f"Bearer {TOKEN}"
    assert req.json == {
        "channel_id": chan["id"],
        "message": "Hello",
        "props": {
            "attachments": [
                {
                    "text": "att",
                    "fields": [{"title": "a", "value": "1", "short": True}],
                    "actions": [
                        {
                            "name": "Go",
                            "integration": {"url": "https://x.io/hook", "context": {"k": "v"}},
                        }
                    ],
                },
                {"text": "bare"},
            ]
        },
        "root_id": "",
    }
    assert out[0]["message"] == "Hello" and out[0]["channel_id"] == chan["id"]


def test_post_ephemeral_and_delete(mm: FakeMattermost) -> None:
    chan = mm.add_channel("dev")
    eph = run(
        mm,
        {
            "resource": "message",
            "operation": "postEphemeral",
            "userId": ME,
            "channelId": chan["id"],
            "message": "psst",
        },
    )
    assert mm.log[-1].json == {"user_id": ME, "post": {"channel_id": chan["id"], "message": "psst"}}
    assert eph[0]["message"] == "psst"
    post = run(mm, {"channelId": chan["id"], "message": "bye"})[0]
    gone = run(mm, {"resource": "message", "operation": "delete", "postId": post["id"]})
    assert gone == [{"status": "OK"}] and mm.log[-1].method == "DELETE"
    with pytest.raises(NodeApiError) as err:
        run(mm, {"resource": "message", "operation": "del", "postId": post["id"]})
    assert err.value.http_code == 404
    assert err.value.reason == "The resource you are requesting could not be found"
    assert err.value.description == "Unable to find the existing post."


# -- channels -------------------------------------------------------------------------------


def test_channel_create_delete_restore_statistics(mm: FakeMattermost) -> None:
    made = run(
        mm,
        {
            "resource": "channel",
            "operation": "create",
            "teamId": TEAM,
            "displayName": "Ops Room",
            "channel": "ops",
            "type": "private",
        },
    )[0]
    assert mm.log[-1].json == {
        "team_id": TEAM,
        "display_name": "Ops Room",
        "name": "ops",
        "type": "P",
    }
    cid = made["id"]
    assert run(mm, {"resource": "channel", "operation": "delete", "channelId": cid}) == [
        {"status": "OK"}
    ]
    restored = run(mm, {"resource": "channel", "operation": "restore", "channelId": cid})[0]
    assert restored["delete_at"] == 0 and mm.log[-1].path == f"/api/v4/channels/{cid}/restore"
    stats = run(mm, {"resource": "channel", "operation": "statistics", "channelId": cid})
    assert stats == [{"channel_id": cid, "member_count": 0}]


def test_channel_add_user_and_members(mm: FakeMattermost) -> None:
    chan = mm.add_channel("many")
    users = [mm.add_user(f"user{i:03}", f"u{i}@x.io") for i in range(130)]
    added = run(
        mm,
        {
            "resource": "channel",
            "operation": "addUser",
            "channelId": chan["id"],
            "userId": users[0]["id"],
        },
    )
    assert added[0]["user_id"] == users[0]["id"]
    mm.members[chan["id"]].extend(u["id"] for u in users[1:])
    resolved = run(
        mm,
        {
            "resource": "channel",
            "operation": "members",
            "channelId": chan["id"],
            "returnAll": False,
            "limit": 3,
            "resolveData": True,
        },
    )
    assert [u["username"] for u in resolved] == ["user000", "user001", "user002"]
    assert mm.log[-2].query["per_page"] == "3"
    assert mm.log[-1].path == "/api/v4/users/ids" and len(mm.log[-1].json) == 3
    mm.log.clear()
    every = run(
        mm,
        {
            "resource": "channel",
            "operation": "members",
            "channelId": chan["id"],
            "returnAll": True,
            "resolveData": True,
        },
    )
    assert len(every) == 130 and "user_id" in every[0]
    assert [(r.query["page"], r.query["per_page"]) for r in mm.log] == [
        ("0", "100"),
        ("1", "100"),
        ("2", "100"),
    ]


def test_channel_search_limit(mm: FakeMattermost) -> None:
    for name in ("alpha-1", "alpha-2", "alpha-3", "beta"):
        mm.add_channel(name)
    found = run(
        mm,
        {
            "resource": "channel",
            "operation": "search",
            "teamId": TEAM,
            "term": "alpha",
            "returnAll": False,
            "limit": 2,
        },
    )
    assert [c["name"] for c in found] == ["alpha-1", "alpha-2"]
    assert mm.log[-1].path == f"/api/v4/teams/{TEAM}/channels/search"
    assert mm.log[-1].json == {"term": "alpha"}
    every = run(
        mm,
        {
            "resource": "channel",
            "operation": "search",
            "teamId": TEAM,
            "term": "alpha",
            "returnAll": True,
        },
    )
    assert len(every) == 3


# -- reactions ------------------------------------------------------------------------------


def test_reaction_create_get_all_delete(mm: FakeMattermost) -> None:
    chan = mm.add_channel("r")
    post = run(mm, {"channelId": chan["id"], "message": "react"})[0]
    made = run(
        mm,
        {
            "resource": "reaction",
            "operation": "create",
            "userId": ME,
            "postId": post["id"],
            "emojiName": ":thumbsup:",
        },
    )[0]
    sent = mm.log[-1].json
    assert sent["emoji_name"] == "thumbsup" and sent["user_id"] == ME
    assert isinstance(sent["create_at"], int) and made["post_id"] == post["id"]
    listed = run(mm, {"resource": "reaction", "operation": "getAll", "postId": post["id"]})
    assert [r["emoji_name"] for r in listed] == ["thumbsup"]
    gone = run(
        mm,
        {
            "resource": "reaction",
            "operation": "delete",
            "userId": ME,
            "postId": post["id"],
            "emojiName": "thumbsup",
        },
    )
    assert gone == [{"status": "OK"}]
    assert mm.log[-1].path == f"/api/v4/users/{ME}/posts/{post['id']}/reactions/thumbsup"
    assert run(mm, {"resource": "reaction", "operation": "getAll", "postId": post["id"]}) == []


# -- users ----------------------------------------------------------------------------------


def test_user_create_by_email_and_by_auth_data(mm: FakeMattermost) -> None:
    made = run(
        mm,
        {
            "resource": "user",
            "operation": "create",
            "username": "ada",
            "authService": "email",
            "email": "ada@x.io",
            "password": "s3cret!",
            "additionalFields": {
                "first_name": "Ada",
                "notificationUi": {"notificationValues": {"email": "true"}},
            },
        },
    )[0]
    assert mm.log[-1].json == {
        "auth_service": "email",
        "username": "ada",
        "first_name": "Ada",
        "notificationUi": {"notificationValues": {"email": "true"}},
        "notify_props": {"email": "true"},
        "email": "ada@x.io",
        "password": "s3cret!",
    }
    assert made["username"] == "ada"
    run(
        mm,
        {
            "resource": "user",
            "operation": "create",
            "username": "bob",
            "authService": "gitlab",
            "authData": "gitlab-42",
        },
    )
    assert mm.log[-1].json == {
        "auth_service": "gitlab",
        "username": "bob",
        "auth_data": "gitlab-42",
    }


def test_user_get_all_pages_and_sort_rules(mm: FakeMattermost) -> None:
    for i in range(150):
        mm.add_user(f"z{i:03}", f"z{i}@x.io")
    every = run(mm, {"resource": "user", "operation": "getAll", "returnAll": True})
    assert len(every) == 151
    assert [r.query["page"] for r in mm.calls("/api/v4/users")] == ["0", "1", "2"]
    mm.log.clear()
    some = run(
        mm,
        {
            "resource": "user",
            "operation": "getAll",
            "returnAll": False,
            "limit": 5,
            "additionalFields": {"inTeam": TEAM, "sort": "lastActivityAt"},
        },
    )
    assert len(some) == 5
    assert mm.log[0].query == {"in_team": TEAM, "sort": "last_activity_at", "per_page": "5"}
    with pytest.raises(NodeExecutionError, match="either 'in team' or 'in channel'"):
        run(mm, {"resource": "user", "operation": "getAll", "additionalFields": {"sort": "status"}})
    with pytest.raises(
        NodeExecutionError, match="When In Team is set the only valid values for sorting are"
    ):
        run(
            mm,
            {
                "resource": "user",
                "operation": "getAll",
                "additionalFields": {"inTeam": TEAM, "sort": "status"},
            },
        )


def test_user_get_by_email_ids_deactivate_invite(mm: FakeMattermost) -> None:
    bob = mm.add_user("bob", "bob@x.io")
    got = run(mm, {"resource": "user", "operation": "getByEmail", "email": "bob@x.io"})
    assert got[0]["id"] == bob["id"]
    many = run(
        mm,
        {
            "resource": "user",
            "operation": "getById",
            "userIds": f"{bob['id']},{ME}",
            "additionalFields": {"since": "2024-01-01T00:00:00Z"},
        },
    )
    assert {u["id"] for u in many} == {bob["id"], ME}
    assert mm.log[-1].json == [bob["id"], ME] and mm.log[-1].query["since"] == "1704067200000"
    gone = run(mm, {"resource": "user", "operation": "deactive", "userId": bob["id"]})
    assert gone == [{"status": "OK"}] and mm.users[bob["id"]]["delete_at"] > 0
    run(mm, {"resource": "user", "operation": "desactive", "userId": ME})
    invited = run(
        mm,
        {"resource": "user", "operation": "invite", "teamId": TEAM, "emails": "a@x.io,b@x.io"},
    )
    assert invited == [{"status": "OK"}] and mm.invited == ["a@x.io", "b@x.io"]


# -- auth, errors, rate limits --------------------------------------------------------------


def test_bad_token_is_authorization_failed(mm: FakeMattermost) -> None:
    with pytest.raises(NodeApiError) as err:
        run(mm, {"resource": "user", "operation": "getByEmail", "email": "x@x.io"}, token="bad")
    assert err.value.http_code == 401
    assert err.value.reason == "Authorization failed - please check your credentials"
    assert err.value.description == "Invalid or expired session, please login again."


def test_missing_parameter_names_node_and_item(mm: FakeMattermost) -> None:
    with pytest.raises(NodeExecutionError) as err:
        run(mm, {"resource": "channel", "operation": "statistics"}, node_name="MM")
    assert "'channelId' is required" in str(err.value) and err.value.item_index == 0
    assert mm.log == []


def test_continue_on_fail(mm: FakeMattermost) -> None:
    out = run(
        mm,
        {"resource": "channel", "operation": "statistics", "channelId": "nope"},
        continue_on_fail=True,
    )
    assert out == [{"error": "The resource you are requesting could not be found"}]


def test_429_waits_for_retry_after_then_bounded(mm: FakeMattermost) -> None:
    mm.rate_limit(1, retry_after=1)
    out = run(mm, {"resource": "user", "operation": "getByEmail", "email": "admin@example.com"})
    assert out[0]["id"] == ME and len(mm.log) == 2
    mm.log.clear()
    mm.rate_limit(10, retry_after=0)
    with pytest.raises(NodeApiError) as err:
        run(mm, {"resource": "user", "operation": "getByEmail", "email": "admin@example.com"})
    assert err.value.reason == "The service is receiving too many requests from you"
    assert len(mm.log) == 4


def test_missing_base_url_is_a_clear_error(mm: FakeMattermost) -> None:
    with pytest.raises(NodeExecutionError, match="has no 'baseUrl'"):
        run_node(
            TYPE,
            {"channelId": "c", "message": "x"},
            {
                "mattermostApi": {
                    "id": "m",
                    "name": "mm",
                    "data": {"accessToken": TOKEN, "baseUrl": ""},
                }
            },
        )


def test_allow_unauthorized_certs_turns_verification_off(
    mm: FakeMattermost, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hetumind.integrations import client as client_module

    seen: list[bool] = []
    real_send = client_module.send

    def spy(spec: Any) -> Any:
        seen.append(spec.transport.verify)
        return real_send(spec)

    monkeypatch.setattr(client_module, "send", spy)
    out = run_node(
        TYPE,
        {"resource": "user", "operation": "getByEmail", "email": "admin@example.com"},
        creds(mm, allowUnauthorizedCerts=True),
    )
    assert out[0]["json"]["id"] == ME and seen == [False]
    seen.clear()
    run(mm, {"resource": "user", "operation": "getByEmail", "email": "admin@example.com"})
    assert seen == [True]


def test_n8n_defaults_when_an_export_leaves_them_out(mm: FakeMattermost) -> None:
    """returnAll defaults to true for users getAll, channel members and reactions."""
    chan = mm.add_channel("defaults", members=[ME])
    users = run(mm, {"resource": "user", "operation": "getAll"})
    assert len(users) == 1 and mm.log[-1].query == {"page": "1", "per_page": "100"}
    members = run(mm, {"resource": "channel", "operation": "members", "channelId": chan["id"]})
    assert members == [{"channel_id": chan["id"], "user_id": ME, "roles": "channel_user"}]
    post = run(mm, {"channelId": chan["id"], "message": "x"})[0]
    for emoji in ("a", "b", "c"):
        mm.reactions.append(
            {"user_id": ME, "post_id": post["id"], "emoji_name": emoji, "create_at": 1}
        )
    every = run(mm, {"resource": "reaction", "operation": "getAll", "postId": post["id"]})
    assert len(every) == 3
    two = run(
        mm,
        {
            "resource": "reaction",
            "operation": "getAll",
            "postId": post["id"],
            "returnAll": False,
            "limit": 2,
        },
    )
    assert [r["emoji_name"] for r in two] == ["a", "b"]


def test_exported_workflow_runs_inline(mm: FakeMattermost) -> None:
    from hetumind.engine import run_workflow

    chan = mm.add_channel("wf")
    workflow = {
        "name": "mattermost",
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
                "name": "Mattermost",
                "type": TYPE,
                "typeVersion": 1,
                "position": [200, 0],
                "parameters": {
                    "channelId": chan["id"],
                    "message": "={{ 'built ' + 'ok' }}",
                    "attachments": [],
                    "otherOptions": {},
                },
                "credentials": {"mattermostApi": creds(mm)["mattermostApi"]},
            },
        ],
        "connections": {"Start": {"main": [[{"node": "Mattermost", "type": "main", "index": 0}]]}},
    }
    result = run_workflow(workflow, backend="inline").to_json()
    assert result["status"] == "success", result
    assert mm.calls("/api/v4/posts")[0].json["message"] == "built ok"

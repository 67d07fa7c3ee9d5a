"""WordPress 1 against a fake of the WordPress REST API: post, page and user operations
with n8n's bodies, basic auth with the application password, X-WP-TotalPages paging with
returnAll / limit, WordPress's errors and a host's 429."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.engine import run_workflow
from hetumind.errors import NodeExecutionError
from tests.fakes._base import serving
from tests.fakes.fake_wordpress import APP_PASSWORD, USER, FakeWordPress
from tests.integrations.conftest import run_node

TYPE = "n8n-nodes-base.wordpress"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeWordPress]:
    with serving(FakeWordPress()) as fake:
        yield fake


@pytest.fixture
def wp(server: FakeWordPress) -> FakeWordPress:
    server.reset()
    server.rate_limit(0)
    return server


def creds(fake: FakeWordPress, password: str = APP_PASSWORD) -> dict[str, Any]:
    return {
        "wordpressApi": {
            "id": "w",
            "name": "wp",
            "data": {"username": USER, "password": password, "url": fake.url + "/"},
        }
    }


def run(fake: FakeWordPress, params: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    password = kw.pop("password", APP_PASSWORD)
    return [o["json"] for o in run_node(TYPE, params, creds(fake, password), **kw)]


def test_post_create_sends_n8ns_fields_with_basic_auth(wp: FakeWordPress) -> None:
    out = run(
        wp,
        {
            "resource": "post",
            "operation": "create",
            "title": "Hello",
            "additionalFields": {
                "authorId": 1,
                "content": "<p>Hi</p>",
                "status": "publish",
                "commentStatus": "closed",
                "sticky": True,
                "categories": [1, 2],
                "postTemplate": {"values": {"template": "wide.php"}},
                "format": "aside",
                "slug": "",
            },
        },
    )
    assert out[0]["title"] == {"rendered": "Hello"} and out[0]["status"] == "publish"
    call = wp.calls()[-1]
    assert call.method == "POST" and call.path == "/wp-json/wp/v2/posts"
    assert call.json == {
        "title": "Hello",
        "author": 1,
        "content": "<p>Hi</p>",
        "status": "publish",
        "comment_status": "closed",
        "sticky": True,
        "template": "wide.php",
        "categories": [1, 2],
        "format": "aside",
    }
    assert (
        call.headers["authorization"]
        == "Basic " + base64.b64encode(f"{USER}:{APP_PASSWORD}".encode()).decode()
    )
    assert call.headers["user-agent"] == "n8n"


def test_post_get_update_delete(wp: FakeWordPress) -> None:
    post = wp.add("posts", "First", password="pw")
    got = run(
        wp,
        {
            "resource": "post",
            "operation": "get",
            "postId": str(post["id"]),
            "options": {"password": "pw", "context": "view"},
        },
    )
    assert got[0]["id"] == post["id"]
    assert wp.calls()[-1].query == {"password": "pw", "context": "view"}
    upd = run(
        wp,
        {
            "resource": "post",
            "operation": "update",
            "postId": str(post["id"]),
            "updateFields": {"title": "Renamed", "pingStatus": "closed", "content": ""},
        },
    )
    assert upd[0]["title"]["rendered"] == "Renamed"
    call = wp.calls()[-1]
    assert call.method == "POST" and call.path == f"/wp-json/wp/v2/posts/{post['id']}"
    assert call.json == {"id": post["id"], "title": "Renamed", "ping_status": "closed"}
    trashed = run(wp, {"resource": "post", "operation": "delete", "postId": str(post["id"])})
    assert trashed[0]["status"] == "trash"
    gone = run(
        wp,
        {
            "resource": "post",
            "operation": "delete",
            "postId": str(post["id"]),
            "options": {"force": True},
        },
    )
    assert gone[0]["deleted"] is True and wp.calls()[-1].query == {"force": "true"}


def test_get_all_follows_total_pages_or_takes_the_limit(wp: FakeWordPress) -> None:
    for n in range(23):
        wp.add("posts", f"p{n:02d}", status="publish")
    before = len(wp.log)
    every = run(
        wp,
        {
            "resource": "post",
            "operation": "getAll",
            "returnAll": True,
            "options": {"order": "asc", "status": "publish"},
        },
    )
    assert [p["title"]["rendered"] for p in every] == [f"p{n:02d}" for n in range(23)]
    calls = wp.log[before:]
    assert [(c.query["page"], c.query["per_page"]) for c in calls] == [
        ("1", "10"),
        ("2", "10"),
        ("3", "10"),
    ]
    assert calls[0].query["order"] == "asc" and calls[0].query["status"] == "publish"
    some = run(wp, {"resource": "post", "operation": "getAll", "limit": 3})
    assert [p["title"]["rendered"] for p in some] == ["p22", "p21", "p20"]
    assert wp.calls()[-1].query == {"per_page": "3"}
    # an empty collection: X-WP-TotalPages is 0, one call
    before = len(wp.log)
    assert run(wp, {"resource": "page", "operation": "getAll", "returnAll": True}) == []
    assert len(wp.log) == before + 1


def test_page_create_get_get_all_update(wp: FakeWordPress) -> None:
    made = run(
        wp,
        {
            "resource": "page",
            "operation": "create",
            "title": "About",
            "additionalFields": {
                "parent": 0,
                "menuOrder": 2,
                "featuredMediaId": 9,
                "pageTemplate": {"values": {"elementor": True, "template": "elementor_canvas"}},
            },
        },
    )
    assert wp.calls()[-1].json == {
        "title": "About",
        "menu_order": 2,
        "featured_media": 9,
        "template": "elementor_canvas",
    }
    pid = made[0]["id"]
    got = run(wp, {"resource": "page", "operation": "get", "pageId": str(pid)})
    assert got[0]["menu_order"] == 2 and got[0]["type"] == "page"
    upd = run(
        wp,
        {
            "resource": "page",
            "operation": "update",
            "pageId": str(pid),
            "updateFields": {"title": "About us", "parent": 3},
        },
    )
    assert upd[0]["parent"] == 3 and upd[0]["title"]["rendered"] == "About us"
    for n in range(12):
        wp.add("pages", f"x{n}")
    every = run(wp, {"resource": "page", "operation": "getAll", "returnAll": True})
    assert len(every) == 13


def test_user_create_get_get_all_update(wp: FakeWordPress) -> None:
    made = run(
        wp,
        {
            "resource": "user",
            "operation": "create",
            "name": "Ada L",
            "username": "ada",
            "firstName": "Ada",
            "lastName": "L",
            "email": "ada@x.io",
            "password": "s3cret",
            "additionalFields": {"nickname": "al", "url": ""},
        },
    )
    assert made[0]["username"] == "ada"
    assert wp.calls()[-1].json == {
        "name": "Ada L",
        "username": "ada",
        "first_name": "Ada",
        "last_name": "L",
        "email": "ada@x.io",
        "password": "s3cret",
        "nickname": "al",
    }
    uid = made[0]["id"]
    got = run(wp, {"resource": "user", "operation": "get", "userId": uid})
    assert got[0] == {
        "id": uid,
        "name": "Ada L",
        "url": "",
        "description": "",
        "link": f"{wp.url}/author/ada/",
        "slug": "ada",
    }
    edit = run(
        wp, {"resource": "user", "operation": "get", "userId": uid, "options": {"context": "edit"}}
    )
    assert edit[0]["email"] == "ada@x.io"
    upd = run(
        wp,
        {
            "resource": "user",
            "operation": "update",
            "userId": uid,
            "updateFields": {"firstName": "Augusta", "description": "math"},
        },
    )
    assert upd[0]["first_name"] == "Augusta"
    assert wp.calls()[-1].json == {"id": uid, "first_name": "Augusta", "description": "math"}
    every = run(wp, {"resource": "user", "operation": "getAll", "returnAll": True})
    assert [u["slug"] for u in every] == ["admin", "ada"]
    with pytest.raises(NodeExecutionError) as info:
        run(wp, {"resource": "user", "operation": "create", "username": "bo"})
    assert info.value.reason == "Bad request - please check your parameters"
    assert info.value.description == "Missing parameter(s): email, password"  # type: ignore[attr-defined]


def test_wrong_application_password_and_unknown_ids(wp: FakeWordPress) -> None:
    with pytest.raises(NodeExecutionError) as info:
        run(wp, {"resource": "post", "operation": "get", "postId": "1"}, password="nope")
    assert info.value.reason == "Authorization failed - please check your credentials"
    assert (
        info.value.description  # type: ignore[attr-defined]
        == "The provided password is an invalid application password."
    )
    with pytest.raises(NodeExecutionError) as missing:
        run(wp, {"resource": "post", "operation": "get", "postId": "999"})
    assert missing.value.reason == "The resource you are requesting could not be found"
    assert missing.value.description == "Invalid post ID."  # type: ignore[attr-defined]
    out = run(
        wp,
        {"resource": "page", "operation": "get", "pageId": "={{ $json.id }}"},
        items=[{"json": {"id": 999}}, {"json": {"id": 1000}}],
        continue_on_fail=True,
    )
    assert out == [{"error": "The resource you are requesting could not be found"}] * 2
    with pytest.raises(NodeExecutionError, match="'postId' is required"):
        run(wp, {"resource": "post", "operation": "get", "postId": ""})


def test_rate_limited_host_is_waited_for_then_fails(wp: FakeWordPress) -> None:
    wp.rate_limit(2, retry_after=0)
    out = run(wp, {"resource": "user", "operation": "getAll", "limit": 1})
    assert len(out) == 1 and len(wp.log) == 3
    wp.rate_limit(10, retry_after=0)
    with pytest.raises(NodeExecutionError) as info:
        run(wp, {"resource": "user", "operation": "getAll", "limit": 1})
    assert info.value.reason == "The service is receiving too many requests from you"
    wp.rate_limit(0)


def test_user_delete_reassigns_as_n8n_does(wp: FakeWordPress) -> None:
    out = run(wp, {"resource": "user", "operation": "delete", "reassign": 5})
    assert out[0]["deleted"] is True
    assert wp.calls()[-1].path.endswith("/users/me")
    assert wp.calls()[-1].query == {"reassign": "5", "force": "true"}


def test_an_exported_workflow_runs_inline(wp: FakeWordPress) -> None:
    workflow = {
        "name": "wp",
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
                "name": "Wordpress",
                "type": "n8n-nodes-base.wordpress",
                "typeVersion": 1,
                "position": [200, 0],
                "parameters": {
                    "title": "={{ 'Run ' + $execution.id }}",
                    "additionalFields": {"status": "publish"},
                },
                "credentials": {"wordpressApi": creds(wp)["wordpressApi"]},
            },
        ],
        "connections": {"Start": {"main": [[{"node": "Wordpress", "type": "main", "index": 0}]]}},
    }
    result = run_workflow(workflow, backend="inline").to_json()
    assert result["status"] == "success", result
    (post,) = result["runData"]["Wordpress"][0]["outputs"][0]
    assert post["title"] == {"rendered": f"Run {result['executionId']}"}
    assert post["status"] == "publish"

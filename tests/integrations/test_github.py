"""GitHub 1 / 1.1 against a fake of its REST API: every operation with n8n's requests and
items, Link-header paging with returnAll / limit, GitHub's errors (bad credentials, not
found), and its rate limits (429 with Retry-After, 403 with x-ratelimit-reset)."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import pytest

from hetumind.binary import put_binary, read_binary
from hetumind.engine import run_workflow
from hetumind.errors import NodeExecutionError
from hetumind.http.transport import HttpResponse
from hetumind.integrations.client import _retry_after
from tests.fakes._base import serving
from tests.fakes.fake_github import OWNER, REPO, TOKEN, FakeGitHub
from tests.integrations.conftest import run_node

TYPE = "n8n-nodes-base.github"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGitHub]:
    with serving(FakeGitHub()) as fake:
        yield fake


@pytest.fixture
def github(server: FakeGitHub) -> FakeGitHub:
    server.reset()
    server.rate_limit(0)
    return server


def creds(fake: FakeGitHub, token: str = TOKEN) -> dict[str, Any]:
    return {
        "githubApi": {
            "id": "g",
            "name": "gh",
            "data": {"accessToken": token, "server": fake.url, "user": "octo"},
        }
    }


def rl(value: str, mode: str = "name") -> dict[str, Any]:
    return {"__rl": True, "value": value, "mode": mode}


WHERE = {"owner": rl(OWNER), "repository": rl(REPO)}


def run_items(fake: FakeGitHub, params: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    kw.setdefault("version", 1.1)
    token = kw.pop("token", TOKEN)
    return run_node(TYPE, {**WHERE, **params}, creds(fake, token), **kw)


def run(fake: FakeGitHub, params: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    return [o["json"] for o in run_items(fake, params, **kw)]


def file_op(operation: str, **params: Any) -> dict[str, Any]:
    return {"resource": "file", "operation": operation, **params}


def test_file_create_edit_get_list_delete(github: FakeGitHub) -> None:
    made = run(
        github,
        file_op(
            "create",
            filePath="docs/README.md",
            fileContent="Hello, world!",
            commitMessage="add readme",
            additionalParameters={
                "author": {"name": "Ada", "email": "ada@x.io"},
                "branch": {"branch": "main"},
            },
        ),
    )
    assert made[0]["content"]["path"] == "docs/README.md"
    put = github.calls()[-1]
    assert put.method == "PUT" and put.path == f"/repos/{OWNER}/{REPO}/contents/docs%2FREADME.md"
    assert put.json == {
        "author": {"name": "Ada", "email": "ada@x.io"},
        "branch": "main",
        "message": "add readme",
        "content": base64.b64encode(b"Hello, world!").decode(),
    }
    assert put.headers["authorization"] == f"token {TOKEN}"
    assert github.files["docs/README.md"] == b"Hello, world!"

    # edit: n8n reads the file's sha first (on the branch), then PUTs with it
    before = len(github.log)
    run(
        github,
        file_op(
            "edit",
            filePath="docs/README.md/",
            fileContent="Bye",
            commitMessage="edit",
            additionalParameters={"branch": {"branch": "main"}},
        ),
    )
    lookup, edit = github.log[before:]
    assert lookup.method == "GET" and lookup.path.endswith("/contents/docs/README.md")
    assert lookup.query == {"ref": "main"}
    assert edit.json["sha"] and edit.json["content"] == base64.b64encode(b"Bye").decode()
    assert github.files["docs/README.md"] == b"Bye"

    got = run_items(github, file_op("get", filePath="docs/README.md"), items=[{"json": {"k": 1}}])
    assert got[0]["json"] == {"k": 1}
    entry = got[0]["binary"]["data"]
    assert read_binary(entry) == b"Bye" and entry["fileName"] == "README.md"
    raw = run(
        github,
        file_op(
            "get",
            filePath="docs/README.md",
            asBinaryProperty=False,
            additionalParameters={"reference": "v1"},
        ),
    )
    assert raw[0]["type"] == "file" and raw[0]["encoding"] == "base64"
    assert github.calls()[-1].query == {"ref": "v1"}

    github.files["docs/other.md"] = b"x"
    listed = run(github, file_op("list", filePath="docs/"))
    assert [e["name"] for e in listed] == ["README.md", "other.md"]
    with pytest.raises(NodeExecutionError, match="File Path is a folder, not a file"):
        run(github, file_op("get", filePath="docs"))

    gone = run(github, file_op("delete", filePath="docs/README.md", commitMessage="rm"))
    assert gone[0]["content"] is None and "docs/README.md" not in github.files
    assert github.calls()[-1].json["message"] == "rm"


def test_file_content_from_binary_and_already_base64(github: FakeGitHub) -> None:
    entry = put_binary(b"\x00\x01binary", file_name="a.bin")
    run(
        github,
        file_op(
            "create",
            filePath="a.bin",
            binaryData=True,
            binaryPropertyName="data",
            commitMessage="bin",
        ),
        items=[{"json": {}, "binary": {"data": entry}}],
    )
    assert github.files["a.bin"] == b"\x00\x01binary"
    # content that already is base64 goes as it is (n8n's isBase64)
    run(github, file_op("create", filePath="b.txt", fileContent="aGk=", commitMessage="b"))
    assert github.files["b.txt"] == b"hi"
    with pytest.raises(NodeExecutionError, match="but none was found"):
        run(github, file_op("create", filePath="c", binaryData=True, commitMessage="c"))


def test_edit_of_a_missing_file_and_create_over_an_existing_one(github: FakeGitHub) -> None:
    with pytest.raises(NodeExecutionError) as info:
        run(github, file_op("edit", filePath="nope.md", fileContent="x", commitMessage="m"))
    assert info.value.reason == "The resource you are requesting could not be found"
    assert info.value.description == "Not Found"  # type: ignore[attr-defined]
    github.files["x.md"] = b"1"
    out = run(
        github,
        file_op("create", filePath="x.md", fileContent="2", commitMessage="m"),
        continue_on_fail=True,
    )
    assert out == [{"error": "Your request is invalid or could not be processed by the service"}]


def test_issue_create_get_edit_comment_lock(github: FakeGitHub) -> None:
    made = run(
        github,
        {
            "resource": "issue",
            "operation": "create",
            "title": "Bug",
            "body": "It broke",
            "labels": [{"label": "bug"}, {"label": "p1"}],
            "assignees": [{"assignee": "ada"}],
        },
    )
    assert made[0]["number"] == 1 and [x["name"] for x in made[0]["labels"]] == ["bug", "p1"]
    assert github.calls()[-1].json == {
        "title": "Bug",
        "body": "It broke",
        "labels": ["bug", "p1"],
        "assignees": ["ada"],
    }
    got = run(github, {"resource": "issue", "operation": "get", "issueNumber": 1})
    assert got[0]["title"] == "Bug"
    edited = run(
        github,
        {
            "resource": "issue",
            "operation": "edit",
            "issueNumber": 1,
            "editFields": {"state": "closed", "labels": [{"label": "done"}]},
        },
    )
    assert edited[0]["state"] == "closed" and edited[0]["labels"] == [{"name": "done"}]
    assert github.calls()[-1].json == {"state": "closed", "labels": ["done"]}
    comment = run(
        github, {"resource": "issue", "operation": "createComment", "issueNumber": 1, "body": "hi"}
    )
    assert comment[0]["body"] == "hi" and github.calls()[-1].path.endswith("/issues/1/comments")
    locked = run(
        github,
        {"resource": "issue", "operation": "lock", "issueNumber": 1, "lockReason": "too heated"},
        items=[{"json": {"keep": True}}],
    )
    assert locked == [{"keep": True}]  # n8n passes the input through
    assert github.calls()[-1].query == {"lock_reason": "too heated"}
    assert github.issues[1]["active_lock_reason"] == "too heated"


def test_repository_reads_and_url_locators(github: FakeGitHub) -> None:
    url_where = {
        "owner": rl(f"https://github.com/{OWNER}", "url"),
        "repository": rl(f"https://github.com/{OWNER}/{REPO}", "url"),
    }
    got = run(github, {"resource": "repository", "operation": "get", **url_where})
    assert got[0]["full_name"] == f"{OWNER}/{REPO}"
    lic = run(github, {"resource": "repository", "operation": "getLicense"})
    assert lic[0]["license"]["key"] == "mit"
    prof = run(github, {"resource": "repository", "operation": "getProfile"})
    assert prof[0]["health_percentage"] == 42
    paths = run(github, {"resource": "repository", "operation": "listPopularPaths"})
    assert paths[0]["count"] == 9
    refs = run(github, {"resource": "repository", "operation": "listReferrers"})
    assert refs[0]["referrer"] == "google.com"
    # version 1 exports have plain strings
    v1 = run(
        github,
        {"resource": "repository", "operation": "get", "owner": OWNER, "repository": REPO},
        version=1,
    )
    assert v1[0]["name"] == REPO
    with pytest.raises(NodeExecutionError) as info:
        run(github, {"resource": "repository", "operation": "get", "repository": rl("nope")})
    assert info.value.reason == "The resource you are requesting could not be found"
    with pytest.raises(NodeExecutionError, match="'owner' is required"):
        run(github, {"resource": "repository", "operation": "get", "owner": rl("")})


def test_get_issues_follows_link_pages_or_takes_the_limit(github: FakeGitHub) -> None:
    for n in range(230):
        github.add_issue(f"i{n}", labels=["bug"] if n % 2 else [])
    before = len(github.log)
    every = run(
        github,
        {
            "resource": "repository",
            "operation": "getIssues",
            "returnAll": True,
            "getRepositoryIssuesFilters": {"state": "open", "direction": "asc"},
        },
    )
    assert len(every) == 230 and every[0]["title"] == "i0" and every[-1]["title"] == "i229"
    calls = github.log[before:]
    assert [c.query["page"] for c in calls] == ["1", "2", "3"]
    assert calls[0].query == {"state": "open", "direction": "asc", "per_page": "100", "page": "1"}
    some = run(
        github,
        {
            "resource": "repository",
            "operation": "getIssues",
            "limit": 5,
            "getRepositoryIssuesFilters": {"labels": "bug"},
        },
    )
    assert [i["title"] for i in some] == ["i229", "i227", "i225", "i223", "i221"]
    assert github.calls()[-1].query == {"labels": "bug", "per_page": "5"}


def test_pull_requests_releases_reviews(github: FakeGitHub) -> None:
    github.pulls += [{"number": 7, "state": "open"}, {"number": 8, "state": "closed"}]
    prs = run(
        github,
        {
            "resource": "repository",
            "operation": "getPullRequests",
            "returnAll": True,
            "getRepositoryPullRequestsFilters": {"state": "all"},
        },
    )
    assert [p["number"] for p in prs] == [7, 8]

    made = run(
        github,
        {
            "resource": "release",
            "operation": "create",
            "releaseTag": "v1.0",
            "additionalFields": {"name": "One", "draft": True},
        },
    )
    rid = made[0]["id"]
    assert github.calls()[-1].json == {"name": "One", "draft": True, "tag_name": "v1.0"}
    got = run(github, {"resource": "release", "operation": "get", "release_id": str(rid)})
    assert got[0]["tag_name"] == "v1.0"
    upd = run(
        github,
        {
            "resource": "release",
            "operation": "update",
            "release_id": str(rid),
            "additionalFields": {"body": "notes", "draft": False},
        },
    )
    assert upd[0]["body"] == "notes" and upd[0]["draft"] is False
    run(github, {"resource": "release", "operation": "create", "releaseTag": "v2.0"})
    listed = run(github, {"resource": "release", "operation": "getAll", "limit": 1})
    assert [r["tag_name"] for r in listed] == ["v2.0"]
    assert github.calls()[-1].query == {"per_page": "1"}
    gone = run(github, {"resource": "release", "operation": "delete", "release_id": str(rid)})
    assert gone == [{"success": True}] and rid not in github.releases

    review = run(
        github,
        {
            "resource": "review",
            "operation": "create",
            "pullRequestNumber": 7,
            "event": "requestChanges",
            "body": "please fix",
            "additionalFields": {"commitId": "abc"},
        },
    )
    assert review[0]["state"] == "CHANGES_REQUESTED"
    assert github.calls()[-1].json == {
        "commitId": "abc",
        "event": "REQUEST_CHANGES",
        "body": "please fix",
    }
    run(github, {"resource": "review", "operation": "create", "pullRequestNumber": 7, "body": "x"})
    assert github.calls()[-1].json == {"event": "APPROVE"}  # the body only goes with comments
    rev_id = review[0]["id"]
    one = run(
        github,
        {"resource": "review", "operation": "get", "pullRequestNumber": 7, "reviewId": str(rev_id)},
    )
    assert one[0]["body"] == "please fix"
    upd_review = run(
        github,
        {
            "resource": "review",
            "operation": "update",
            "pullRequestNumber": 7,
            "reviewId": str(rev_id),
            "body": "thanks",
        },
    )
    assert upd_review[0]["body"] == "thanks" and github.calls()[-1].method == "PUT"
    every = run(
        github,
        {"resource": "review", "operation": "getAll", "pullRequestNumber": 7, "returnAll": True},
    )
    assert len(every) == 2


def test_users_and_organizations(github: FakeGitHub) -> None:
    github.repos += [
        {"name": f"r{n}", "owner": {"login": "ada" if n < 150 else "acme"}} for n in range(160)
    ]
    mine = run(
        github,
        {"resource": "user", "operation": "getRepositories", "owner": rl("ada"), "returnAll": True},
    )
    assert len(mine) == 150 and github.calls()[-1].path == "/users/ada/repos"
    org = run(
        github,
        {"resource": "organization", "operation": "getRepositories", "owner": rl("acme")},
    )
    assert len(org) == 10 and github.calls()[-1].query == {"per_page": "50"}
    inv = run(
        github,
        {"resource": "user", "operation": "invite", "organization": "acme", "email": "b@x.io"},
    )
    assert inv[0]["email"] == "b@x.io" and github.calls()[-1].path == "/orgs/acme/invitations"


def test_bad_credentials(github: FakeGitHub) -> None:
    with pytest.raises(NodeExecutionError) as info:
        run(github, {"resource": "repository", "operation": "get"}, token="ghp_wrong")
    assert info.value.reason == "Authorization failed - please check your credentials"
    assert info.value.description == "Bad credentials"  # type: ignore[attr-defined]
    out = run(
        github,
        {"resource": "repository", "operation": "get"},
        token="ghp_wrong",
        continue_on_fail=True,
    )
    assert out == [{"error": "Authorization failed - please check your credentials"}]


def test_secondary_rate_limit_is_waited_for(github: FakeGitHub) -> None:
    github.rate_limit(1, retry_after=0)
    got = run(github, {"resource": "repository", "operation": "get"})
    assert got[0]["name"] == REPO and len(github.log) == 2
    github.rate_limit(10, retry_after=0)
    with pytest.raises(NodeExecutionError) as info:
        run(github, {"resource": "repository", "operation": "get"})
    assert info.value.reason == "The service is receiving too many requests from you"
    assert len(github.log) == 2 + 4  # the first try and three retries
    github.rate_limit(0)


def test_primary_rate_limit_waits_until_the_reset(github: FakeGitHub) -> None:
    github.primary_limit(time.time() - 1)  # already reset: retried at once
    got = run(github, {"resource": "repository", "operation": "get"})
    assert got[0]["name"] == REPO and len(github.log) == 2
    # a reset far away fails at once with GitHub's words
    github.primary_limit(time.time() + 3600)
    with pytest.raises(NodeExecutionError) as info:
        run(github, {"resource": "repository", "operation": "get"})
    assert info.value.reason == "Forbidden - perhaps check your credentials?"
    assert info.value.description == "API rate limit exceeded for user ID 1."  # type: ignore[attr-defined]
    assert len(github.log) == 3


def test_wait_follows_x_ratelimit_reset() -> None:
    reset = time.time() + 30
    response = HttpResponse(403, "Forbidden", {"x-ratelimit-reset": str(reset)}, b"", "")
    assert 28 < _retry_after(response, 0) <= 30
    with_header = HttpResponse(
        429, "Too Many", {"retry-after": "7", "x-ratelimit-reset": str(reset)}, b"", ""
    )
    assert _retry_after(with_header, 0) == 7


def test_unknown_operation_is_named(github: FakeGitHub) -> None:
    with pytest.raises(NodeExecutionError, match='operation "dispatchAndWait" of resource'):
        run(github, {"resource": "workflow", "operation": "dispatchAndWait"})


def test_oauth2_and_an_enterprise_server_root(github: FakeGitHub) -> None:
    oauth = {
        "githubOAuth2Api": {
            "id": "o",
            "name": "gh-oauth",
            "data": {
                "server": f"{github.url}/api/v3",
                "oauthTokenData": {"access_token": TOKEN, "token_type": "bearer"},
            },
        }
    }
    out = run_node(
        TYPE,
        {**WHERE, "authentication": "oAuth2", "resource": "repository", "operation": "get"},
        oauth,
        version=1.1,
    )
    assert out[0]["json"]["name"] == REPO
    call = github.calls()[-1]
    assert call.path == f"/api/v3/repos/{OWNER}/{REPO}"
    assert call.headers["authorization"] == f"Bearer {TOKEN}"


def test_an_exported_workflow_runs_inline(github: FakeGitHub) -> None:
    github.files["notes/todo.md"] = b"- ship it"
    workflow = {
        "name": "gh",
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
                "name": "GitHub",
                "type": "n8n-nodes-base.github",
                "typeVersion": 1.1,
                "position": [200, 0],
                "parameters": {
                    "resource": "file",
                    "operation": "get",
                    "owner": {"__rl": True, "value": OWNER, "mode": "name"},
                    "repository": {"__rl": True, "value": REPO, "mode": "name"},
                    "filePath": "={{ 'notes/' + 'todo.md' }}",
                    "additionalParameters": {},
                },
                "credentials": {"githubApi": creds(github)["githubApi"]},
            },
        ],
        "connections": {"Start": {"main": [[{"node": "GitHub", "type": "main", "index": 0}]]}},
    }
    result = run_workflow(workflow, backend="inline").to_json()
    assert result["status"] == "success", result
    assert result["runData"]["GitHub"][0]["outputs"] == [[{}]]  # the file went to binary
    assert github.calls()[-1].path.endswith("/contents/notes%2Ftodo.md")


def test_pull_requests(github: FakeGitHub) -> None:
    made = run(
        github,
        {
            "resource": "pullRequest",
            "operation": "create",
            "title": "Feature",
            "head": "ada:feature",
            "base": "main",
            "body": "adds it",
        },
    )
    number = made[0]["number"]
    assert github.calls()[-1].json == {
        "title": "Feature",
        "body": "adds it",
        "head": "ada:feature",
        "base": "main",
        "draft": False,
    }
    pr = {"resource": "pullRequest", "pullRequestNumber": number}
    upd = run(github, {**pr, "operation": "update", "editFields": {"title": "Feature 2"}})
    assert upd[0]["title"] == "Feature 2" and github.calls()[-1].json == {"title": "Feature 2"}
    assert run(github, {**pr, "operation": "close"})[0]["state"] == "closed"
    assert run(github, {**pr, "operation": "reopen"})[0]["state"] == "open"
    assert run(github, {**pr, "operation": "get"})[0]["head"] == "ada:feature"
    comment = run(github, {**pr, "operation": "createComment", "body": "lgtm"})
    assert github.calls()[-1].path.endswith(f"/issues/{number}/comments")
    edited = run(
        github,
        {
            "resource": "pullRequest",
            "operation": "editComment",
            "commentId": comment[0]["id"],
            "body": "LGTM!",
        },
    )
    assert edited[0]["body"] == "LGTM!"
    assert run(github, {**pr, "operation": "getDiff"}) == [{"diff": f"diff of #{number}\n"}]
    assert github.calls()[-1].headers["accept"] == "application/vnd.github.v3.diff"
    assert run(github, {**pr, "operation": "getPatch"}) == [{"patch": f"patch of #{number}\n"}]
    merged = run(
        github,
        {**pr, "operation": "merge", "mergeMethod": "squash", "commitTitle": " Squashed "},
    )
    assert merged[0]["merged"] is True
    assert github.calls()[-1].json == {"commit_title": "Squashed", "merge_method": "squash"}
    with pytest.raises(NodeExecutionError) as info:
        run(github, {"resource": "pullRequest", "operation": "create", "title": "x"})
    assert info.value.reason == "Your request is invalid or could not be processed by the service"


def test_workflows_members_and_user_issues(github: FakeGitHub) -> None:
    listed = run(github, {"resource": "workflow", "operation": "list"})
    assert listed[0]["total_count"] == 1
    wf = {"resource": "workflow", "workflowId": rl("ci.yml", "filename")}
    assert run(github, {**wf, "operation": "get"})[0]["name"] == "CI"
    usage = run(github, {**wf, "operation": "getUsage"})
    assert usage[0]["billable"]["UBUNTU"]["total_ms"] == 180000
    run(github, {**wf, "operation": "disable"})
    assert github.workflows["ci.yml"]["state"] == "disabled_manually"
    run(github, {**wf, "operation": "enable"})
    assert github.workflows["ci.yml"]["state"] == "active"
    run(
        github,
        {**wf, "operation": "dispatch", "ref": rl("main", "name"), "inputs": '{"env": "prod"}'},
    )
    assert github.dispatches == [{"workflow": 161335, "ref": "main", "inputs": {"env": "prod"}}]
    run(github, {**wf, "operation": "dispatch", "ref": "dev"}, version=1)
    assert github.dispatches[-1] == {"workflow": 161335, "ref": "dev", "inputs": {}}
    with pytest.raises(NodeExecutionError, match="Inputs: Invalid JSON"):
        run(github, {**wf, "operation": "dispatch", "inputs": "{nope"})

    github.members += [{"login": f"m{n}"} for n in range(120)]
    members = run(
        github,
        {
            "resource": "organization",
            "operation": "getMembers",
            "owner": rl("acme"),
            "returnAll": True,
        },
    )
    assert len(members) == 120
    github.add_issue("mine", assignees=["ada"])
    github.add_issue("unassigned")
    mine = run(
        github,
        {
            "resource": "user",
            "operation": "getUserIssues",
            "getUserIssuesFilters": {"state": "all"},
        },
    )
    assert [i["title"] for i in mine] == ["mine"]
    assert github.calls()[-1].path == "/issues"
    assert github.calls()[-1].query == {"state": "all", "per_page": "50"}

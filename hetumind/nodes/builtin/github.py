"""GitHub (n8n `github` 1, 1.1): files, issues, repositories, releases, reviews, users and
organizations over the REST API.

Requests are n8n's: `<server><endpoint>` (the credential's `server`, default
`https://api.github.com`, a GitHub Enterprise `/api/v3` root works the same), the token as
`Authorization: token <accessToken>` (githubApi) or a bearer from githubOAuth2Api; JSON
bodies; returnAll walks `page` from 1 with `per_page=100` while the `Link` header names a
`next` page, otherwise one page of `per_page=<limit>`. Items: the answer (arrays one item
per element); file get stores the file as binary (`asBinaryProperty`, default on); release
delete gives `{"success": true}`; issue lock passes its input items through, as n8n does.
GitHub's primary rate limit (403 or 429 with `x-ratelimit-remaining: 0`) and secondary
limit (`Retry-After`) are waited for like any 429 (`x-ratelimit-reset` when no
Retry-After).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from hetumind.binary import put_binary, read_binary
from hetumind.errors import NodeExecutionError
from hetumind.http.transport import HttpResponse
from hetumind.integrations import (
    ApiKeyHeader,
    IntegrationNode,
    OAuth2,
    Operation,
    Params,
    Service,
    WithBinary,
)
from hetumind.integrations.client import ServiceClient, parse_body
from hetumind.nodes.api import node
from hetumind.nodes.builtin._node_tools import as_tool

__all__ = ["Github", "GithubTool"]

DEFAULT_SERVER = "https://api.github.com"


def _rate_limited(response: HttpResponse) -> bool:
    """GitHub's rate limits: 403/429 with no requests left, or a secondary limit's
    Retry-After."""
    if response.status not in (403, 429):
        return False
    headers = response.headers
    return headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers


GITHUB = Service(
    name="GitHub",
    default_base_url=DEFAULT_SERVER,
    credentials={
        "githubApi": ApiKeyHeader("accessToken", "Authorization", "token "),
        "githubOAuth2Api": OAuth2(),
    },
    authentication={"accessToken": "githubApi", "oAuth2": "githubOAuth2Api"},
    rate_limited=_rate_limited,
)

_OWNER_URL = r"https:\/\/(?:[^/]+)\/([-_0-9a-zA-Z]+)"
_REPO_URL = r"https:\/\/(?:[^/]+)\/(?:[-_0-9a-zA-Z]+)\/([-_.0-9a-zA-Z]+)"
_BASE64 = re.compile(r"^([0-9a-zA-Z+/]{4})*(([0-9a-zA-Z+/]{2}==)|([0-9a-zA-Z+/]{3}=))?$")

RunFn = Callable[[ServiceClient, Params], Any]


# -- calls ----------------------------------------------------------------------------------


def _url(client: ServiceClient, endpoint: str) -> str:
    server = str(client.data.get("server") or DEFAULT_SERVER).rstrip("/")
    return f"{server}{endpoint}"


def _call(
    client: ServiceClient,
    p: Params,
    method: str,
    endpoint: str,
    *,
    body: dict[str, Any] | None = None,
    qs: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    if method != "GET" and body is None:
        body = {}  # n8n sends its JSON body, `{}` when empty, with every method but GET
    return client.request(
        method,
        _url(client, endpoint),
        qs=qs,
        body=body if method != "GET" else None,
        headers={"User-Agent": "n8n", **(headers or {})},
        item_index=p.index,
    )


def _all_pages(
    client: ServiceClient, p: Params, endpoint: str, qs: dict[str, Any] | None = None
) -> list[Any]:
    """n8n's githubApiRequestAllItems: pages from 1, 100 a page, while Link has `next`."""
    out: list[Any] = []
    page = 1
    while page <= 10_000:
        response = client.request(
            "GET",
            _url(client, endpoint),
            qs={**(qs or {}), "per_page": 100, "page": page},
            headers={"User-Agent": "n8n"},
            item_index=p.index,
            raw=True,
        )
        answer = parse_body(response)
        if isinstance(answer, list):
            out.extend(answer)
        elif answer is not None:
            out.append(answer)
        if "next" not in response.headers.get("link", ""):
            break
        page += 1
    return out


def _list(endpoint: Callable[[Params], str], filters: str | None = None) -> RunFn:
    """A list operation: every page (returnAll, read from the first item as n8n does) or
    one page of `limit`."""

    def run(client: ServiceClient, p: Params) -> Any:
        qs = p.collection(filters) if filters else {}
        if p.ctx.param("returnAll", 0, False) is True:
            return _all_pages(client, p, endpoint(p), qs)
        qs["per_page"] = p.ctx.param("limit", 0, 50)
        return _call(client, p, "GET", endpoint(p), qs=qs)

    return run


# -- parameters -----------------------------------------------------------------------------


def _named(p: Params, name: str, pattern: str) -> str:
    value = p.locator(name, pattern)
    if not value:
        raise NodeExecutionError(
            f"The parameter {name!r} is required", node=p.ctx.node_name, item_index=p.index
        )
    return value


def _repo(p: Params) -> str:
    owner = _named(p, "owner", _OWNER_URL)
    repository = _named(p, "repository", _REPO_URL)
    return f"/repos/{owner}/{repository}"


def _owner(p: Params) -> str:
    return _named(p, "owner", _OWNER_URL)


def _component(value: str) -> str:
    """JavaScript's encodeURIComponent."""
    return quote(value, safe="-_.!~*'()")


def _uri(value: str) -> str:
    """JavaScript's encodeURI."""
    return quote(value, safe=";,/?:@&=+$-_.!~*'()#")


def _file_path(p: Params) -> str:
    return p.text("filePath").rstrip("/")


def _number(p: Params, name: str) -> str:
    value = p.get(name, 0)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _commit_fields(p: Params) -> dict[str, Any]:
    extra = p.collection("additionalParameters")
    body: dict[str, Any] = {}
    if extra.get("author"):
        body["author"] = extra["author"]
    if extra.get("committer"):
        body["committer"] = extra["committer"]
    branch = extra.get("branch")
    if isinstance(branch, dict) and branch.get("branch"):
        body["branch"] = branch["branch"]
    return body


def _values(entries: Any, key: str) -> list[Any]:
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list):
        return []
    return [e.get(key) for e in entries if isinstance(e, dict)]


# -- files ----------------------------------------------------------------------------------


def _file_sha(client: ServiceClient, p: Params, path: str, branch: str | None) -> Any:
    qs = {"ref": branch} if branch is not None else None
    answer = _call(client, p, "GET", f"{_repo(p)}/contents/{_uri(path)}", qs=qs)
    sha = answer.get("sha") if isinstance(answer, dict) else None
    if sha is None:
        raise NodeExecutionError(
            "Could not get the SHA of the file.", node=p.ctx.node_name, item_index=p.index
        )
    return sha


def _content(p: Params) -> str:
    if p.get("binaryData", False) is True:
        prop = p.text("binaryPropertyName", "data")
        entry = p.binary.get(prop)
        if not isinstance(entry, dict):
            raise NodeExecutionError(
                f"This operation expects the node's input data to contain a binary file "
                f"'{prop}', but none was found",
                node=p.ctx.node_name,
                item_index=p.index,
            )
        return base64.b64encode(read_binary(entry, where=f"binary field '{prop}'")).decode()
    text = p.text("fileContent")
    if _BASE64.match(text):
        return text  # n8n sends content that already looks like base64 as it is
    return base64.b64encode(text.encode()).decode()


def _file_write(edit: bool) -> RunFn:
    def run(client: ServiceClient, p: Params) -> Any:
        path = _file_path(p)
        body = _commit_fields(p)
        if edit:
            body["sha"] = _file_sha(client, p, path, body.get("branch"))
        body["message"] = p.text("commitMessage")
        body["content"] = _content(p)
        return _call(client, p, "PUT", f"{_repo(p)}/contents/{_component(path)}", body=body)

    return run


def _file_delete(client: ServiceClient, p: Params) -> Any:
    path = _file_path(p)
    body = _commit_fields(p)
    body["message"] = p.text("commitMessage")
    body["sha"] = _file_sha(client, p, path, body.get("branch"))
    return _call(client, p, "DELETE", f"{_repo(p)}/contents/{_component(path)}", body=body)


def _file_get(client: ServiceClient, p: Params) -> Any:
    path = _file_path(p)
    reference = p.collection("additionalParameters").get("reference")
    qs = {"ref": reference} if reference else None
    answer = _call(client, p, "GET", f"{_repo(p)}/contents/{_component(path)}", qs=qs)
    if p.get("asBinaryProperty", True) is not True:
        return answer
    if isinstance(answer, list) and len(answer) > 1:
        raise NodeExecutionError(
            "File Path is a folder, not a file.", node=p.ctx.node_name, item_index=p.index
        )
    entry = answer[0] if isinstance(answer, list) and answer else answer
    content = entry.get("content") if isinstance(entry, dict) else None
    try:
        data = base64.b64decode(str(content or ""), validate=False)
    except (binascii.Error, ValueError):
        raise NodeExecutionError(
            "GitHub's answer has no base64 file content", node=p.ctx.node_name, item_index=p.index
        ) from None
    prop = p.text("binaryPropertyName", "data")
    binary = {**dict(p.binary), prop: put_binary(data, file_name=str(entry.get("path") or path))}
    return WithBinary(dict(p.json), binary)


def _file_list(client: ServiceClient, p: Params) -> Any:
    return _call(client, p, "GET", f"{_repo(p)}/contents/{_component(_file_path(p))}")


# -- issues ---------------------------------------------------------------------------------


def _issue_create(client: ServiceClient, p: Params) -> Any:
    body = {
        "title": p.text("title"),
        "body": p.text("body"),
        "labels": _values(p.get("labels", []), "label"),
        "assignees": _values(p.get("assignees", []), "assignee"),
    }
    return _call(client, p, "POST", f"{_repo(p)}/issues", body=body)


def _issue_edit(client: ServiceClient, p: Params) -> Any:
    body = p.collection("editFields")
    if "labels" in body:
        body["labels"] = _values(body["labels"], "label")
    if "assignees" in body:
        body["assignees"] = _values(body["assignees"], "assignee")
    return _call(client, p, "PATCH", f"{_repo(p)}/issues/{_number(p, 'issueNumber')}", body=body)


def _issue_lock(client: ServiceClient, p: Params) -> Any:
    endpoint = f"{_repo(p)}/issues/{_number(p, 'issueNumber')}/lock"
    _call(client, p, "PUT", endpoint, qs={"lock_reason": p.text("lockReason", "resolved")})
    # not one of n8n's "overwrite data" operations: the input item goes on
    return WithBinary(dict(p.json), dict(p.binary)) if p.binary else dict(p.json)


def _simple(method: str, endpoint: Callable[[Params], str]) -> RunFn:
    def run(client: ServiceClient, p: Params) -> Any:
        return _call(client, p, method, endpoint(p))

    return run


# -- releases, reviews, users ---------------------------------------------------------------


def _release_create(client: ServiceClient, p: Params) -> Any:
    body = p.collection("additionalFields")
    body["tag_name"] = p.text("releaseTag")
    return _call(client, p, "POST", f"{_repo(p)}/releases", body=body)


def _release_path(p: Params) -> str:
    return f"{_repo(p)}/releases/{p.text('release_id')}"


def _release_update(client: ServiceClient, p: Params) -> Any:
    return _call(client, p, "PATCH", _release_path(p), body=p.collection("additionalFields"))


def _release_delete(client: ServiceClient, p: Params) -> Any:
    _call(client, p, "DELETE", _release_path(p))
    return {"success": True}


def _snake_upper(value: str) -> str:
    """change-case's snakeCase, upper-cased: requestChanges -> REQUEST_CHANGES."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", value).replace("-", "_").upper()


def _review_create(client: ServiceClient, p: Params) -> Any:
    body = p.collection("additionalFields")  # n8n sends commitId as it is named
    body["event"] = _snake_upper(p.text("event", "approve"))
    if body["event"] in ("REQUEST_CHANGES", "COMMENT"):
        body["body"] = p.text("body")
    endpoint = f"{_repo(p)}/pulls/{_number(p, 'pullRequestNumber')}/reviews"
    return _call(client, p, "POST", endpoint, body=body)


def _review_path(p: Params) -> str:
    return f"{_repo(p)}/pulls/{_number(p, 'pullRequestNumber')}/reviews/{p.text('reviewId')}"


def _review_update(client: ServiceClient, p: Params) -> Any:
    return _call(client, p, "PUT", _review_path(p), body={"body": p.text("body")})


def _invite(client: ServiceClient, p: Params) -> Any:
    org = p.text("organization")
    return _call(client, p, "POST", f"/orgs/{org}/invitations", body={"email": p.text("email")})


# -- pull requests, workflows ---------------------------------------------------------------


def _pull(p: Params) -> str:
    return f"{_repo(p)}/pulls/{_number(p, 'pullRequestNumber')}"


def _pull_create(client: ServiceClient, p: Params) -> Any:
    body = {
        "title": p.text("title"),
        "body": p.text("body"),
        "head": p.text("head"),  # owner:branch for a fork
        "base": p.text("base"),
        "draft": bool(p.get("draft", False)),
    }
    return _call(client, p, "POST", f"{_repo(p)}/pulls", body=body)


def _pull_update(client: ServiceClient, p: Params) -> Any:
    fields = p.collection("editFields")
    body = {k: fields[k] for k in ("title", "body", "state", "base") if k in fields}
    return _call(client, p, "PATCH", _pull(p), body=body)


def _pull_state(state: str) -> RunFn:
    def run(client: ServiceClient, p: Params) -> Any:
        return _call(client, p, "PATCH", _pull(p), body={"state": state})

    return run


def _pull_comment(client: ServiceClient, p: Params) -> Any:
    endpoint = f"{_repo(p)}/issues/{_number(p, 'pullRequestNumber')}/comments"
    return _call(client, p, "POST", endpoint, body={"body": p.text("body")})


def _pull_edit_comment(client: ServiceClient, p: Params) -> Any:
    endpoint = f"{_repo(p)}/issues/comments/{_number(p, 'commentId')}"
    return _call(client, p, "PATCH", endpoint, body={"body": p.text("body")})


def _pull_text(kind: str) -> RunFn:
    """getDiff / getPatch: the raw text under `diff` / `patch`."""

    def run(client: ServiceClient, p: Params) -> Any:
        accept = {"Accept": f"application/vnd.github.v3.{kind}"}
        answer = _call(client, p, "GET", _pull(p), headers=accept)
        return {kind: answer if isinstance(answer, str) else json.dumps(answer)}

    return run


def _pull_merge(client: ServiceClient, p: Params) -> Any:
    body: dict[str, Any] = {}
    title = p.text("commitTitle").strip()
    message = p.text("commitMessage").strip()
    if title:
        body["commit_title"] = title
    if message:
        body["commit_message"] = message
    body["merge_method"] = p.text("mergeMethod", "merge")
    return _call(client, p, "PUT", f"{_pull(p)}/merge", body=body)


def _workflow(p: Params) -> str:
    return f"{_repo(p)}/actions/workflows/{_named(p, 'workflowId', r'(.+)')}"


def _dispatch(client: ServiceClient, p: Params) -> Any:
    raw = p.get("inputs", "{}")
    try:
        inputs = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        inputs = None
    if inputs is None:
        raise NodeExecutionError("Inputs: Invalid JSON", node=p.ctx.node_name, item_index=p.index)
    body = {"ref": p.locator("ref", None, "main"), "inputs": inputs}
    return _call(client, p, "POST", f"{_workflow(p)}/dispatches", body=body)


def _user_issues(client: ServiceClient, p: Params) -> Any:
    qs = p.collection("getUserIssuesFilters")
    if p.ctx.param("returnAll", 0, False) is True:
        return _all_pages(client, p, "/issues", qs)
    qs["per_page"] = p.ctx.param("limit", 0, 50)
    return _call(client, p, "GET", "/issues", qs=qs)


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("file", "create"): Operation(run=_file_write(edit=False)),
    ("file", "edit"): Operation(run=_file_write(edit=True)),
    ("file", "delete"): Operation(run=_file_delete),
    ("file", "get"): Operation(run=_file_get),
    ("file", "list"): Operation(run=_file_list),
    ("issue", "create"): Operation(run=_issue_create),
    ("issue", "createComment"): Operation(
        run=lambda c, p: _call(
            c,
            p,
            "POST",
            f"{_repo(p)}/issues/{_number(p, 'issueNumber')}/comments",
            body={"body": p.text("body")},
        )
    ),
    ("issue", "edit"): Operation(run=_issue_edit),
    ("issue", "get"): Operation(
        run=_simple("GET", lambda p: f"{_repo(p)}/issues/{_number(p, 'issueNumber')}")
    ),
    ("issue", "lock"): Operation(run=_issue_lock),
    ("repository", "get"): Operation(run=_simple("GET", _repo)),
    ("repository", "getLicense"): Operation(run=_simple("GET", lambda p: f"{_repo(p)}/license")),
    ("repository", "getProfile"): Operation(
        run=_simple("GET", lambda p: f"{_repo(p)}/community/profile")
    ),
    ("repository", "listPopularPaths"): Operation(
        run=_simple("GET", lambda p: f"{_repo(p)}/traffic/popular/paths")
    ),
    ("repository", "listReferrers"): Operation(
        run=_simple("GET", lambda p: f"{_repo(p)}/traffic/popular/referrers")
    ),
    ("repository", "getIssues"): Operation(
        run=_list(lambda p: f"{_repo(p)}/issues", "getRepositoryIssuesFilters")
    ),
    ("repository", "getPullRequests"): Operation(
        run=_list(lambda p: f"{_repo(p)}/pulls", "getRepositoryPullRequestsFilters")
    ),
    ("release", "create"): Operation(run=_release_create),
    ("release", "get"): Operation(run=_simple("GET", _release_path)),
    ("release", "getAll"): Operation(run=_list(lambda p: f"{_repo(p)}/releases")),
    ("release", "update"): Operation(run=_release_update),
    ("release", "delete"): Operation(run=_release_delete),
    ("review", "create"): Operation(run=_review_create),
    ("review", "get"): Operation(run=_simple("GET", _review_path)),
    ("review", "getAll"): Operation(
        run=_list(lambda p: f"{_repo(p)}/pulls/{_number(p, 'pullRequestNumber')}/reviews")
    ),
    ("review", "update"): Operation(run=_review_update),
    ("user", "getRepositories"): Operation(run=_list(lambda p: f"/users/{_owner(p)}/repos")),
    ("user", "invite"): Operation(run=_invite),
    ("organization", "getRepositories"): Operation(run=_list(lambda p: f"/orgs/{_owner(p)}/repos")),
    ("organization", "getMembers"): Operation(run=_list(lambda p: f"/orgs/{_owner(p)}/members")),
    ("user", "getUserIssues"): Operation(run=_user_issues),
    ("pullRequest", "create"): Operation(run=_pull_create),
    ("pullRequest", "update"): Operation(run=_pull_update),
    ("pullRequest", "close"): Operation(run=_pull_state("closed")),
    ("pullRequest", "reopen"): Operation(run=_pull_state("open")),
    ("pullRequest", "get"): Operation(run=_simple("GET", _pull)),
    ("pullRequest", "createComment"): Operation(run=_pull_comment),
    ("pullRequest", "editComment"): Operation(run=_pull_edit_comment),
    ("pullRequest", "getDiff"): Operation(run=_pull_text("diff")),
    ("pullRequest", "getPatch"): Operation(run=_pull_text("patch")),
    ("pullRequest", "merge"): Operation(run=_pull_merge),
    ("workflow", "list"): Operation(run=_simple("GET", lambda p: f"{_repo(p)}/actions/workflows")),
    ("workflow", "get"): Operation(run=_simple("GET", _workflow)),
    ("workflow", "getUsage"): Operation(run=_simple("GET", lambda p: f"{_workflow(p)}/timing")),
    ("workflow", "enable"): Operation(run=_simple("PUT", lambda p: f"{_workflow(p)}/enable")),
    ("workflow", "disable"): Operation(run=_simple("PUT", lambda p: f"{_workflow(p)}/disable")),
    ("workflow", "dispatch"): Operation(run=_dispatch),
}


@node("github", versions=[1, 1.1], display_name="GitHub", fusible=False)
class Github(IntegrationNode):
    """Consume the GitHub API."""

    service = GITHUB
    operations = OPERATIONS
    default_resource = "issue"
    default_operations = {
        "file": "create",
        "issue": "create",
        "repository": "getIssues",
        "release": "create",
        "review": "create",
        "user": "getRepositories",
        "organization": "getRepositories",
        "pullRequest": "create",
        "workflow": "dispatch",
    }


GithubTool = as_tool(Github)
"""n8n's GitHub as an agent tool: `$fromAI` parameters (builtin._node_tools)."""

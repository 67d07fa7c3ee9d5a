"""A fake of the GitHub REST API (https://docs.github.com/en/rest), on loopback.

From the docs: `Authorization: token <t>` or `Bearer <t>`; a bad token is 401
`{"message": "Bad credentials", "documentation_url": ...}`, anything unknown 404
`{"message": "Not Found", ...}`, validation failures 422 `{"message": ..., "errors": [...]}`.
Requests without a User-Agent are refused (403). Lists take `per_page` (default 30, max
100) and `page` (from 1) and send a `Link` header with `rel="next"` / `rel="last"` while
more pages follow. Contents: GET a file gives `{type: "file", encoding: "base64", content,
sha, path, ...}`, a directory the list of its entries; PUT creates (no `sha`) or updates
(the current blob `sha` required: 422 `"sha" wasn't supplied`, 409 on a stale one), DELETE
needs `message` and `sha`; `{"content": ..., "commit": ...}` answers. Issue lock and
release delete answer 204. Rate limits: the primary limit is 403 with
`x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch seconds), the secondary one 429
(or 403) with `Retry-After`.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import time
from typing import Any
from urllib.parse import unquote, urlencode

from tests.fakes._base import Answer, FakeService, Request

TOKEN = "ghp_FAKEtoken"
OWNER = "octo"
REPO = "hello"
DOCS = "https://docs.github.com/rest"


def _err(status: int, message: str, **extra: Any) -> Answer:
    return Answer(status, {"message": message, "documentation_url": DOCS, **extra})


def _sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class FakeGitHub(FakeService):
    def __init__(self) -> None:
        super().__init__()
        self.tokens = {TOKEN}
        self.primary_reset: float | None = None
        """When set: the next call gets the primary rate limit's 403 (reset at this
        epoch time)."""
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.log.clear()
            self.ids = itertools.count(1)
            self.files: dict[str, bytes] = {}
            self.issues: dict[int, dict[str, Any]] = {}
            self.comments: list[dict[str, Any]] = []
            self.releases: dict[int, dict[str, Any]] = {}
            self.reviews: dict[int, dict[str, Any]] = {}
            self.pulls: list[dict[str, Any]] = []
            self.repos: list[dict[str, Any]] = []
            self.invitations: list[dict[str, Any]] = []
            self.members: list[dict[str, Any]] = []
            self.workflows: dict[str, dict[str, Any]] = {
                "ci.yml": {"id": 161335, "name": "CI", "path": ".github/workflows/ci.yml"}
            }
            self.dispatches: list[dict[str, Any]] = []
            self.primary_reset = None

    def primary_limit(self, reset_at: float) -> None:
        with self.lock:
            self.primary_reset = reset_at

    @staticmethod
    def rate_limit_answer(wait: int) -> Answer:
        return Answer(
            429,
            {
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes "
                "before you try again.",
                "documentation_url": DOCS,
            },
            {"Retry-After": str(wait)},
        )

    # -- helpers --------------------------------------------------------------------------

    def add_issue(self, title: str, **fields: Any) -> dict[str, Any]:
        number = len(self.issues) + 1
        issue = {
            "id": 1000 + number,
            "number": number,
            "title": title,
            "body": fields.pop("body", None),
            "state": "open",
            "locked": False,
            "active_lock_reason": None,
            "labels": [{"name": n} for n in fields.pop("labels", [])],
            "assignees": [{"login": a} for a in fields.pop("assignees", [])],
            **fields,
        }
        self.issues[number] = issue
        return issue

    def _page(self, req: Request, rows: list[Any]) -> Answer:
        try:
            per_page = max(1, min(100, int(req.query.get("per_page", 30))))
            page = max(1, int(req.query.get("page", 1)))
        except ValueError:
            return _err(422, "Invalid request.")
        start = (page - 1) * per_page
        chunk = rows[start : start + per_page]
        last = max(1, -(-len(rows) // per_page))
        links = []
        base = {k: v for k, v in req.query.items() if k != "page"}

        def link(n: int, rel: str) -> str:
            return f'<{self.url}{req.path}?{urlencode({**base, "page": n})}>; rel="{rel}"'

        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        headers = {"Link": ", ".join(links)} if links else {}
        return Answer(200, chunk, headers)

    # -- routes ---------------------------------------------------------------------------

    def handle(self, req: Request) -> Answer:
        if not req.headers.get("user-agent"):
            return _err(403, "Request forbidden by administrative rules.")
        auth = req.headers.get("authorization", "")
        token = auth.removeprefix("token ").removeprefix("Bearer ")
        if token == auth or token not in self.tokens:
            return _err(401, "Bad credentials")
        with self.lock:
            reset_at, self.primary_reset = self.primary_reset, None
        if reset_at is not None:
            return Answer(
                403,
                {
                    "message": "API rate limit exceeded for user ID 1.",
                    "documentation_url": DOCS,
                },
                {
                    "x-ratelimit-limit": "5000",
                    "x-ratelimit-remaining": "0",
                    "x-ratelimit-reset": str(int(reset_at)),
                },
            )
        path = req.path.removeprefix("/api/v3")  # a GitHub Enterprise Server root
        parts = [unquote(x) for x in path.strip("/").split("/")]
        if parts[0] == "users" and len(parts) == 3 and parts[2] == "repos":
            return self._page(req, [r for r in self.repos if r["owner"]["login"] == parts[1]])
        if parts[0] == "orgs" and len(parts) == 3:
            if parts[2] == "repos":
                return self._page(req, [r for r in self.repos if r["owner"]["login"] == parts[1]])
            if parts[2] == "members":
                return self._page(req, self.members)
            if parts[2] == "invitations" and req.method == "POST":
                email = (req.json or {}).get("email")
                if not email:
                    return _err(422, "Validation Failed")
                invitation = {"id": next(self.ids), "email": email, "role": "direct_member"}
                self.invitations.append(invitation)
                return Answer(201, invitation)
        if parts == ["issues"] and req.method == "GET":  # the authenticated user's issues
            rows = [i for i in self.issues.values() if i["assignees"]]
            if req.query.get("state", "open") != "all":
                rows = [i for i in rows if i["state"] == req.query.get("state", "open")]
            return self._page(req, rows)
        if parts[0] != "repos" or len(parts) < 3 or parts[1:3] != [OWNER, REPO]:
            return _err(404, "Not Found")
        return self.repo(req, parts[3:])

    def repo(self, req: Request, rest: list[str]) -> Answer:
        m = req.method
        if not rest and m == "GET":
            return Answer(200, {"id": 1, "name": REPO, "full_name": f"{OWNER}/{REPO}"})
        head = rest[0] if rest else ""
        if head == "contents":
            # a path may arrive as one %2F-encoded segment or as several
            return self.contents(req, "/".join(rest[1:]).strip("/"))
        if rest == ["license"]:
            return Answer(200, {"name": "LICENSE", "license": {"key": "mit", "name": "MIT"}})
        if rest == ["community", "profile"]:
            return Answer(200, {"health_percentage": 42, "files": {}})
        if rest == ["traffic", "popular", "paths"]:
            return Answer(200, [{"path": f"/{OWNER}/{REPO}", "count": 9, "uniques": 3}])
        if rest == ["traffic", "popular", "referrers"]:
            return Answer(200, [{"referrer": "google.com", "count": 4, "uniques": 2}])
        if head == "issues":
            return self.issue_routes(req, rest[1:])
        if rest == ["pulls"] and m == "GET":
            state = req.query.get("state", "open")
            rows = [pr for pr in self.pulls if state == "all" or pr["state"] == state]
            return self._page(req, rows)
        if rest == ["pulls"] and m == "POST":
            body = req.json or {}
            missing = [k for k in ("title", "head", "base") if not body.get(k)]
            if missing:
                return _err(422, "Validation Failed", errors=[{"field": f} for f in missing])
            pull = {
                "number": len(self.pulls) + len(self.issues) + 1,
                "state": "open",
                "merged": False,
                **{k: body.get(k) for k in ("title", "body", "head", "base", "draft")},
            }
            self.pulls.append(pull)
            return Answer(201, pull)
        if head == "pulls" and rest[1:2] != [] and rest[2:] in ([], ["merge"]):
            found = [pr for pr in self.pulls if str(pr["number"]) == rest[1]]
            if not found:
                return _err(404, "Not Found")
            pull = found[0]
            if len(rest) == 3 and rest[2] == "merge" and m == "PUT":
                if pull["state"] != "open":
                    return _err(405, "Pull Request is not mergeable")
                pull.update(state="closed", merged=True)
                return Answer(200, {"merged": True, "message": "Pull Request successfully merged"})
            accept = req.headers.get("accept", "")
            if m == "GET" and accept.endswith((".diff", ".patch")):
                kind = accept.rsplit(".", 1)[1]
                text = f"{kind} of #{pull['number']}\n"
                return Answer(200, content=text.encode(), headers={"Content-Type": accept})
            if m == "GET":
                return Answer(200, pull)
            if m == "PATCH":
                pull.update({k: v for k, v in (req.json or {}).items() if k in pull})
                return Answer(200, pull)
        if head == "actions" and rest[1:2] == ["workflows"]:
            return self.workflow_routes(req, rest[2:])
        if head == "pulls" and len(rest) >= 3 and rest[2] == "reviews":
            return self.review_routes(req, int(rest[1]), rest[3:])
        if head == "releases":
            return self.release_routes(req, rest[1:])
        return _err(404, "Not Found")

    def contents(self, req: Request, path: str) -> Answer:
        body = req.json or {}
        if req.method == "GET":
            if path in self.files:
                data = self.files[path]
                return Answer(
                    200,
                    {
                        "type": "file",
                        "encoding": "base64",
                        "size": len(data),
                        "name": path.rsplit("/", 1)[-1],
                        "path": path,
                        "sha": _sha(data),
                        "content": base64.encodebytes(data).decode(),
                    },
                )
            prefix = f"{path}/" if path else ""
            names = sorted(
                {p[len(prefix) :].split("/")[0] for p in self.files if p.startswith(prefix)}
            )
            if not names:
                return _err(404, "Not Found")
            return Answer(
                200,
                [
                    {
                        "name": n,
                        "path": prefix + n,
                        "type": "file" if prefix + n in self.files else "dir",
                    }
                    for n in names
                ],
            )
        if req.method == "PUT":
            if not body.get("message") or "content" not in body:
                return _err(422, 'Invalid request.\n\n"message", "content" wasn\'t supplied.')
            existing = self.files.get(path)
            if existing is not None and "sha" not in body:
                return _err(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
            if existing is not None and body["sha"] != _sha(existing):
                return _err(409, f"{path} does not match {body['sha']}")
            data = base64.b64decode(body["content"])
            self.files[path] = data
            return Answer(
                200 if existing is not None else 201,
                {
                    "content": {"name": path.rsplit("/", 1)[-1], "path": path, "sha": _sha(data)},
                    "commit": {"sha": f"c{next(self.ids):039d}", "message": body["message"]},
                },
            )
        if req.method == "DELETE":
            existing = self.files.get(path)
            if existing is None:
                return _err(404, "Not Found")
            if not body.get("message") or body.get("sha") != _sha(existing):
                return _err(409, f"{path} does not match {body.get('sha')}")
            del self.files[path]
            return Answer(
                200,
                {
                    "content": None,
                    "commit": {"sha": f"c{next(self.ids):039d}", "message": body["message"]},
                },
            )
        return _err(404, "Not Found")

    def issue_routes(self, req: Request, rest: list[str]) -> Answer:
        body = req.json or {}
        if not rest:
            if req.method == "POST":
                if not body.get("title"):
                    return _err(422, "Validation Failed", errors=[{"field": "title"}])
                issue = self.add_issue(
                    body["title"],
                    body=body.get("body"),
                    labels=body.get("labels") or [],
                    assignees=body.get("assignees") or [],
                )
                return Answer(201, issue)
            state = req.query.get("state", "open")
            rows = [i for i in self.issues.values() if state == "all" or i["state"] == state]
            if req.query.get("labels"):
                wanted = set(req.query["labels"].split(","))
                rows = [i for i in rows if wanted <= {x["name"] for x in i["labels"]}]
            if req.query.get("direction", "desc") == "desc":
                rows = rows[::-1]
            return self._page(req, rows)
        if rest[0] == "comments" and len(rest) == 2 and req.method == "PATCH":
            comments = [c for c in self.comments if str(c["id"]) == rest[1]]
            if not comments:
                return _err(404, "Not Found")
            comments[0]["body"] = body.get("body")
            return Answer(200, comments[0])
        found = self.issues.get(int(rest[0])) if rest[0].isdigit() else None
        if found is None and rest[1:] == ["comments"]:
            # pull requests are issues too: their conversation comments go here
            found = next((pr for pr in self.pulls if str(pr["number"]) == rest[0]), None)
        if found is None:
            return _err(404, "Not Found")
        issue = found
        if len(rest) == 1 and req.method == "GET":
            return Answer(200, issue)
        if len(rest) == 1 and req.method == "PATCH":
            for key in ("title", "body", "state", "state_reason"):
                if key in body:
                    issue[key] = body[key]
            if "labels" in body:
                issue["labels"] = [{"name": n} for n in body["labels"]]
            if "assignees" in body:
                issue["assignees"] = [{"login": a} for a in body["assignees"]]
            return Answer(200, issue)
        if rest[1:] == ["lock"] and req.method == "PUT":
            reason = req.query.get("lock_reason") or body.get("lock_reason")
            if reason not in (None, "off-topic", "too heated", "resolved", "spam"):
                return _err(422, "Validation Failed")
            issue["locked"], issue["active_lock_reason"] = True, reason
            return Answer(204, content=b"")
        if rest[1:] == ["comments"] and req.method == "POST":
            comment = {"id": next(self.ids), "body": body.get("body"), "issue": issue["number"]}
            self.comments.append(comment)
            return Answer(201, comment)
        return _err(404, "Not Found")

    def workflow_routes(self, req: Request, rest: list[str]) -> Answer:
        if not rest and req.method == "GET":
            rows = list(self.workflows.values())
            return Answer(200, {"total_count": len(rows), "workflows": rows})
        found = self.workflows.get(rest[0]) or next(
            (w for w in self.workflows.values() if str(w["id"]) == rest[0]), None
        )
        if found is None:
            return _err(404, "Not Found")
        action = rest[1] if len(rest) > 1 else ""
        if not action and req.method == "GET":
            return Answer(200, found)
        if action == "timing":
            return Answer(200, {"billable": {"UBUNTU": {"total_ms": 180000}}})
        if action in ("enable", "disable") and req.method == "PUT":
            found["state"] = "active" if action == "enable" else "disabled_manually"
            return Answer(204, content=b"")
        if action == "dispatches" and req.method == "POST":
            body = req.json or {}
            if not body.get("ref"):
                return _err(422, 'Invalid request.\n\n"ref" wasn\'t supplied.')
            self.dispatches.append({"workflow": found["id"], **body})
            return Answer(204, content=b"")
        return _err(404, "Not Found")

    def release_routes(self, req: Request, rest: list[str]) -> Answer:
        body = req.json or {}
        if not rest:
            if req.method == "POST":
                if not body.get("tag_name"):
                    return _err(422, "Validation Failed")
                rid = next(self.ids)
                release = {
                    "id": rid,
                    "tag_name": body["tag_name"],
                    "name": body.get("name"),
                    "body": body.get("body"),
                    "draft": bool(body.get("draft", False)),
                    "prerelease": bool(body.get("prerelease", False)),
                    "target_commitish": body.get("target_commitish") or "main",
                }
                self.releases[rid] = release
                return Answer(201, release)
            return self._page(req, list(self.releases.values())[::-1])
        found = self.releases.get(int(rest[0])) if rest[0].isdigit() else None
        if found is None:
            return _err(404, "Not Found")
        release = found
        if req.method == "GET":
            return Answer(200, release)
        if req.method == "PATCH":
            release.update({k: v for k, v in body.items() if k in release})
            return Answer(200, release)
        if req.method == "DELETE":
            del self.releases[release["id"]]
            return Answer(204, content=b"")
        return _err(404, "Not Found")

    def review_routes(self, req: Request, pull: int, rest: list[str]) -> Answer:
        body = req.json or {}
        if not any(pr["number"] == pull for pr in self.pulls):
            return _err(404, "Not Found")
        if not rest:
            if req.method == "POST":
                event = body.get("event")
                if event in ("REQUEST_CHANGES", "COMMENT") and not body.get("body"):
                    return _err(
                        422,
                        "Unprocessable Entity",
                        errors=["Body is required when the event is " + event],
                    )
                if event not in (None, "APPROVE", "REQUEST_CHANGES", "COMMENT", "PENDING"):
                    return _err(422, "Unprocessable Entity")
                state = {
                    "APPROVE": "APPROVED",
                    "REQUEST_CHANGES": "CHANGES_REQUESTED",
                    "COMMENT": "COMMENTED",
                }.get(event or "", "PENDING")
                review = {
                    "id": next(self.ids),
                    "pull": pull,
                    "body": body.get("body", ""),
                    "state": state,
                    "commit_id": body.get("commit_id") or "head",
                }
                self.reviews[review["id"]] = review
                return Answer(200, review)
            return self._page(req, [r for r in self.reviews.values() if r["pull"] == pull])
        found = self.reviews.get(int(rest[0])) if rest[0].isdigit() else None
        if found is None or found["pull"] != pull:
            return _err(404, "Not Found")
        review = found
        if req.method == "GET":
            return Answer(200, review)
        if req.method == "PUT":
            if not body.get("body"):
                return _err(422, "Unprocessable Entity")
            review["body"] = body["body"]
            return Answer(200, review)
        return _err(404, "Not Found")


def reset_in(seconds: float) -> float:
    return time.time() + seconds

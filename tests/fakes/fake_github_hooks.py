"""The fake GitHub REST API (tests/fakes/fake_github.py) with repository webhooks, and
GitHub's side of delivering events to them.

From the docs (https://docs.github.com/rest/repos/webhooks,
https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries):
`POST /repos/{owner}/{repo}/hooks` takes `name` ("web"), `config` (`url` required,
`content_type` form|json, `secret`, `insecure_ssl` "0"|"1"), `events` (default
["push"]) and `active` (default true) and answers 201 with the hook (the secret shown as
"********"); a second hook with the same URL is 422 "Validation Failed" with the error
"Hook already exists on this repository". `GET .../hooks` lists them, `GET/PATCH/DELETE
.../hooks/{id}` read, update (200) or delete (204) one, 404 for an unknown id. A delivery
is a POST of the JSON payload with `X-GitHub-Event`, `X-GitHub-Delivery`, `X-GitHub-Hook-ID`
and, when the hook has a secret, `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid
from typing import Any

from tests.fakes._base import Answer, Request
from tests.fakes.fake_github import OWNER, REPO, FakeGitHub, _err


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class FakeGitHubHooks(FakeGitHub):
    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.hooks: dict[int, dict[str, Any]] = {}
            self.secrets: dict[int, str] = {}

    def repo(self, req: Request, rest: list[str]) -> Answer:
        if rest[:1] == ["hooks"]:
            return self.hook_routes(req, rest[1:])
        return super().repo(req, rest)

    def _view(self, hook: dict[str, Any]) -> dict[str, Any]:
        config = dict(hook["config"])
        if config.get("secret"):
            config["secret"] = "********"
        base = f"{self.url}/repos/{OWNER}/{REPO}/hooks/{hook['id']}"
        return {
            "type": "Repository",
            **hook,
            "config": config,
            "url": base,
            "test_url": f"{base}/test",
            "ping_url": f"{base}/pings",
            "deliveries_url": f"{base}/deliveries",
        }

    def hook_routes(self, req: Request, rest: list[str]) -> Answer:
        m = req.method
        if not rest and m == "GET":
            return self._page(req, [self._view(h) for h in self.hooks.values()])
        if not rest and m == "POST":
            body: dict[str, Any] = req.json if isinstance(req.json, dict) else {}
            config: dict[str, Any] = body["config"] if isinstance(body.get("config"), dict) else {}
            if not config.get("url"):
                return _err(422, "Validation Failed", errors=[{"field": "config.url"}])
            if any(h["config"]["url"] == config["url"] for h in self.hooks.values()):
                return _err(
                    422,
                    "Validation Failed",
                    errors=[
                        {
                            "resource": "Hook",
                            "code": "custom",
                            "message": "Hook already exists on this repository",
                        }
                    ],
                )
            hook_id = 12_000_000 + next(self.ids)
            hook = {
                "id": hook_id,
                "name": body.get("name", "web"),
                "active": body.get("active", True),
                "events": body.get("events") or ["push"],
                "config": {k: v for k, v in config.items() if k != "secret"},
            }
            with self.lock:
                self.hooks[hook_id] = hook
                self.secrets[hook_id] = str(config.get("secret") or "")
            return Answer(201, self._view(hook))
        try:
            hook_id = int(rest[0]) if len(rest) == 1 else -1
        except ValueError:
            hook_id = -1
        found = self.hooks.get(hook_id)
        if found is None:
            return _err(404, "Not Found")
        hook = found
        if m == "GET":
            return Answer(200, self._view(hook))
        if m == "PATCH":
            patch: dict[str, Any] = req.json if isinstance(req.json, dict) else {}
            if isinstance(patch.get("config"), dict):
                new: dict[str, Any] = patch["config"]
                if "secret" in new:
                    self.secrets[hook_id] = str(new["secret"] or "")
                hook["config"] = {k: v for k, v in new.items() if k != "secret"}
            for key in ("events", "active"):
                if key in patch:
                    hook[key] = patch[key]
            return Answer(200, self._view(hook))
        if m == "DELETE":
            with self.lock:
                self.hooks.pop(hook_id, None)
                self.secrets.pop(hook_id, None)
            return Answer(204)
        return _err(404, "Not Found")

    # -- GitHub's side: deliveries --------------------------------------------------------

    def the_hook(self) -> dict[str, Any]:
        (hook,) = self.hooks.values()
        return hook

    def deliver(
        self,
        event: str,
        payload: dict[str, Any],
        *,
        hook_id: int | None = None,
        signature: str | None = None,
        signed: bool = True,
        to: str | None = None,
    ) -> tuple[int, str]:
        """POST `payload` to the hook's URL as GitHub would: (status, answer text).
        `signature` replaces the right one; `signed=False` sends none; `to` is where to
        send it when not the registered URL (a server not listening at its public URL)."""
        hook = self.hooks[hook_id] if hook_id is not None else self.the_hook()
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/fake",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-GitHub-Hook-ID": str(hook["id"]),
        }
        secret = self.secrets.get(hook["id"], "")
        if signed:
            headers["X-Hub-Signature-256"] = signature or sign(secret, body)
        request = urllib.request.Request(
            to or hook["config"]["url"], data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def ping(self, to: str | None = None) -> tuple[int, str]:
        """The ping GitHub sends when a hook is created."""
        hook = self.the_hook()
        payload = {"zen": "Keep it logically awesome.", "hook_id": hook["id"], "hook": hook}
        return self.deliver("ping", payload, to=to)

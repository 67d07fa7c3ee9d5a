"""GitHub Trigger (n8n `githubTrigger` 1): repository events start the workflow.

A service webhook trigger (hetumind.nodes.service_webhooks): activation creates a
repository webhook with `POST /repos/{owner}/{repo}/hooks` (`name: web`, the chosen
`events`, `config: {url, content_type: json, secret, insecure_ssl}`, `active: true`) and
keeps its `webhookId`, `webhookEvents` and a random `webhookSecret` in the node's static
data, as n8n does; deactivation deletes it (`DELETE .../hooks/{id}`; a hook already gone,
404, counts as deleted). When GitHub answers 422 (a hook with this URL exists) the
existing hook is found by URL and updated with the events and the new secret; n8n reuses
it only when its events match and fails otherwise ("A webhook with the identical URL
probably exists already. Please delete it manually on Github!", still the message when
no hook with the URL is listed).

Each call must carry `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with
the secret>` (compared in constant time): unsigned or wrongly signed calls are refused
with 403 before anything runs. GitHub's `ping` (a body with `hook_id` and no `action`) is
answered `OK` without starting a run, as in n8n. The item is n8n's
`{body, headers, query}`.

Differences: n8n skips the signature check for hooks it created before it had secrets
and refuses `localhost` URLs; Hetumind always has a secret (each activation draws one), so
a call without a valid signature is always refused, and it lets the server's public URL be
whatever the operator set. `insecure_ssl` is "0" unless `options.insecureSSL` is on.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any

from hetumind.errors import NodeExecutionError
from hetumind.integrations import Params
from hetumind.integrations.client import ServiceClient
from hetumind.integrations.errors import NodeApiError
from hetumind.nodes.api import NodeContext, NodeParams, node
from hetumind.nodes.builtin.github import GITHUB, _call, _repo
from hetumind.nodes.service_webhooks import ServiceWebhookTrigger

__all__ = ["GithubTrigger", "github_signature", "is_github_ping"]

SIGNATURE_HEADER = "x-hub-signature-256"
ID_KEY = "webhookId"
EVENTS_KEY = "webhookEvents"
SECRET_KEY = "webhookSecret"
EXISTS_MESSAGE = (
    "A webhook with the identical URL probably exists already. Please delete it manually on Github!"
)


def github_signature(secret: str, raw_body: bytes) -> str:
    """The `X-Hub-Signature-256` value GitHub sends for `raw_body`."""
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def is_github_ping(body: Any) -> bool:
    """n8n's test for GitHub's ping: a body with `hook_id` and no `action`."""
    return isinstance(body, Mapping) and "hook_id" in body and "action" not in body


class GithubTriggerParams(NodeParams):
    authentication: str = "accessToken"
    owner: Any = ""
    repository: Any = ""
    events: list[str] = []
    options: dict[str, Any] = {}


@node(
    "githubTrigger",
    versions=[1],
    display_name="Github Trigger",
    description="Starts the workflow when Github events occur",
    inputs=0,
    trigger=True,
    params=GithubTriggerParams,
    trigger_kind="webhook",
    fusible=False,
)
class GithubTrigger(ServiceWebhookTrigger):
    """Receives a repository's events through a webhook created with the REST API."""

    def register(self, ctx: NodeContext, url: str) -> None:
        p = Params(ctx, 0, {})
        events = p.get("events", []) or []
        if not isinstance(events, list) or not events:
            raise NodeExecutionError(
                "parameter 'events' must list at least one event", node=ctx.node_name
            )
        events = [str(e) for e in events]
        options = p.collection("options")
        repo = _repo(p)
        secret = secrets.token_hex(32)
        config = {
            "url": url,
            "content_type": "json",
            "secret": secret,
            "insecure_ssl": "1" if options.get("insecureSSL") else "0",
        }
        client = ServiceClient(ctx, GITHUB)
        body = {"name": "web", "config": config, "events": events, "active": True}
        try:
            answer = _call(client, p, "POST", f"{repo}/hooks", body=body)
        except NodeApiError as exc:
            if exc.http_code != 422:
                raise
            answer = self._update_existing(client, p, repo, url, config, events)
        if not isinstance(answer, Mapping) or answer.get("id") is None or not answer.get("active"):
            raise NodeApiError(
                "Github webhook creation response did not contain the expected data.",
                node=ctx.node_name,
            )
        state = ctx.static_data("node")
        state[ID_KEY] = answer["id"]
        state[EVENTS_KEY] = answer.get("events", events)
        state[SECRET_KEY] = secret

    @staticmethod
    def _update_existing(
        client: ServiceClient,
        p: Params,
        repo: str,
        url: str,
        config: dict[str, Any],
        events: list[str],
    ) -> Any:
        """GitHub's 422: a hook with this URL exists; give it the events and secret."""
        hooks = _call(client, p, "GET", f"{repo}/hooks")
        for hook in hooks if isinstance(hooks, list) else []:
            if isinstance(hook, Mapping) and (hook.get("config") or {}).get("url") == url:
                body = {"config": config, "events": events, "active": True}
                return _call(client, p, "PATCH", f"{repo}/hooks/{hook.get('id')}", body=body)
        raise NodeExecutionError(EXISTS_MESSAGE, node=p.ctx.node_name)

    def unregister(self, ctx: NodeContext, url: str) -> None:
        state = ctx.static_data("node")
        hook_id = state.get(ID_KEY)
        if hook_id is not None:
            p = Params(ctx, 0, {})
            try:
                _call(ServiceClient(ctx, GITHUB), p, "DELETE", f"{_repo(p)}/hooks/{hook_id}")
            except NodeApiError as exc:
                if exc.http_code != 404:  # gone already: deleted all the same
                    raise
        for key in (ID_KEY, EVENTS_KEY, SECRET_KEY):
            state.pop(key, None)

    @classmethod
    def accepts(
        cls,
        parameters: Mapping[str, Any],
        version: float,
        headers: Mapping[str, str],
        state: Mapping[str, Any],
    ) -> bool:
        return False  # a signature needs the body: the server calls `verify`

    @classmethod
    def verify(
        cls,
        parameters: Mapping[str, Any],
        version: float,
        headers: Mapping[str, str],
        state: Mapping[str, Any],
        raw_body: bytes,
    ) -> bool:
        given = str(headers.get(SIGNATURE_HEADER) or "")
        return cls.signed(
            state, SECRET_KEY, given, lambda secret: github_signature(secret, raw_body)
        )

    @classmethod
    def answer_without_run(
        cls, parameters: Mapping[str, Any], version: float, headers: Mapping[str, str], body: Any
    ) -> str | None:
        return "OK" if is_github_ping(body) else None

    def items(self, ctx: NodeContext, request: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "body": request.get("body"),
                "headers": request.get("headers") or {},
                "query": request.get("query") or {},
            }
        ]

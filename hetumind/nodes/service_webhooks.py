"""Service webhook triggers: webhook triggers that tell a service where to call them.

Telegram, GitHub, Stripe and most SaaS triggers work this way in n8n (`webhookMethods`):
activating the workflow registers the node's webhook URL with the service, deactivating
removes it, and each call the service makes becomes the run's items. Such a node is
declared with `trigger_kind="webhook"` and subclasses `ServiceWebhookTrigger`:

* `register(ctx, url)`: tell the service to call `url`; keep what the node needs later
  (the service's hook id, a secret the service will send back) in
  `ctx.static_data("node")`. A failure refuses the activation with the node's message.
* `unregister(ctx, url)`: remove it (failures are logged, as n8n ignores them).
* `accepts(parameters, version, headers, state)`: whether a call is genuinely from the
  service (a shared secret, a signature), checked by the server before anything runs;
  False answers 403.
* `verify(parameters, version, headers, state, raw_body)`: the same with the raw body,
  for signatures over it (default: `accepts`); the server calls this one.
* `answer_without_run(parameters, version, headers, body)`: a verified call that only
  checks the URL (GitHub's `ping`) is answered 200 with this text and runs nothing.
* `items(ctx, request)`: the run's items from the request item (`headers`, `query`,
  `body`, ...).

The server routes the node at `/webhook/<webhookId>/webhook` (n8n's URL for these nodes;
`webhookId` is on the exported node) and answers 200 as soon as the execution is recorded.
Registration runs the node alone, unrecorded, with the workflow's credentials, policy and
static data (the modes below), in the server that activates the workflow.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext

__all__ = ["REGISTER_MODE", "UNREGISTER_MODE", "ServiceWebhookTrigger", "hook_path"]

REGISTER_MODE = "webhookRegister"
UNREGISTER_MODE = "webhookUnregister"
"""Modes of the node-alone runs that register and unregister (never recorded). Their one
input item is `{"url": the node's production webhook URL}`."""


def hook_path(webhook_id: str) -> str:
    """The path below /webhook/ a service webhook trigger listens on."""
    return f"{webhook_id.strip().strip('/')}/webhook"


class ServiceWebhookTrigger(Node):
    """Base of webhook triggers registered with a service on activation."""

    http_method: ClassVar[str] = "POST"

    def register(self, ctx: NodeContext, url: str) -> None:
        raise NotImplementedError

    def unregister(self, ctx: NodeContext, url: str) -> None:
        raise NotImplementedError

    @classmethod
    def accepts(
        cls,
        parameters: Mapping[str, Any],
        version: float,
        headers: Mapping[str, str],
        state: Mapping[str, Any],
    ) -> bool:
        """Whether a call is from the service (headers lowercased; `state` is the node's
        static data as `register` left it). Default: every call."""
        return True

    @classmethod
    def verify(
        cls,
        parameters: Mapping[str, Any],
        version: float,
        headers: Mapping[str, str],
        state: Mapping[str, Any],
        raw_body: bytes,
    ) -> bool:
        """`accepts` with the call's raw body too, for signatures over the body (GitHub's
        X-Hub-Signature-256, Typeform-Signature). The server calls this one; by default
        it is `accepts`."""
        return cls.accepts(parameters, version, headers, state)

    @staticmethod
    def signed(state: Mapping[str, Any], secret_key: str, given: str, expected: Any) -> bool:
        """Whether `given` (a signature header) equals `expected(secret, ...)`'s answer for
        the secret `register` kept in `state[secret_key]`, compared in constant time; no
        secret or no signature is a refusal."""
        secret = state.get(secret_key)
        if not isinstance(secret, str) or not secret or not given:
            return False
        return hmac.compare_digest(str(expected(secret)).encode(), given.encode())

    @classmethod
    def answer_without_run(
        cls, parameters: Mapping[str, Any], version: float, headers: Mapping[str, str], body: Any
    ) -> str | None:
        """For a verified call that is only the service checking the URL (GitHub's
        `ping`): the text to answer with 200, starting no run. None (default): run."""
        return None

    def items(self, ctx: NodeContext, request: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The run's items (default: the request body, as one item)."""
        body = request.get("body")
        return [body if isinstance(body, dict) else {"body": body}]

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        rows = inputs[0].to_json() if inputs else []
        mode = ctx.execution.mode
        if mode in (REGISTER_MODE, UNREGISTER_MODE):
            url = str(rows[0].get("url", "")) if rows else ""
            (self.register if mode == REGISTER_MODE else self.unregister)(ctx, url)
            return [ItemBatch.empty()]
        out: list[dict[str, Any]] = []
        for row in rows:
            out.extend(self.items(ctx, row))
        return [ItemBatch.from_json(out)]

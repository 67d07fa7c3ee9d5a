"""Telegram Trigger (n8n `telegramTrigger` 1, 1.1): the bot's updates start the workflow.

A service webhook trigger (hetumind.nodes.service_webhooks): activation calls the Bot
API's setWebhook with the node's URL, the chosen `updates` (`*`: all, sent as []) and a
secret token; deactivation calls deleteWebhook. From version 1.1 a call must carry the
token in `X-Telegram-Bot-Api-Secret-Token` (else 403 "Provided secret is not valid", as in
n8n). The update itself is the item.

Difference: n8n derives the secret from the workflow and node ids, which anyone who sees
the workflow knows; Hetumind draws a random one at each activation and keeps it in the
node's static data. `additionalFields.download` (fetching the photo or file into binary
data) is not offered yet: the item carries the update's file ids.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from typing import Any

from hetumind.errors import NodeExecutionError
from hetumind.integrations.client import ServiceClient
from hetumind.nodes.api import NodeContext, NodeParams, node
from hetumind.nodes.builtin.telegram import TELEGRAM
from hetumind.nodes.service_webhooks import ServiceWebhookTrigger

__all__ = ["TelegramTrigger"]

SECRET_HEADER = "x-telegram-bot-api-secret-token"
SECRET_KEY = "secretToken"


class TelegramTriggerParams(NodeParams):
    updates: list[str] = []


@node(
    "telegramTrigger",
    versions=[1, 1.1],
    display_name="Telegram Trigger",
    description="Starts the workflow on a Telegram update",
    inputs=0,
    trigger=True,
    params=TelegramTriggerParams,
    trigger_kind="webhook",
    fusible=False,
)
class TelegramTrigger(ServiceWebhookTrigger):
    """Receives the bot's updates through a webhook registered with the Bot API."""

    def register(self, ctx: NodeContext, url: str) -> None:
        updates = ctx.param("updates", 0, []) or []
        if not isinstance(updates, list):
            raise NodeExecutionError("parameter 'updates' must be a list", node=ctx.node_name)
        token = secrets.token_urlsafe(32)
        body = {
            "url": url,
            "allowed_updates": [] if "*" in updates else [str(u) for u in updates],
            "secret_token": token,
        }
        ServiceClient(ctx, TELEGRAM).request("POST", "setWebhook", body=body)
        ctx.static_data("node")[SECRET_KEY] = token

    def unregister(self, ctx: NodeContext, url: str) -> None:
        ServiceClient(ctx, TELEGRAM).request("POST", "deleteWebhook", body={})
        ctx.static_data("node").pop(SECRET_KEY, None)

    @classmethod
    def accepts(
        cls,
        parameters: Mapping[str, Any],
        version: float,
        headers: Mapping[str, str],
        state: Mapping[str, Any],
    ) -> bool:
        if version < 1.1:
            return True  # n8n checks the secret from 1.1 on
        expected = str(state.get(SECRET_KEY) or "")
        given = str(headers.get(SECRET_HEADER) or "")
        return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())

"""Discord version 1: the webhook-only node. No credential: the `webhookUri` parameter is
the webhook (`https://discord.com/api/webhooks/<id>/<token>`), `text` the content,
`options` (n8n's "Additional Fields") embeds, components, allowedMentions, payloadJson,
attachments (JSON text), avatarUrl, username, flags, tts. Every item posts once and gives
`{"success": true}`; a 429 waits its Retry-After and is sent again, five tries in all, as
n8n does.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from hetumind.capabilities import capabilities_of
from hetumind.errors import NodeExecutionError
from hetumind.http.client import TransportKey
from hetumind.http.request import RequestSpec
from hetumind.http.transport import HttpResponse, RequestFailed, send
from hetumind.integrations.client import parse_body
from hetumind.integrations.errors import NodeApiError, api_error
from hetumind.items import ItemBatch
from hetumind.nodes.api import NodeContext
from hetumind.nodes.item_wise import item_error

__all__ = ["run_v1"]

MAX_TRIES = 5
MAX_WAIT_S = 60.0


def _json_option(ctx: NodeContext, i: int, value: Any, message: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise NodeExecutionError(message, node=ctx.node_name, item_index=i) from None


def _body(ctx: NodeContext, i: int) -> dict[str, Any]:
    body: dict[str, Any] = {"content": ctx.param("text", i, "")}
    raw = ctx.param("options", i, {})
    options: dict[str, Any] = dict(raw) if isinstance(raw, dict) else {}
    if not body["content"] and not options.get("embeds"):
        raise NodeExecutionError(
            "Either content or embeds must be set.", node=ctx.node_name, item_index=i
        )
    if options.get("embeds"):
        embeds = _json_option(ctx, i, options["embeds"], "Embeds must be valid JSON.")
        if not isinstance(embeds, list):
            raise NodeExecutionError(
                "Embeds must be an array of embeds.", node=ctx.node_name, item_index=i
            )
        body["embeds"] = embeds
    if options.get("username"):
        body["username"] = options["username"]
    if options.get("components"):
        body["components"] = _json_option(
            ctx, i, options["components"], "Components must be valid JSON."
        )
    if options.get("allowedMentions"):
        body["allowed_mentions"] = _json_option(
            ctx, i, options["allowedMentions"], "Allowed Mentions must be valid JSON."
        )
    if options.get("avatarUrl"):
        body["avatar_url"] = options["avatarUrl"]
    if options.get("flags"):
        body["flags"] = options["flags"]
    if options.get("tts"):
        body["tts"] = options["tts"]
    if options.get("payloadJson"):
        body["payload_json"] = _json_option(
            ctx, i, options["payloadJson"], "JSON Payload must be valid JSON."
        )
    if options.get("attachments"):
        body["attachments"] = _json_option(
            ctx, i, options["attachments"], "Attachments must be valid JSON."
        )
    return {k: v for k, v in body.items() if v not in (None, "", 0, False, [], {})}


def _post(
    ctx: NodeContext, i: int, uri: str, body: dict[str, Any], sleep: Callable[[float], None]
) -> HttpResponse:
    spec = RequestSpec(
        method="POST",
        url=uri,
        body_kind="json",
        body=body,
        transport=TransportKey(network=capabilities_of(ctx).network),
        secret_names=frozenset(),
    )
    for _ in range(MAX_TRIES):
        try:
            response = send(spec)
        except RequestFailed as exc:
            raise NodeApiError(exc.message, node=ctx.node_name, item_index=i) from None
        if response.status != 429:
            return response
        try:
            wait = float(response.headers.get("retry-after", "1"))
        except ValueError:
            wait = 1.0
        if wait > MAX_WAIT_S:
            return response
        sleep(max(0.0, wait))
    raise NodeApiError(
        "Could not send Webhook message. Max amount of rate-limit retries reached.",
        node=ctx.node_name,
        item_index=i,
        http_code=429,
    )


def run_v1(
    ctx: NodeContext, inputs: Sequence[ItemBatch], *, sleep: Callable[[float], None] = time.sleep
) -> list[ItemBatch]:
    batch = inputs[0] if inputs else ItemBatch.empty()
    items = batch.to_items()
    if not items:
        return [ItemBatch.empty()]
    if not ctx.param("webhookUri", 0, ""):
        raise NodeExecutionError("Webhook uri is required.", node=ctx.node_name)
    rows: list[dict[str, Any]] = []
    paired: list[int] = []
    for i in range(len(items)):
        try:
            uri = str(ctx.param("webhookUri", i, "") or "")
            if not uri.startswith(("http://", "https://")):
                raise NodeExecutionError(
                    f"The webhookUri is not a URL: {uri!r}", node=ctx.node_name, item_index=i
                )
            response = _post(ctx, i, uri, _body(ctx, i), sleep)
            if not response.ok:
                raise api_error(
                    response.status, parse_body(response), node=ctx.node_name, item_index=i
                )
            rows.append({"success": True})
        except NodeExecutionError as exc:
            rows.append(item_error(ctx, i, exc.reason, stop=exc))
        paired.append(i)
    return [ItemBatch.from_json(rows, paired=paired)]

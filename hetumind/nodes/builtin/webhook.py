"""Webhook (n8n `webhook` 1-2.x) and Respond to Webhook (`respondToWebhook` 1.x).

The HTTP side lives in serve_app: it finds the active workflow by path and method, builds
the request item `{headers, params, query, body, webhookUrl, executionMode}` and hands it
to the Webhook node as its trigger input. Respond to Webhook computes its response here, so
its expressions see the run's items, and leaves it in RunMeta.extra for the server.
"""

from __future__ import annotations

import base64
import hmac
import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hetumind.errors import HetumindError, NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node

__all__ = [
    "AUTH_CREDENTIALS",
    "RESPONSE_KEY",
    "RespondToWebhook",
    "Webhook",
    "WebhookParams",
    "WebhookRefused",
    "WebhookResponse",
    "check_webhook_request",
    "header_entries",
    "webhook_methods",
]

RESPONSE_KEY = "webhookResponse"
"""Key of Respond to Webhook's response in RunMeta.extra."""

METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


class WebhookParams(NodeParams):
    httpMethod: str | list[str] = "GET"
    multipleMethods: bool = False
    path: str = ""
    authentication: str = "none"
    responseMode: str = "onReceived"
    responseCode: int = 200
    responseData: str = "firstEntryJson"
    options: dict[str, Any] = {}


def webhook_methods(params: Mapping[str, Any]) -> list[str]:
    """The HTTP methods a Webhook node answers (2.x `multipleMethods` allows several)."""
    value = params.get("httpMethod", "GET")
    methods = value if isinstance(value, list) else [value]
    return [str(m).upper() for m in methods] or ["GET"]


def header_entries(options: Mapping[str, Any]) -> dict[str, str]:
    """n8n's `responseHeaders.entries[{name, value}]` as a plain dict."""
    headers = options.get("responseHeaders")
    entries = headers.get("entries", []) if isinstance(headers, Mapping) else []
    return {
        str(e["name"]): str(e.get("value", ""))
        for e in entries
        if isinstance(e, Mapping) and e.get("name")
    }


@node(
    "webhook",
    versions=[1, 1.1, 2, 2.1],
    display_name="Webhook",
    inputs=0,
    trigger=True,
    params=WebhookParams,
    trigger_kind="webhook",
    pure=True,
)
class Webhook(Node):
    """Starts the workflow when an HTTP request arrives at /webhook/<path>."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        # The server passes the request item as the trigger input (like manualTrigger's).
        if inputs and len(inputs[0]):
            return [inputs[0]]
        return [ItemBatch.from_json([{"headers": {}, "params": {}, "query": {}, "body": {}}])]


class RespondParams(NodeParams):
    respondWith: str = "firstIncomingItem"
    responseBody: Any = ""
    redirectURL: str = ""
    options: dict[str, Any] = {}


@dataclass(frozen=True)
class WebhookResponse:
    """What the server sends back: status, headers and a body (JSON value, text, a binary
    entry whose bytes are in the blob store, or none)."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    kind: str = "json"  # json | text | empty | binary (body: a binary entry)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "headers": self.headers,
            "body": self.body,
            "kind": self.kind,
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> WebhookResponse:
        return WebhookResponse(
            int(data.get("status", 200)),
            dict(data.get("headers") or {}),
            data.get("body"),
            str(data.get("kind", "json")),
        )


@node(
    "respondToWebhook",
    versions=[1, 1.1, 1.2, 1.3, 1.4, 1.5],
    display_name="Respond to Webhook",
    params=RespondParams,
    fusible=True,
)
class RespondToWebhook(Node):
    """Sets the HTTP response of a webhook whose responseMode is responseNode."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()
        response = self.response(ctx, batch)
        ctx.record(RESPONSE_KEY, response.to_dict())
        # n8n passes the incoming items on unchanged.
        return [batch.with_identity_pairing()]

    def response(self, ctx: NodeContext, batch: ItemBatch) -> WebhookResponse:
        respond_with = str(ctx.param("respondWith", 0, "firstIncomingItem"))
        options = ctx.param("options", 0, {}) or {}
        status = int(options.get("responseCode", 200))
        headers = header_entries(options)
        key = options.get("responseKey")
        if respond_with in ("firstIncomingItem", "allIncomingItems"):
            rows = batch.to_json()
            body: Any = rows[0] if respond_with == "firstIncomingItem" and rows else rows
            if respond_with == "firstIncomingItem" and not rows:
                body = {}
            return WebhookResponse(status, headers, {key: body} if key else body)
        if respond_with == "json":
            raw = ctx.param("responseBody", 0, "")
            if isinstance(raw, str):
                try:
                    raw = json.loads(raw) if raw.strip() else {}
                except json.JSONDecodeError as exc:
                    raise NodeExecutionError(
                        f"Invalid JSON in 'Response Body' field: {exc.msg} at column {exc.colno}"
                    ) from None
            return WebhookResponse(status, headers, raw)
        if respond_with == "text":
            text = ctx.param("responseBody", 0, "")
            headers.setdefault("content-type", "text/plain; charset=utf-8")
            return WebhookResponse(status, headers, "" if text is None else str(text), "text")
        if respond_with == "noData":
            return WebhookResponse(status, headers, None, "empty")
        if respond_with == "binary":
            return WebhookResponse(status, headers, self._binary(ctx, batch), "binary")
        if respond_with == "redirect":
            headers["location"] = str(ctx.param("redirectURL", 0, ""))
            return WebhookResponse(int(options.get("responseCode", 307)), headers, None, "empty")
        raise NodeExecutionError(
            f"respondWith {respond_with!r} is not supported; use json, text, binary, "
            "firstIncomingItem, allIncomingItems, noData or redirect"
        )

    @staticmethod
    def _binary(ctx: NodeContext, batch: ItemBatch) -> dict[str, Any]:
        """The first item's binary entry: its only (first) one with responseDataSource
        automatically, else the one named by inputFieldName (n8n's texts)."""
        entries = (batch.binary[0] if len(batch) and batch.binary else None) or {}
        if str(ctx.param("responseDataSource", 0, "automatically")) == "set":
            name = str(ctx.param("inputFieldName", 0, "data"))
            entry = entries.get(name)
            if not isinstance(entry, Mapping):
                raise NodeExecutionError(
                    f"This operation expects the node's input data to contain a binary file "
                    f"'{name}', but none was found",
                    node=ctx.node_name,
                )
            return dict(entry)
        if not entries:
            raise NodeExecutionError("No binary data exists on the first item!", node=ctx.node_name)
        return dict(next(iter(entries.values())))


def received_response(params: Mapping[str, Any]) -> WebhookResponse:
    """The Webhook node's answer in responseMode onReceived (at once, before the run)."""
    options = params.get("options") or {}
    status = int(params.get("responseCode") or options.get("responseCode") or 200)
    headers = header_entries(options)
    if options.get("noResponseBody"):
        return WebhookResponse(status, headers, None, "empty")
    if options.get("responseData"):
        return WebhookResponse(status, headers, str(options["responseData"]), "text")
    return WebhookResponse(status, headers, {"message": "Workflow was started"})


def last_node_response(params: Mapping[str, Any], result: Any) -> WebhookResponse:
    """The Webhook node's answer in responseMode lastNode: from the last node's output
    (`result` an ExecutionResult): its first item's JSON (or one property of it), all
    items, the first item's binary file (firstEntryBinary), or nothing."""
    options = params.get("options") or {}
    status = int(params.get("responseCode") or options.get("responseCode") or 200)
    headers = header_entries(options)
    mode = params.get("responseData", "firstEntryJson")
    if mode == "noData":
        return WebhookResponse(status, headers, None, "empty")
    last = result.last_node_executed
    if mode == "firstEntryBinary":
        binary_prop = str(options.get("binaryPropertyName") or "data")
        entry = _first_binary(result, last, binary_prop)
        if entry is None:
            raise NodeExecutionError(
                f"No binary data property {binary_prop!r} on the first item of the last node",
                node=last,
            )
        return WebhookResponse(status, headers, dict(entry), "binary")
    items = result.outputs(last)[0] if last is not None else []
    if mode == "allEntries":
        return WebhookResponse(status, headers, items)
    first = items[0] if items else {}
    prop = options.get("responsePropertyName")
    if prop:
        first = first.get(prop) if isinstance(first, dict) else None
    return WebhookResponse(status, headers, first)


def _first_binary(result: Any, last: str | None, prop: str) -> Mapping[str, Any] | None:
    """The last node's first item's binary entry `prop` (None: there is none)."""
    if last is None or result.backend is None:
        return None
    batches = result.backend.outputs(result.run_data[last][-1].outputs)
    if not batches or not batches[0].binary:
        return None
    entry = (batches[0].binary[0] or {}).get(prop)
    return entry if isinstance(entry, Mapping) else None


AUTH_CREDENTIALS = {
    "basicAuth": "httpBasicAuth",
    "headerAuth": "httpHeaderAuth",
    "jwtAuth": "jwtAuth",
    "bearerAuth": "httpBearerAuth",
}
"""The Webhook node's `authentication` values and the credential type each reads."""


class WebhookRefused(HetumindError):
    """A webhook call that n8n's Webhook node would refuse: `status` with n8n's text."""

    def __init__(self, status: int, message: str | None = None) -> None:
        default = {401: "Authorization is required!", 403: "Authorization data is wrong!"}
        super().__init__(message or default.get(status, "Authorization problem!"))
        self.status = status


def _ip_allowed(whitelist: Any, ip: str) -> bool:
    """n8n's options.ipWhitelist: comma-separated addresses (CIDR ranges too, here);
    invalid entries are ignored as n8n's BlockList ignores them."""
    if whitelist is None or whitelist == "":
        return True
    entries = whitelist if isinstance(whitelist, list) else str(whitelist).split(",")
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for entry in entries:
        try:
            if address in ipaddress.ip_network(str(entry).strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(
        given.encode("utf-8", "replace"), expected.encode("utf-8", "replace")
    )


def check_webhook_request(
    params: Mapping[str, Any],
    credential: Mapping[str, Any] | None,
    headers: Mapping[str, str],
    client_ip: str,
) -> dict[str, Any] | None:
    """Refuse (WebhookRefused) a call as n8n's Webhook node does: the IP allowlist first,
    then basic, header, bearer or JWT authentication against the node's credential.
    Returns the JWT payload for jwtAuth (n8n puts it on the item as `jwtPayload`).

    `headers` have lower-case names.
    """
    options = params.get("options") or {}
    if not _ip_allowed(
        options.get("ipWhitelist") if isinstance(options, Mapping) else None, client_ip
    ):
        raise WebhookRefused(403, "IP is not whitelisted to access the webhook!")
    kind = params.get("authentication", "none") or "none"
    if kind == "none":
        return None
    if kind not in AUTH_CREDENTIALS:
        raise WebhookRefused(403, f"unknown webhook authentication {kind!r}")
    data = dict(credential or {})
    missing = WebhookRefused(403, "No authentication data defined on node!")
    if kind == "basicAuth":
        user, password = str(data.get("user") or ""), str(data.get("password") or "")
        if not user or not password:
            raise missing
        scheme, _, encoded = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic" or not encoded:
            raise WebhookRefused(401)
        try:
            given_user, _, given_password = (
                base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
            )
        except (ValueError, UnicodeDecodeError):
            raise WebhookRefused(403) from None
        if not (_same(given_user, user) & _same(given_password, password)):
            raise WebhookRefused(403)
        return None
    if kind == "headerAuth":
        name, value = str(data.get("name") or ""), str(data.get("value") or "")
        if not name or not value:
            raise missing
        given = headers.get(name.lower())
        if given is None or not _same(given, value):
            raise WebhookRefused(403)
        return None
    if kind == "bearerAuth":
        token = str(data.get("token") or "")
        if not token:
            raise missing
        if not _same(headers.get("authorization", ""), f"Bearer {token}"):
            raise WebhookRefused(403)
        return None
    return _check_jwt(data, headers, missing)


def _check_jwt(
    data: Mapping[str, Any], headers: Mapping[str, str], missing: WebhookRefused
) -> dict[str, Any]:
    import jwt

    if not data:
        raise missing
    parts = headers.get("authorization", "").split(" ")
    token = parts[1] if len(parts) > 1 else ""
    if not token:
        raise WebhookRefused(401, "No token provided")
    algorithm = str(data.get("algorithm") or "HS256")
    if data.get("keyType", "passphrase") == "passphrase":
        key: str = str(data.get("secret") or "")
    else:
        key = str(data.get("publicKey") or "").replace("\\n", "\n")
    try:
        payload = jwt.decode(token, key, algorithms=[algorithm], options={"verify_aud": False})
    except jwt.PyJWTError as exc:
        raise WebhookRefused(403, str(exc)) from None
    except (ValueError, TypeError) as exc:  # a key that does not fit the algorithm
        raise WebhookRefused(403, f"invalid key: {exc}") from None
    return dict(payload)

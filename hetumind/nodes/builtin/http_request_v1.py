"""HTTP Request typeVersions 1 and 2 (n8n's HttpRequestV1/V2): the parameter shapes of
n8n 0.x exports, turned into the same RequestSpec the 4.x node sends.

Shapes: `requestMethod`, `url`, `responseFormat` (json / string / file), `jsonParameters`
with `bodyParametersJson` / `headerParametersJson` / `queryParametersJson`, else the
`*ParametersUi.parameter` name/value lists; `options` (bodyContentType, fullResponse,
splitIntoItems, followRedirect, followAllRedirects, ignoreResponseCode, timeout,
useQueryString, batchSize/batchInterval, proxy, bodyContentCustomMimeType). Version 1
names its auth `basicAuth`, `headerAuth`, `queryAuth`, `oAuth2`; version 2 uses
`genericCredentialType` + `genericAuthType` as 4.x does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hetumind.binary import put_binary
from hetumind.capabilities import capabilities_of
from hetumind.http.auth import Auth, load_auth
from hetumind.http.build import ACCEPT, BuildError, checked_url, file_part
from hetumind.http.client import TransportKey
from hetumind.http.request import RequestSpec
from hetumind.http.response import OutputItem, ResponseError
from hetumind.http.transport import HttpResponse
from hetumind.nodes.api import NodeContext

__all__ = [
    "STATUS_MESSAGES",
    "V1_AUTH",
    "build_request_v1",
    "load_auth_v1",
    "response_items_v1",
    "status_error",
]

V1_AUTH = {
    "basicAuth": "httpBasicAuth",
    "headerAuth": "httpHeaderAuth",
    "queryAuth": "httpQueryAuth",
    "oAuth2": "oAuth2Api",
    "digestAuth": "httpDigestAuth",
    "oAuth1": "oAuth1Api",
}
"""Version 1's `authentication` values -> the credential type each reads."""

DEFAULT_TIMEOUT_S = 3600.0  # versions 1-2 wait an hour unless options.timeout says
_BODY_METHODS = frozenset({"PATCH", "POST", "PUT"})
_JSON_PARAMETERS = {
    "bodyParametersJson": ("body", "Body Parameters"),
    "headerParametersJson": ("headers", "Headers"),
    "queryParametersJson": ("qs", "Query Parameters"),
}
_UI_PARAMETERS = {
    "bodyParametersUi": "body",
    "headerParametersUi": "headers",
    "queryParametersUi": "qs",
}


def load_auth_v1(ctx: NodeContext) -> Auth:
    """The run's credential, from version 1's or version 2's `authentication`."""
    authentication = str(ctx.param("authentication", 0, "none") or "none")
    if ctx.type_version >= 2 or authentication in ("none", "genericCredentialType"):
        return load_auth(authentication, str(ctx.param("genericAuthType", 0, "")), ctx.credentials)
    kind = V1_AUTH.get(authentication)
    if kind is None:
        raise BuildError(
            f"authentication {authentication!r} is not one of {', '.join(['none', *V1_AUTH])}"
        )
    return load_auth("genericCredentialType", kind, ctx.credentials)


def _options(ctx: NodeContext, i: int) -> dict[str, Any]:
    options = ctx.param("options", i, {})
    return dict(options) if isinstance(options, Mapping) else {}


def build_request_v1(
    ctx: NodeContext, i: int, binary: Mapping[str, Any] | None
) -> tuple[RequestSpec, bool]:
    """Item `i`'s request and whether its body is raw (sent and answered as text)."""
    url = checked_url(ctx.param("url", i, ""))
    method = str(ctx.param("requestMethod", i, "GET") or "GET").upper()
    options = _options(ctx, i)
    content_type = str(options.get("bodyContentType") or "json")
    parts: dict[str, Any] = {}
    if ctx.param("jsonParameters", i, False):
        _json_parts(ctx, i, binary, content_type, parts)
    else:
        _ui_parts(ctx, i, parts)
    headers: dict[str, str] = {
        str(k): v if isinstance(v, str) else json.dumps(v)
        for k, v in (parts.get("headers") or {}).items()
    }
    # n8n's request helper sends no body with GET and HEAD (recorded: legacy_http_v1_multipart)
    body = parts.get("body") if method not in ("GET", "HEAD") else None
    kind = "none"
    if isinstance(body, bytes):
        kind = "content"
    elif isinstance(body, list):
        kind = "multipart"
    elif body is not None:
        if method in _BODY_METHODS and content_type == "form-urlencoded":
            kind = "form"
            if not isinstance(body, Mapping):
                raise BuildError("a form-urlencoded body must be name/value pairs")
        elif method in _BODY_METHODS and content_type == "multipart-form-data":
            kind = "multipart"
            body = list(body.items()) if isinstance(body, Mapping) else []
        elif content_type == "raw":
            kind = "content"
            body = (body if isinstance(body, str) else json.dumps(body)).encode()
        else:
            kind = "json"
    if options.get("bodyContentCustomMimeType"):
        headers["Content-Type"] = str(options["bodyContentCustomMimeType"])
    if "accept" not in headers:
        fmt = str(ctx.param("responseFormat", 0, "json"))
        headers["accept"] = ACCEPT[
            "json" if fmt == "json" else "text" if fmt == "string" else "other"
        ]
    follow = options.get("followRedirect", True) is not False and (
        method in ("GET", "HEAD") or options.get("followAllRedirects") is True
    )
    timeout = options.get("timeout")
    try:
        timeout_s = float(timeout) / 1000 if timeout not in (None, "") else DEFAULT_TIMEOUT_S
    except (TypeError, ValueError):
        raise BuildError(
            f"options.timeout must be a number of milliseconds, got {timeout!r}"
        ) from None
    spec = RequestSpec(
        method=method,
        url=url,
        qs=dict(parts.get("qs") or {}),
        headers=headers,
        body_kind=kind,  # type: ignore[arg-type]  # one of BodyKind by construction
        body=body,
        # the `request` library's qs encoding: a[0]=x, or a=x&a=y with useQueryString
        array_format="repeat" if options.get("useQueryString") else "indices",
        timeout_s=max(0.001, timeout_s),
        follow_redirects=follow,
        transport=TransportKey(
            verify=not ctx.param("allowUnauthorizedCerts", i, False),
            max_redirects=10,  # the `request` library's limit
            proxy=str(options.get("proxy") or "") or None,
            network=capabilities_of(ctx).network,
        ),
    )
    return spec, content_type == "raw"


def _json_parts(
    ctx: NodeContext,
    i: int,
    binary: Mapping[str, Any] | None,
    content_type: str,
    parts: dict[str, Any],
) -> None:
    method = str(ctx.param("requestMethod", i, "GET") or "GET").upper()
    for parameter, (target, title) in _JSON_PARAMETERS.items():
        if target == "body" and ctx.param("sendBinaryData", i, False) and method in _BODY_METHODS:
            parts["body"] = _binary_body(ctx, i, binary, content_type)
            continue
        value = ctx.param(parameter, i, "")
        if value == "" or value is None:
            continue
        if not isinstance(value, dict | list) and not (target == "body" and content_type == "raw"):
            try:
                value = json.loads(str(value))
            except ValueError:
                raise BuildError(
                    f'The data in "{title}" is no valid JSON. Set Body Content Type to '
                    '"RAW/Custom" for XML or other types of payloads'
                ) from None
        if target != "body" and not isinstance(value, dict):
            raise BuildError(f'"{title}" must be a JSON object')
        parts[target] = value


def _binary_body(
    ctx: NodeContext, i: int, binary: Mapping[str, Any] | None, content_type: str
) -> Any:
    if content_type not in ("raw", "multipart-form-data"):
        raise BuildError(
            'Sending binary data is only supported when option "Body Content Type" is set '
            'to "RAW/CUSTOM" or "FORM-DATA/MULTIPART"!'
        )
    names = str(ctx.param("binaryPropertyName", i, "data") or "data")
    if content_type == "raw":
        return file_part(binary, names.strip()).data
    fields = [n.strip() for n in names.split(",")]
    body: list[tuple[str, Any]] = []
    for spec in fields:
        send_as, prop = spec.split(":", 1) if ":" in spec else ("file", spec)
        if ":" not in spec and len(fields) > 1:
            raise BuildError(
                "If more than one property should be send it is needed to define the in the "
                'format: "sendKey1:binaryProperty1,sendKey2:binaryProperty2"'
            )
        body.append((send_as, file_part(binary, prop)))
    return body


def _ui_parts(ctx: NodeContext, i: int, parts: dict[str, Any]) -> None:
    for parameter, target in _UI_PARAMETERS.items():
        entries = ctx.param(f"{parameter}.parameter", i, None)
        if not isinstance(entries, list):
            continue
        values: dict[str, Any] = {}
        for entry in entries:
            if not isinstance(entry, Mapping):
                continue
            name, value = str(entry.get("name", "")), entry.get("value", "")
            if target == "qs" and name in values:  # repeated query names become a list
                prior = values[name]
                values[name] = [*prior, value] if isinstance(prior, list) else [prior, value]
            elif target == "headers":
                values[name.lower()] = value
            else:
                values[name] = value
        parts[target] = values


STATUS_MESSAGES = {
    400: "Bad request - please check your parameters",
    401: "Authorization failed - please check your credentials",
    402: "Payment required - perhaps check your payment details?",
    403: "Forbidden - perhaps check your credentials?",
    404: "The resource you are requesting could not be found",
    405: "Method not allowed - please check you are using the right HTTP method",
    429: "The service is receiving too many requests from you",
    500: "The service was not able to process your request",
    502: "Bad gateway - the service failed to handle your request",
    503: "Service unavailable - try again later or consider setting this node to retry "
    "automatically (in the node settings)",
    504: "Gateway timed out - perhaps try again later?",
}
"""n8n's NodeApiError messages by status (its 4XX / 5XX texts for the others)."""


def status_error(response: HttpResponse) -> ResponseError:
    """The error for an answer outside 2xx: n8n's words, then the status and body."""
    message = STATUS_MESSAGES.get(response.status) or (
        "The service failed to process your request"
        if response.status >= 500
        else "Your request is invalid or could not be processed by the service"
    )
    text = response.text().strip()[:1000]
    return ResponseError(f"{message} ({response.status} - {text or response.reason})")


def response_items_v1(
    ctx: NodeContext,
    i: int,
    response: HttpResponse,
    raw_body: bool,
    item: Mapping[str, Any],
) -> list[OutputItem]:
    """Version 1-2's output items for item `i`'s answer."""
    fmt = str(ctx.param("responseFormat", 0, "json"))
    prop = str(ctx.param("dataPropertyName", 0, "data") or "data")
    options = _options(ctx, i)
    full = bool(options.get("fullResponse"))
    meta = {
        "headers": response.headers,
        "statusCode": response.status,
        "statusMessage": response.reason,
    }
    if fmt == "file":
        entry = put_binary(
            response.content,
            mime_type=response.content_type.split(";")[0].strip() or None,
        )
        binary = {**(item.get("binary") or {}), prop: entry}
        return [(meta if full else dict(item["json"]), binary)]
    text = response.text()
    if fmt == "string":
        return [({prop: text, **meta} if full else {prop: text}, None)]
    # the `request` library parses JSON answers; the node then insists on JSON
    body = _parsed(text)
    if full:
        return [({"body": body, **meta}, None)]
    if isinstance(body, list):
        # n8n 1-2 keep an unsplit array as one item's json, which no other node can read
        # as an item: we split it either way (docs/nodes/legacy.md)
        return [(_item_json(v), None) for v in body]
    return [(_item_json(body), None)]


def _parsed(text: str) -> Any:
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise ResponseError(
            'Response body is not valid JSON. Change "Response Format" to "String"'
        ) from None


def _item_json(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    return {"data": value}  # a bare string or number answer

"""From the node's parameters (n8n HttpRequest V3 shapes) to a RequestSpec for one item."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from hetumind.binary import read_binary
from hetumind.capabilities import capabilities_of
from hetumind.errors import HetumindError
from hetumind.http.client import TransportKey
from hetumind.http.request import FilePart, RequestSpec, idempotency_key, set_path
from hetumind.nodes.api import NodeContext

__all__ = [
    "ACCEPT",
    "BuildError",
    "build_request",
    "checked_url",
    "file_part",
    "response_format",
]

DEFAULT_TIMEOUT_MS = 300_000  # n8n's default when options.timeout is not set
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ACCEPT = {
    "json": "application/json,text/*;q=0.99",
    "text": "application/json,text/html,application/xhtml+xml,application/xml,text/*;q=0.9, "
    "*/*;q=0.1",
    "other": "application/json,text/html,application/xhtml+xml,application/xml,text/*;q=0.9, "
    "image/*;q=0.8, */*;q=0.7",
}
"""n8n's Accept header per response format, sent unless the node sets its own."""


class BuildError(HetumindError):
    """A parameter that cannot make a request (bad URL, invalid JSON, missing binary)."""


def response_format(ctx: NodeContext, item_index: int = 0) -> str:
    return str(ctx.param("options.response.response.responseFormat", item_index, "autodetect"))


def checked_url(url: Any) -> str:
    """The URL parameter trimmed, or n8n's error for a value that cannot be one."""
    if not isinstance(url, str):
        kind = (
            "null"
            if url is None
            else "boolean"
            if isinstance(url, bool)
            else "number"
            if isinstance(url, int | float)
            else "object"
        )
        raise BuildError(f"URL parameter must be a string, got {kind}")
    url = url.strip()
    if not url:
        raise BuildError("URL parameter cannot be empty")
    if not url.startswith(("http://", "https://")):
        raise BuildError(f'Invalid URL: {url}. URL must start with "http" or "https".')
    return url


def build_request(
    ctx: NodeContext, i: int, binary: Mapping[str, Any] | None, execution_id: str
) -> RequestSpec:
    """The request for input item `i` (auth is applied by the caller)."""
    url = checked_url(ctx.param("url", i, ""))
    method = str(ctx.param("method", i, "GET") or "GET").upper()
    headers = _headers(ctx, i)
    body_kind, body, body_headers = _body(ctx, i, binary)
    headers = {**headers, **body_headers}
    if not any(k.lower() == "accept" for k in headers):
        fmt = response_format(ctx, i)
        headers["accept"] = ACCEPT.get(fmt, ACCEPT["other"])
    seed = None
    if ctx.param("options.idempotencyKey", i, False) and method not in SAFE_METHODS:
        seed = f"{execution_id}/{ctx.node_name}/{ctx.run_index}/{i}"
        if not any(k.lower() == "idempotency-key" for k in headers):
            headers["Idempotency-Key"] = idempotency_key(seed)
    follow, max_redirects = _redirects(ctx, i)
    # unset, n8n leaves the `qs` library at its default: a[0]=x&a[1]=y
    array_format = str(ctx.param("options.queryParameterArrays", i, "indices") or "indices")
    if array_format not in ("brackets", "indices", "repeat"):
        raise BuildError(
            f"options.queryParameterArrays {array_format!r} is not one of brackets, indices, repeat"
        )
    return RequestSpec(
        method=method,
        url=url,
        qs=_query(ctx, i),
        headers=headers,
        body_kind=body_kind,
        body=body,
        array_format=array_format,  # type: ignore[arg-type]  # checked just above
        timeout_s=_number(ctx.param("options.timeout", i, None), "options.timeout")
        or DEFAULT_TIMEOUT_MS / 1000,
        follow_redirects=follow,
        transport=TransportKey(
            verify=not ctx.param("options.allowUnauthorizedCerts", i, False),
            max_redirects=max_redirects,
            proxy=str(ctx.param("options.proxy", i, "") or "") or None,
            network=capabilities_of(ctx).network,
        ),
        idempotency_seed=seed,
    )


def _number(value: Any, name: str) -> float:
    """A millisecond option as seconds (0 when unset)."""
    if value in (None, ""):
        return 0.0
    try:
        return max(0.0, float(value)) / 1000
    except (TypeError, ValueError):
        raise BuildError(f"{name} must be a number of milliseconds, got {value!r}") from None


def _redirects(ctx: NodeContext, i: int) -> tuple[bool, int]:
    # v4 follows by default (n8n fills followRedirects: true, maxRedirects: 21); v3 only
    # when asked.
    settings = ctx.param("options.redirect.redirect", i, None)
    settings = settings if isinstance(settings, Mapping) else {}
    follow = settings.get("followRedirects", ctx.type_version >= 4) is True
    try:
        max_redirects = int(settings.get("maxRedirects") or 21)
    except (TypeError, ValueError):
        raise BuildError("options.redirect.maxRedirects must be a number") from None
    return follow, max(0, max_redirects)


def _pairs(ctx: NodeContext, path: str, i: int) -> list[Mapping[str, Any]]:
    entries = ctx.param(path, i, [])
    if not isinstance(entries, list):
        raise BuildError(f"{path} must be a list of name/value entries")
    return [e for e in entries if isinstance(e, Mapping) and str(e.get("name", "")) != ""]


def _json_parameter(ctx: NodeContext, path: str, i: int) -> Any:
    value = ctx.param(path, i, "")
    if not isinstance(value, str):
        return value  # an expression that produced an object
    try:
        return json.loads(value)
    except ValueError:
        raise BuildError(f"JSON parameter needs to be valid JSON ({path})") from None


def _keypairs(ctx: NodeContext, path: str, i: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for entry in _pairs(ctx, path, i):
        name, value = str(entry["name"]), entry.get("value", "")
        if ctx.type_version >= 4.3 and name in out:  # 4.3 keeps repeated names as arrays
            prior = out[name]
            out[name] = [*prior, value] if isinstance(prior, list) else [prior, value]
        else:
            out[name] = value
    return out


def _query(ctx: NodeContext, i: int) -> dict[str, Any]:
    if not ctx.param("sendQuery", i, False):
        return {}
    if ctx.param("specifyQuery", i, "keypair") == "json":
        qs = _json_parameter(ctx, "jsonQuery", i)
        if not isinstance(qs, dict):
            raise BuildError("jsonQuery must be a JSON object")
        return qs
    return _keypairs(ctx, "queryParameters.parameters", i)


def _headers(ctx: NodeContext, i: int) -> dict[str, str]:
    if not ctx.param("sendHeaders", i, False):
        return {}
    if ctx.param("specifyHeaders", i, "keypair") == "json":
        headers = _json_parameter(ctx, "jsonHeaders", i)
        if not isinstance(headers, dict):
            raise BuildError("jsonHeaders must be a JSON object")
    else:
        headers = _keypairs(ctx, "headerParameters.parameters", i)
    lower = ctx.param("options.lowercaseHeaders", i, True) is not False
    return {(k.lower() if lower else k): _header_text(v) for k, v in headers.items()}


def _header_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _binary_entry(binary: Mapping[str, Any] | None, field: str) -> Mapping[str, Any]:
    entry = (binary or {}).get(field)
    if not isinstance(entry, Mapping):
        raise BuildError(
            f"This operation expects the node's input data to contain a binary file "
            f"'{field}', but none was found"
        )
    return entry


def file_part(binary: Mapping[str, Any] | None, field: str) -> FilePart:
    entry = _binary_entry(binary, field)
    return FilePart(
        data=read_binary(entry, where=f"binary field '{field}'"),
        file_name=entry.get("fileName"),
        mime_type=str(entry.get("mimeType") or "application/octet-stream"),
    )


def _body(
    ctx: NodeContext, i: int, binary: Mapping[str, Any] | None
) -> tuple[Any, Any, dict[str, str]]:
    """(body kind, body, extra headers) for sendBody."""
    if not ctx.param("sendBody", i, False):
        return "none", None, {}
    content_type = str(ctx.param("contentType", i, "json"))
    specify = str(ctx.param("specifyBody", i, "keypair"))
    if content_type == "json":
        if specify == "json":
            return "json", _json_parameter(ctx, "jsonBody", i), {}
        if ctx.type_version < 4:  # v3 keeps dotted names as they are
            return "json", _keypairs(ctx, "bodyParameters.parameters", i), {}
        body: dict[str, Any] = {}
        for entry in _pairs(ctx, "bodyParameters.parameters", i):
            set_path(body, str(entry["name"]), entry.get("value", ""))
        return "json", body, {}
    if content_type == "form-urlencoded":
        if specify == "string":
            return "form", dict(parse_qsl(str(ctx.param("body", i, "")), True)), {}
        return "form", _keypairs(ctx, "bodyParameters.parameters", i), {}
    if content_type == "multipart-form-data":
        parts: list[tuple[str, Any]] = []
        for entry in ctx.param("bodyParameters.parameters", i, []) or []:
            if not isinstance(entry, Mapping):
                continue
            if entry.get("parameterType") == "formBinaryData":
                field = str(entry.get("inputDataFieldName", ""))
                if field:
                    parts.append((str(entry.get("name", "")), file_part(binary, field)))
            elif str(entry.get("name", "")):
                parts.append((str(entry["name"]), entry.get("value", "")))
        return "multipart", parts, {}
    if content_type == "raw":
        raw = ctx.param("body", i, "")
        text = raw if isinstance(raw, str) else json.dumps(raw)
        mime = str(ctx.param("rawContentType", i, "") or "text/plain")
        return "content", text.encode(), {"content-type": mime}
    if content_type == "binaryData":
        part = file_part(binary, str(ctx.param("inputDataFieldName", i, "data")))
        return "content", part.data, {"content-type": part.mime_type}
    raise BuildError(
        f"body content type {content_type!r} is not supported; use json, form-urlencoded, "
        "multipart-form-data, raw or binaryData"
    )

"""From an HTTP answer to output items, as n8n's HTTP Request 4.x shapes them.

Formats: `json` (an array answer gives one item per element), `text` (the body under
`outputPropertyName`), `file` (the body stored with `put_binary`, the input item's json
kept) and `autodetect`, which picks one from Content-Type. `fullResponse` wraps the body
with headers, statusCode and statusMessage.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

from hetumind.binary import put_binary
from hetumind.errors import HetumindError
from hetumind.http.transport import HttpResponse

__all__ = [
    "OutputItem",
    "ResponseError",
    "ResponseOptions",
    "detect_format",
    "parse_json_body",
    "response_items",
]

OutputItem = tuple[dict[str, Any], dict[str, Any] | None]
"""(json, binary) of one output item."""

BINARY_CONTENT_TYPES = (
    "image/",
    "audio/",
    "video/",
    "application/octet-stream",
    "application/gzip",
    "application/zip",
    "application/vnd.rar",
    "application/epub+zip",
    "application/x-bzip",
    "application/x-bzip2",
    "application/x-cdf",
    "application/vnd.amazon.ebook",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-fontobject",
    "application/vnd.oasis.opendocument.presentation",
    "application/pdf",
    "application/x-tar",
    "application/vnd.visio",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/x-7z-compressed",
)
"""n8n's list: autodetect stores these as files."""


class ResponseError(HetumindError):
    """An answer that cannot be turned into items in the chosen format."""


@dataclass(frozen=True)
class ResponseOptions:
    """options.response.response (read for item 0, as n8n does)."""

    response_format: str = "autodetect"
    full_response: bool = False
    never_error: bool = False
    output_property: str = "data"

    @classmethod
    def from_parameter(cls, value: Any) -> ResponseOptions:
        v = value if isinstance(value, Mapping) else {}
        fmt = str(v.get("responseFormat") or "autodetect")
        if fmt not in ("autodetect", "json", "text", "file"):
            raise ResponseError(
                f"response format {fmt!r} is not one of autodetect, json, text, file"
            )
        return cls(
            response_format=fmt,
            full_response=bool(v.get("fullResponse", False)),
            never_error=bool(v.get("neverError", False)),
            output_property=str(v.get("outputPropertyName") or "data"),
        )


def detect_format(content_type: str) -> str:
    if "application/json" in content_type:
        return "json"
    if any(t in content_type for t in BINARY_CONTENT_TYPES):
        return "file"
    return "text"


def parse_json_body(resp: HttpResponse, fallback: bool) -> Any:
    """The body as JSON; `fallback` gives {} for invalid JSON (neverError, pagination)."""
    text = resp.text()
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        if fallback:
            return {}
        raise ResponseError(
            'Response body is not valid JSON. Change "Response Format" to "Text"'
        ) from None


def response_items(
    resp: HttpResponse,
    opts: ResponseOptions,
    request_url: str,
    item_json: dict[str, Any],
    item_binary: Mapping[str, Any] | None,
) -> list[OutputItem]:
    fmt = opts.response_format
    if fmt == "autodetect":
        fmt = detect_format(resp.content_type)
    meta = {"headers": resp.headers, "statusCode": resp.status, "statusMessage": resp.reason}
    if fmt == "file":
        entry = put_binary(
            resp.content,
            mime_type=resp.content_type.split(" ")[0].split(";")[0] or None,
            file_name=_file_name(resp, request_url, opts.output_property),
        )
        binary = {**(item_binary or {}), opts.output_property: entry}
        return [(meta if opts.full_response else dict(item_json), binary)]
    if fmt == "text":
        text = resp.text()
        body: dict[str, Any] = {opts.output_property: text} if text else {}
        return [({**body, **meta} if opts.full_response else body, None)]
    data = parse_json_body(resp, fallback=opts.never_error)
    if opts.full_response:
        return [({"body": data, **meta}, None)]
    values = data if isinstance(data, list) else [data]
    return [(_as_item_json(v), None) for v in values]


def _as_item_json(value: Any) -> dict[str, Any]:
    # n8n turns a null answer into {}; other non-objects cannot be item json.
    if value is None:
        return {}
    return value if isinstance(value, dict) else {"data": value}


def _file_name(resp: HttpResponse, url: str, output_property: str) -> str | None:
    """Content-Disposition's name, else the URL's last segment when it ends with the file's
    extension, else `<outputPropertyName>.<ext>` (n8n's setFilename)."""
    disposition = resp.headers.get("content-disposition", "")
    if disposition:
        name = _disposition_filename(disposition)
        if name:
            return name
    mime = resp.content_type.split(";")[0].strip()
    ext = _extension(mime)
    if not ext:
        return None
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    if last.endswith(ext):
        return last
    return f"{output_property}.{ext}"


def _disposition_filename(value: str) -> str | None:
    # Content-Disposition shares MIME's parameter syntax: the email package handles quoting
    # and RFC 2231 `filename*`.
    msg = Message()
    msg["content-disposition"] = value
    name = msg.get_filename()
    return str(name) if name else None


def _extension(mime: str) -> str | None:
    if not mime:
        return None
    guessed = mimetypes.guess_extension(mime)
    return guessed[1:] if guessed else None

"""A request as the HTTP Request node sends it, independent of where it came from.

`RequestSpec` holds n8n's request pieces (qs, headers, one body kind) as plain values so
that pagination can update a query parameter, header or body field between pages, and
`httpx_arguments` turns it into what httpx takes only when it is sent.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

from hetumind.http.client import TransportKey

__all__ = [
    "BodyKind",
    "FilePart",
    "RequestSpec",
    "encode_query",
    "idempotency_key",
    "set_path",
    "with_query",
]

BodyKind = Literal["none", "json", "form", "multipart", "content"]
ArrayFormat = Literal["brackets", "indices", "repeat"]
_KEY_NAMESPACE = uuid.UUID("0b5b8a4e-6f3c-4f55-9d1e-6b7c1d0e2a11")


@dataclass(frozen=True)
class FilePart:
    """A binary field of a multipart body."""

    data: bytes
    file_name: str | None
    mime_type: str


@dataclass(frozen=True)
class RequestSpec:
    """Everything needed to send one request; immutable so pages can derive from it."""

    method: str
    url: str
    qs: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body_kind: BodyKind = "none"
    body: Any = None
    """json: any JSON value; form: dict; multipart: list of (name, str | FilePart);
    content: bytes."""
    array_format: ArrayFormat = "brackets"
    timeout_s: float = 300.0
    follow_redirects: bool = True
    transport: TransportKey = field(default_factory=TransportKey)
    secret_names: frozenset[str] = frozenset()
    """Header (lowercase) and query names that carry credentials: hidden in `$request`."""
    idempotency_seed: str | None = None
    """Set when an Idempotency-Key header is sent: pages after the first derive theirs."""

    def with_url(self, url: str) -> RequestSpec:
        return replace(self, url=url)

    def with_updates(
        self, qs: Mapping[str, Any], headers: Mapping[str, Any], body: Mapping[str, Any]
    ) -> RequestSpec:
        """Pagination's per-page parameters merged over the item's request."""
        new_qs = dict(self.qs)
        for name, value in qs.items():
            set_path(new_qs, name, value)
        new_headers = {**self.headers, **{k: str(v) for k, v in headers.items()}}
        return replace(self, qs=new_qs, headers=new_headers, body=self._merged_body(body))

    def _merged_body(self, updates: Mapping[str, Any]) -> Any:
        if not updates:
            return self.body
        if self.body_kind == "multipart":
            kept = [(k, v) for k, v in self.body if k not in updates]
            return kept + [(k, str(v)) for k, v in updates.items()]
        body = dict(self.body) if isinstance(self.body, Mapping) else {}
        for name, value in updates.items():
            set_path(body, name, value)
        return body

    def httpx_arguments(self) -> dict[str, Any]:
        """Keyword arguments for `httpx.Client.request`."""
        args: dict[str, Any] = {
            "method": self.method,
            "url": with_query(self.url, encode_query(self.qs, self.array_format)),
            "headers": self.headers,
            "timeout": self.timeout_s,
            "follow_redirects": self.follow_redirects,
        }
        if self.body_kind == "json":
            args["content"] = json.dumps(self.body, ensure_ascii=False).encode()
            if not _has_header(self.headers, "content-type"):
                args["headers"] = {**self.headers, "content-type": "application/json"}
        elif self.body_kind == "form":
            args["data"] = {k: _form_text(v) for k, v in self.body.items()}
        elif self.body_kind == "multipart":
            args["files"] = [
                (name, (v.file_name or name, v.data, v.mime_type))
                if isinstance(v, FilePart)
                else (name, (None, _form_text(v)))
                for name, v in self.body
            ]
        elif self.body_kind == "content":
            args["content"] = self.body
        return args

    def redacted(self) -> dict[str, Any]:
        """The request as `$request` shows it: secrets replaced, binary parts summarized."""
        hidden = "**hidden**"
        headers = {
            k: hidden if k.lower() in self.secret_names or k.lower() == "authorization" else v
            for k, v in self.headers.items()
        }
        qs = {k: hidden if k in self.secret_names else v for k, v in self.qs.items()}
        body = self.body
        if self.body_kind == "content":
            body = f"<{len(self.body)} bytes>"
        elif self.body_kind == "multipart":
            body = {
                k: f"<file {v.file_name or k}>" if isinstance(v, FilePart) else v
                for k, v in self.body
            }
        return {"method": self.method, "url": self.url, "qs": qs, "headers": headers, "body": body}


def _has_header(headers: Mapping[str, str], name: str) -> bool:
    return any(k.lower() == name for k in headers)


def _form_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def set_path(target: dict[str, Any], path: str, value: Any) -> None:
    """lodash `set` for dotted names, as n8n uses for JSON body fields (`a.b` nests)."""
    parts = path.split(".")
    for part in parts[:-1]:
        child = target.get(part)
        if not isinstance(child, dict):
            child = target[part] = {}
        target = child
    target[parts[-1]] = value


def encode_query(qs: Mapping[str, Any], array_format: ArrayFormat) -> list[tuple[str, str]]:
    """n8n's (the `qs` library's) query encoding: nested objects as `a[b]`, arrays per
    `queryParameterArrays`; null and undefined values are left out."""
    out: list[tuple[str, str]] = []

    def walk(key: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{key}[{k}]", v)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                sub = {"brackets": f"{key}[]", "indices": f"{key}[{i}]", "repeat": key}
                walk(sub[array_format], v)
        else:
            out.append((key, _form_text(value)))

    for k, v in qs.items():
        walk(str(k), v)
    return out


def with_query(url: str, pairs: list[tuple[str, str]]) -> str:
    """`url` with `pairs` appended to the query it already has (httpx's `params` would
    replace it, losing the `?page=2` of a next-page URL)."""
    if not pairs:
        return url
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(pairs)) if q)
    return urlunsplit(parts._replace(query=query))


def idempotency_key(seed: str, page: int = 0) -> str:
    """A stable key for one logical request: the same seed (execution, node, run, item)
    gives the same key on every retry and re-run; later pages of a paginated item differ."""
    return str(uuid.uuid5(_KEY_NAMESPACE, seed if page == 0 else f"{seed}#page{page}"))

"""Following redirects of a request that carries credentials, without leaking them.

httpx drops only `Authorization` when a redirect leaves the origin; a header credential
(`X-Api-Key`) or a query credential would follow it. n8n's HTTP Request 4.4 stops sending
credentials on cross-origin redirects (earlier versions sent them, which we do not copy):
such requests are followed here hop by hop, and every hop to another origin goes without
the credential's headers and query names (`RequestSpec.secret_names`).
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urljoin, urlsplit

from hetumind.http.request import RequestSpec, encode_query, with_query
from hetumind.http.transport import HttpResponse, RequestFailed, RetryPolicy, public_url, send

__all__ = ["send_keeping_credentials_home"]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def send_keeping_credentials_home(spec: RequestSpec, retry: RetryPolicy) -> HttpResponse:
    """`send(spec)`, following redirects itself when `spec` carries credentials."""
    if not spec.secret_names or not spec.follow_redirects:
        return send(spec, retry)
    home = _origin(spec.url)
    # the first hop's query (credentials included) is part of its URL from here on
    current = replace(
        spec,
        url=with_query(spec.url, encode_query(spec.qs, spec.array_format)),
        qs={},
        follow_redirects=False,
    )
    limit = spec.transport.max_redirects
    for hop in range(limit + 1):
        response = send(current, retry)
        location = response.headers.get("location")
        if response.status not in _REDIRECTS or not location:
            return response
        if hop == limit:
            break
        target = urljoin(current.url, location)
        current = _next_hop(current, response.status, target, _origin(target) == home)
    raise RequestFailed(
        f"{spec.method} {public_url(spec.url)}: more redirects than allowed ({limit}, "
        "options.redirect.maxRedirects)"
    )


def _next_hop(spec: RequestSpec, status: int, url: str, same_origin: bool) -> RequestSpec:
    method, body_kind, body = spec.method, spec.body_kind, spec.body
    # what browsers and httpx do: 303 always, 301/302 for POST, become a GET without body
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method, body_kind, body = "GET", "none", None
    headers = dict(spec.headers)
    if body_kind == "none":
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    secrets = spec.secret_names
    if not same_origin:
        headers = {
            k: v
            for k, v in headers.items()
            if k.lower() not in spec.secret_names and k.lower() not in ("authorization", "cookie")
        }
        parts = urlsplit(url)
        if parts.query:  # a query credential the redirect copied along stays home too
            kept = "&".join(
                p for p in parts.query.split("&") if p.split("=", 1)[0] not in spec.secret_names
            )
            url = parts._replace(query=kept).geturl()
        secrets = frozenset()
    return replace(
        spec,
        method=method,
        url=url,
        headers=headers,
        body_kind=body_kind,
        body=body,
        secret_names=secrets,
    )

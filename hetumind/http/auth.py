"""n8n's generic credential types for HTTP Request: where each puts its secret."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from hetumind.errors import HetumindError
from hetumind.http.client import check_domain
from hetumind.http.request import RequestSpec

__all__ = ["AUTH_TYPES", "NO_AUTH", "Auth", "AuthError", "load_auth"]


class AuthError(HetumindError):
    """The node's authentication settings or credential cannot be used."""


@dataclass(frozen=True)
class Auth:
    """A credential ready to apply to every request of a node run."""

    headers: Mapping[str, str]
    qs: Mapping[str, str]
    domains: tuple[str, ...] | None = None
    """The credential's allowed domains (n8n's allowedHttpRequestDomains/allowedDomains);
    None: any. Checked now and on every redirect (hetumind.http.client)."""

    def apply(self, spec: RequestSpec) -> RequestSpec:
        if self.domains is not None:
            check_domain(urlsplit(spec.url).hostname or "", self.domains, spec.url)
            spec = replace(spec, transport=replace(spec.transport, domains=self.domains))
        if not self.headers and not self.qs:
            return spec
        return replace(
            spec,
            headers={**spec.headers, **self.headers},
            qs={**spec.qs, **self.qs},
            secret_names=frozenset({*(k.lower() for k in self.headers), *self.qs}),
        )


def allowed_domains(data: Mapping[str, Any]) -> tuple[str, ...] | None:
    """n8n's per-credential restriction: "all" (default), "domains" (the comma-separated
    allowedDomains, `*.example.com` for subdomains) or "none"."""
    kind = str(data.get("allowedHttpRequestDomains") or "all")
    if kind == "none":
        return ()
    if kind == "domains":
        raw = str(data.get("allowedDomains") or "")
        domains = tuple(d.strip() for d in raw.split(",") if d.strip())
        if not domains:
            raise AuthError(
                "No allowed domains specified. Configure allowed domains or change "
                "restriction setting."
            )
        return domains
    return None


def _need(data: Mapping[str, Any], kind: str, *fields: str) -> list[str]:
    missing = [f for f in fields if not isinstance(data.get(f), str) or not data.get(f)]
    if missing:
        raise AuthError(f"credential {kind!r} lacks {', '.join(missing)}")
    return [str(data[f]) for f in fields]


def _basic(data: Mapping[str, Any]) -> Auth:
    (user,) = _need(data, "httpBasicAuth", "user")
    password = str(data.get("password") or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return Auth(headers={"authorization": f"Basic {token}"}, qs={})


def _bearer(data: Mapping[str, Any]) -> Auth:
    (token,) = _need(data, "httpBearerAuth", "token")
    return Auth(headers={"authorization": f"Bearer {token}"}, qs={})


def _header(data: Mapping[str, Any]) -> Auth:
    name, value = _need(data, "httpHeaderAuth", "name", "value")
    return Auth(headers={name: value}, qs={})


def _query(data: Mapping[str, Any]) -> Auth:
    name, value = _need(data, "httpQueryAuth", "name", "value")
    return Auth(headers={}, qs={name: value})


AUTH_TYPES: dict[str, Callable[[Mapping[str, Any]], Auth]] = {
    "httpBasicAuth": _basic,
    "httpBearerAuth": _bearer,
    "httpHeaderAuth": _header,
    "httpQueryAuth": _query,
}
"""genericAuthType -> how its credential data becomes headers or query parameters."""

NO_AUTH = Auth(headers={}, qs={})


def load_auth(
    authentication: str, generic_type: str, credentials: Callable[[str], Mapping[str, Any]]
) -> Auth:
    """The node's auth from its parameters; `credentials` is `ctx.credentials`."""
    if authentication in ("none", "", None):
        return NO_AUTH
    if authentication != "genericCredentialType":
        raise AuthError(
            f"authentication {authentication!r} is not supported; use 'none' or "
            f"'genericCredentialType' with one of {', '.join(AUTH_TYPES)}"
        )
    make = AUTH_TYPES.get(generic_type)
    if make is None:
        raise AuthError(
            f"generic auth type {generic_type!r} is not supported; use one of "
            f"{', '.join(AUTH_TYPES)}"
        )
    data = credentials(generic_type)
    if not data:
        raise AuthError(f"the node has no {generic_type!r} credential")
    return replace(make(data), domains=allowed_domains(data))

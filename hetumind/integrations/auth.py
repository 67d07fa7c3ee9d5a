"""How a credential signs a request: the auth styles SaaS credentials use.

A style reads its fields from the decrypted credential data and returns the request with
the secret in place (a header, a query parameter, basic auth). The header and query names
it adds are marked secret on the request, so `$request` and redirects to other origins do
not show or carry them (hetumind.http.request.RequestSpec.secret_names). OAuth2 is in
hetumind.integrations.oauth2: it needs to talk to a token endpoint first.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from hetumind.errors import HetumindError
from hetumind.http.request import RequestSpec

__all__ = [
    "ApiKeyHeader",
    "ApiKeyQuery",
    "Basic",
    "CredentialAuth",
    "CredentialMissing",
    "NoAuth",
    "bearer",
    "field",
]


class CredentialMissing(HetumindError):
    """The node names no credential of the kind it needs, or the data lacks a field."""


def field(data: Mapping[str, Any], name: str, kind: str) -> str:
    value = data.get(name)
    if not isinstance(value, str | int) or value == "":
        raise CredentialMissing(f"the {kind!r} credential has no {name!r}")
    return str(value)


class CredentialAuth(Protocol):
    """Puts a credential's secret on a request."""

    def apply(self, spec: RequestSpec, data: Mapping[str, Any], kind: str) -> RequestSpec: ...


def _with_secret(
    spec: RequestSpec, headers: Mapping[str, str], qs: Mapping[str, str]
) -> RequestSpec:
    return replace(
        spec,
        headers={**spec.headers, **headers},
        qs={**spec.qs, **qs},
        secret_names=spec.secret_names | {k.lower() for k in headers} | set(qs),
    )


@dataclass(frozen=True)
class NoAuth:
    """The secret is somewhere else (Telegram's token is part of the URL path)."""

    def apply(self, spec: RequestSpec, data: Mapping[str, Any], kind: str) -> RequestSpec:
        return spec


@dataclass(frozen=True)
class ApiKeyHeader:
    """`header: <prefix><data[field]>`; bearer tokens are `ApiKeyHeader(f, "Authorization",
    "Bearer ")`."""

    field: str
    header: str
    prefix: str = ""

    def apply(self, spec: RequestSpec, data: Mapping[str, Any], kind: str) -> RequestSpec:
        return _with_secret(spec, {self.header: self.prefix + field(data, self.field, kind)}, {})


@dataclass(frozen=True)
class ApiKeyQuery:
    """`?<param>=<data[field]>`."""

    field: str
    param: str

    def apply(self, spec: RequestSpec, data: Mapping[str, Any], kind: str) -> RequestSpec:
        return _with_secret(spec, {}, {self.param: field(data, self.field, kind)})


@dataclass(frozen=True)
class Basic:
    """HTTP basic auth from two fields (the password may be empty)."""

    user_field: str = "user"
    password_field: str = "password"

    def apply(self, spec: RequestSpec, data: Mapping[str, Any], kind: str) -> RequestSpec:
        user = field(data, self.user_field, kind)
        password = str(data.get(self.password_field) or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return _with_secret(spec, {"Authorization": f"Basic {token}"}, {})


def bearer(field_name: str = "accessToken") -> ApiKeyHeader:
    return ApiKeyHeader(field_name, "Authorization", "Bearer ")

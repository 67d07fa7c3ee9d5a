"""Credential types and their data, validated with pydantic (n8n's field names).

Each type names its secret fields; those are redacted in every view the API returns and
scrubbed from execution errors.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hetumind.integrations.credential_kinds import credential_models
from hetumind.integrations.google.credential_kinds import google_credential_models
from hetumind.store.errors import CredentialInvalid

__all__ = [
    "CREDENTIAL_TYPES",
    "REDACTED",
    "CredentialData",
    "redact",
    "secret_values",
    "validate_credential",
]

REDACTED = "__hetumind_redacted__"
"""Stands in for a secret in API views; sending it back on update keeps the stored value."""


class CredentialData(BaseModel):
    """Base of credential data models; `secret_fields` are never shown in plain text."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)
    secret_fields: ClassVar[tuple[str, ...]] = ()
    # n8n's per-credential restriction for HTTP Request (hetumind.http.auth): "all"
    # (unset), "domains" (allowedDomains, comma-separated, *.x for subdomains) or "none".
    allowedHttpRequestDomains: Literal["all", "domains", "none"] | None = None
    allowedDomains: str | None = None


_OPTIONAL_COMMON = ("allowedHttpRequestDomains", "allowedDomains")


_Text = Field(min_length=1)


class HttpHeaderAuth(CredentialData):
    secret_fields = ("value",)
    name: str = _Text
    value: str = _Text


class HttpBasicAuth(CredentialData):
    secret_fields = ("password",)
    user: str = _Text
    password: str = ""


class HttpBearerAuth(CredentialData):
    secret_fields = ("token",)
    token: str = _Text


class HttpQueryAuth(CredentialData):
    """An API key sent as a query parameter."""

    secret_fields = ("value",)
    name: str = _Text
    value: str = _Text


class Postgres(CredentialData):
    secret_fields = ("password",)
    host: str = "localhost"
    database: str = "postgres"
    user: str = "postgres"
    password: str = ""
    port: int = Field(default=5432, ge=1, le=65535)
    ssl: Literal["disable", "allow", "require", "verify", "verify-full"] = "disable"
    allowUnauthorizedCerts: bool = False


class Redis(CredentialData):
    """n8n's redis credential (user is for Redis 6 ACLs; empty means the default user)."""

    secret_fields = ("password",)
    host: str = "localhost"
    port: int = Field(default=6379, ge=1, le=65535)
    user: str = ""
    password: str = ""
    database: int = Field(default=0, ge=0)
    ssl: bool = False
    disableTlsVerification: bool = False


class OpenAiApi(CredentialData):
    secret_fields = ("apiKey",)
    apiKey: str = _Text
    organizationId: str | None = None
    url: str = Field(default="https://api.openai.com/v1", pattern=r"^https?://")


class JwtAuth(CredentialData):
    """n8n's jwtAuth: a passphrase (HS*) or a PEM key pair (RS*, ES*, PS*)."""

    secret_fields = ("secret", "privateKey")
    keyType: Literal["passphrase", "pemKey"] = "passphrase"
    secret: str = ""
    privateKey: str = ""
    publicKey: str = ""
    algorithm: Literal[
        "HS256",
        "HS384",
        "HS512",
        "RS256",
        "RS384",
        "RS512",
        "ES256",
        "ES384",
        "ES512",
        "PS256",
        "PS384",
        "PS512",
    ] = "HS256"


class N8nApi(CredentialData):
    """n8n's n8nApi: an API key and the base URL of an n8n-API server (".../api/v1")."""

    secret_fields = ("apiKey",)
    apiKey: str
    baseUrl: str


CREDENTIAL_TYPES: dict[str, type[CredentialData]] = {
    "jwtAuth": JwtAuth,
    "httpHeaderAuth": HttpHeaderAuth,
    "httpBasicAuth": HttpBasicAuth,
    "httpBearerAuth": HttpBearerAuth,
    "httpQueryAuth": HttpQueryAuth,
    "postgres": Postgres,
    "redis": Redis,
    "openAiApi": OpenAiApi,
    "n8nApi": N8nApi,
}
# The SaaS nodes' kinds are declared with the integration kit (plain data, no node imports).
CREDENTIAL_TYPES.update(credential_models(CredentialData))
CREDENTIAL_TYPES.update(google_credential_models(CredentialData))


def _model(credential_type: str) -> type[CredentialData]:
    model = CREDENTIAL_TYPES.get(credential_type)
    if model is None:
        raise CredentialInvalid(
            credential_type, {"type": f"unknown credential type; one of {sorted(CREDENTIAL_TYPES)}"}
        )
    return model


def validate_credential(credential_type: str, data: Any) -> dict[str, Any]:
    """The data with defaults filled in; CredentialInvalid names every bad field."""
    model = _model(credential_type)
    if not isinstance(data, dict):
        raise CredentialInvalid(credential_type, {"data": "must be a JSON object"})
    try:
        clean = model.model_validate(data).model_dump()
        return {k: v for k, v in clean.items() if not (k in _OPTIONAL_COMMON and v is None)}
    except ValidationError as exc:
        fields = {
            ".".join(str(p) for p in e["loc"]) or "data": _reason(e["type"], e["msg"])
            for e in exc.errors()
        }
        raise CredentialInvalid(credential_type, fields) from None


def _reason(kind: str, message: str) -> str:
    return "unknown field" if kind == "extra_forbidden" else message


def redact(credential_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """A copy with every non-empty secret replaced by REDACTED."""
    secrets = _model(credential_type).secret_fields
    return {k: (REDACTED if k in secrets and v not in (None, "") else v) for k, v in data.items()}


def secret_values(credential_type: str, data: dict[str, Any]) -> list[str]:
    """The secrets' plain values, for scrubbing them out of errors and logs."""
    secrets = _model(credential_type).secret_fields
    return [str(data[k]) for k in secrets if data.get(k) not in (None, "")]

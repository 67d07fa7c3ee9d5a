"""Google's credential kinds with n8n's field names, as plain data (the store builds its
validated models from them, as it does from the kit's CREDENTIAL_KINDS).

googleApi is n8n's service-account credential: `email`, `privateKey` (PEM), `inpersonate`
and `delegatedEmail` (domain-wide delegation: act as that user). `accessTokenUrl` and
`baseUrl` are Hetumind fields (defaults: Google's token endpoint and each API's public
URL) so a credential can point at a proxy or a test fake; `oauthTokenData` keeps the last
token so later runs reuse it until Google refuses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hetumind.integrations.credential_kinds import CredentialKind

__all__ = ["GOOGLE_CREDENTIAL_KINDS", "GOOGLE_TOKEN_URL", "google_credential_models"]

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"

_URL = (str | None, None)

_OAUTH2: Mapping[str, tuple[Any, Any]] = {
    "grantType": (str, "authorizationCode"),
    "authUrl": (str, "https://accounts.google.com/o/oauth2/v2/auth"),
    "accessTokenUrl": (str, GOOGLE_TOKEN_URL),
    "clientId": (str, ""),
    "clientSecret": (str, ""),
    "scope": (str, ""),
    "authQueryParameters": (str, "access_type=offline&prompt=consent"),
    "authentication": (str, "body"),
    "oauthTokenData": (dict[str, Any] | None, None),
    "baseUrl": _URL,
}
_OAUTH2_SECRETS = ("clientSecret", "oauthTokenData")

GOOGLE_CREDENTIAL_KINDS: Mapping[str, CredentialKind] = {
    "googleApi": CredentialKind(
        {
            "region": (str, "us-central1"),
            "email": (str, ...),
            "privateKey": (str, ...),
            "inpersonate": (bool, False),
            "delegatedEmail": (str, ""),
            "httpNode": (bool, False),
            "scopes": (str, ""),
            "accessTokenUrl": (str, GOOGLE_TOKEN_URL),
            "oauthTokenData": (dict[str, Any] | None, None),
            "baseUrl": _URL,
        },
        ("privateKey", "oauthTokenData"),
    ),
    "googleOAuth2Api": CredentialKind(_OAUTH2, _OAUTH2_SECRETS),
    "googleSheetsOAuth2Api": CredentialKind(_OAUTH2, _OAUTH2_SECRETS),
    "googleDriveOAuth2Api": CredentialKind(_OAUTH2, _OAUTH2_SECRETS),
    "gmailOAuth2": CredentialKind(_OAUTH2, _OAUTH2_SECRETS),
    "googleSheetsTriggerOAuth2Api": CredentialKind(_OAUTH2, _OAUTH2_SECRETS),
    "googleCalendarOAuth2Api": CredentialKind(_OAUTH2, _OAUTH2_SECRETS),
    "googleDocsOAuth2Api": CredentialKind(_OAUTH2, _OAUTH2_SECRETS),
    "youTubeOAuth2Api": CredentialKind(_OAUTH2, _OAUTH2_SECRETS),
}


def google_credential_models(base: type[Any]) -> dict[str, type[Any]]:
    """Pydantic models of Google's kinds, derived from the store's `base` model."""
    from pydantic import create_model

    models: dict[str, type[Any]] = {}
    for name, kind in GOOGLE_CREDENTIAL_KINDS.items():
        model: type[Any] = create_model(  # type: ignore[call-overload]
            name[0].upper() + name[1:], __base__=base, **dict(kind.fields)
        )
        model.secret_fields = kind.secret_fields
        models[name] = model
    return models

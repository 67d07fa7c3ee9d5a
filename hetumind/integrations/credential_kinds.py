"""The credential kinds of the SaaS nodes, with n8n's field names.

Declared here as plain data so the store's typed kinds (hetumind.store.credential_types)
can build its validated models from them without importing the nodes. `baseUrl` is n8n's
field for Telegram; for the other services it is a Hetumind field (default: the service's
public URL) so a credential can point at a self-hosted or fake server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CREDENTIAL_KINDS", "CredentialKind", "credential_models"]


@dataclass(frozen=True)
class CredentialKind:
    """A credential type: its fields (name -> (type, default; ... means required)) and
    which of them are secret."""

    fields: Mapping[str, tuple[Any, Any]]
    secret_fields: tuple[str, ...]


_URL = (str | None, None)

_OAUTH2: Mapping[str, tuple[Any, Any]] = {
    "grantType": (str, "authorizationCode"),
    "authUrl": (str, ""),
    "accessTokenUrl": (str, ""),
    "clientId": (str, ""),
    "clientSecret": (str, ""),
    "scope": (str, ""),
    "authQueryParameters": (str, ""),
    "authentication": (str, "header"),
    "oauthTokenData": (dict[str, Any] | None, None),
    "baseUrl": _URL,
}
_OAUTH2_SECRETS = ("clientSecret", "oauthTokenData")

CREDENTIAL_KINDS: Mapping[str, CredentialKind] = {
    "oAuth2Api": CredentialKind(_OAUTH2, _OAUTH2_SECRETS),
    "telegramApi": CredentialKind(
        {"accessToken": (str, ...), "baseUrl": (str, "https://api.telegram.org")},
        ("accessToken",),
    ),
    "slackApi": CredentialKind(
        {"accessToken": (str, ...), "signatureSecret": (str, ""), "baseUrl": _URL},
        ("accessToken", "signatureSecret"),
    ),
    "slackOAuth2Api": CredentialKind(_OAUTH2, _OAUTH2_SECRETS),
    "airtableTokenApi": CredentialKind(
        {"accessToken": (str, ...), "baseUrl": _URL}, ("accessToken",)
    ),
    "airtableApi": CredentialKind({"apiKey": (str, ...), "baseUrl": _URL}, ("apiKey",)),
    "airtableOAuth2Api": CredentialKind(_OAUTH2, _OAUTH2_SECRETS),
    "notionApi": CredentialKind({"apiKey": (str, ...), "baseUrl": _URL}, ("apiKey",)),
    "notionOAuth2Api": CredentialKind(_OAUTH2, _OAUTH2_SECRETS),
    # n8n's field names: `server` is GitHub's API URL (GitHub Enterprise: <host>/api/v3)
    "githubApi": CredentialKind(
        {
            "server": (str, "https://api.github.com"),
            "user": (str, ""),
            "accessToken": (str, ...),
        },
        ("accessToken",),
    ),
    "githubOAuth2Api": CredentialKind(
        {**_OAUTH2, "server": (str, "https://api.github.com")}, _OAUTH2_SECRETS
    ),
    # `url` is the site's root; the node calls <url>/wp-json/wp/v2 with an application password
    "wordpressApi": CredentialKind(
        {
            "username": (str, ...),
            "password": (str, ...),
            "url": (str, ...),
            "allowUnauthorizedCerts": (bool, False),
        },
        ("password",),
    ),
    "discordBotApi": CredentialKind({"botToken": (str, ...), "baseUrl": _URL}, ("botToken",)),
    "discordWebhookApi": CredentialKind({"webhookUri": (str, ...)}, ("webhookUri",)),
    "discordOAuth2Api": CredentialKind(
        {**_OAUTH2, "botToken": (str, "")}, (*_OAUTH2_SECRETS, "botToken")
    ),
    "hubspotApi": CredentialKind({"apiKey": (str, ...), "baseUrl": _URL}, ("apiKey",)),
    "hubspotAppToken": CredentialKind({"appToken": (str, ...), "baseUrl": _URL}, ("appToken",)),
    "hubspotOAuth2Api": CredentialKind(_OAUTH2, _OAUTH2_SECRETS),
    "typeformApi": CredentialKind({"accessToken": (str, ...), "baseUrl": _URL}, ("accessToken",)),
    "typeformOAuth2Api": CredentialKind(_OAUTH2, _OAUTH2_SECRETS),
    # n8n's fields: `host` is the project URL (the node calls <host>/rest/v1), `serviceRole`
    # its service_role (or anon) key, sent as `apikey` and as the bearer token
    "supabaseApi": CredentialKind(
        {"host": (str, ...), "serviceRole": (str, ...)}, ("serviceRole",)
    ),
    # AI chat model sub-nodes (hetumind/nodes/builtin/ai_providers.py): n8n's fields, and a
    # Hetumind `url` where n8n has none, so a proxy, a fake or a local server can answer
    "googlePalmApi": CredentialKind(
        {"host": (str, "https://generativelanguage.googleapis.com"), "apiKey": (str, ...)},
        ("apiKey",),
    ),
    "anthropicApi": CredentialKind(
        {"apiKey": (str, ...), "url": (str, "https://api.anthropic.com")}, ("apiKey",)
    ),
    "ollamaApi": CredentialKind(
        {"baseUrl": (str, "http://localhost:11434"), "apiKey": (str, "")}, ("apiKey",)
    ),
    "mistralCloudApi": CredentialKind(
        {"apiKey": (str, ...), "url": (str, "https://api.mistral.ai/v1")}, ("apiKey",)
    ),
    "groqApi": CredentialKind(
        {"apiKey": (str, ...), "url": (str, "https://api.groq.com/openai/v1")}, ("apiKey",)
    ),
    "openRouterApi": CredentialKind(
        {"apiKey": (str, ...), "url": (str, "https://openrouter.ai/api/v1")}, ("apiKey",)
    ),
    "deepSeekApi": CredentialKind(
        {"apiKey": (str, ...), "url": (str, "https://api.deepseek.com")}, ("apiKey",)
    ),
    "xAiApi": CredentialKind(
        {"apiKey": (str, ...), "url": (str, "https://api.x.ai/v1")}, ("apiKey",)
    ),
    # `baseUrl` is n8n's field: the Mattermost server's root (the node calls <baseUrl>/api/v4)
    "pineconeApi": CredentialKind({"apiKey": (str, ...), "baseUrl": _URL}, ("apiKey",)),
    "mattermostApi": CredentialKind(
        {
            "accessToken": (str, ...),
            "baseUrl": (str, ...),
            "allowUnauthorizedCerts": (bool, False),
        },
        ("accessToken",),
    ),
}


def credential_models(base: type[Any]) -> dict[str, type[Any]]:
    """Pydantic models of every kind, derived from the store's `base` model."""
    from pydantic import create_model

    models: dict[str, type[Any]] = {}
    for name, kind in CREDENTIAL_KINDS.items():
        model: type[Any] = create_model(  # type: ignore[call-overload]
            name[0].upper() + name[1:], __base__=base, **dict(kind.fields)
        )
        model.secret_fields = kind.secret_fields
        models[name] = model
    return models

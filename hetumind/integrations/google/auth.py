"""Google auth for kit services: a service account's signed JWT exchanged for a token
(RFC 7523, as n8n's googleApi credential does), and Google's OAuth2 credentials.

Both are kit `OAuth2` styles, so the kit's client fetches a token before the first call
and once more when Google answers 401. The service account signs a new assertion each
time (RS256 over `iss`, `scope`, `aud` = the token URL, `iat`, `exp`, and `sub` = the
delegated user with `inpersonate`); there is no refresh token. Tokens are kept per
process by service account and scopes, so later runs here reuse them.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hetumind.integrations.auth import field
from hetumind.integrations.client import Service
from hetumind.integrations.google.credential_kinds import GOOGLE_TOKEN_URL
from hetumind.integrations.oauth2 import OAuth2, OAuth2Error, TokenPost

__all__ = ["GoogleOAuth2", "GoogleServiceAccount", "google_service", "sign_assertion"]

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"

_lock = threading.Lock()
_tokens: dict[tuple[str, str, str, str], dict[str, Any]] = {}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_assertion(claims: Mapping[str, Any], private_key_pem: str) -> str:
    """An RS256 JWT of `claims` signed with the PEM key (n8n's keys may hold `\\n`)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    pem = private_key_pem.replace("\\n", "\n").strip().encode()
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise OAuth2Error(f"the service account's private key cannot be read: {exc}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise OAuth2Error("the service account's private key is not an RSA key")
    head = _b64(json.dumps({"alg": "RS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64(json.dumps(dict(claims), separators=(",", ":")).encode())
    signature = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{_b64(signature)}"


@dataclass(frozen=True)
class GoogleServiceAccount(OAuth2):
    """n8n's googleApi: the node's scopes (the credential's `scopes`, comma or space
    separated, are used instead when set, as n8n's HTTP node does)."""

    scopes: tuple[str, ...] = ()

    def _scope(self, data: Mapping[str, Any]) -> str:
        own = str(data.get("scopes") or "").replace(",", " ").split()
        return " ".join(own or self.scopes)

    def _cache_key(self, data: Mapping[str, Any]) -> tuple[str, str, str, str]:
        subject = str(data.get("delegatedEmail") or "") if data.get("inpersonate") else ""
        return (
            str(data.get("email") or ""),
            subject,
            self._scope(data),
            str(data.get("accessTokenUrl") or GOOGLE_TOKEN_URL),
        )

    def current(self, kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
        with _lock:
            newer = _tokens.get(self._cache_key(data))
        return {**data, "oauthTokenData": newer} if newer else dict(data)

    def needs_token(self, data: Mapping[str, Any]) -> bool:
        return not self.token(data)

    def obtain(
        self, kind: str, data: Mapping[str, Any], post: TokenPost, *, refresh: bool
    ) -> dict[str, Any]:
        email = field(data, "email", kind)
        key = field(data, "privateKey", kind)
        url = str(data.get("accessTokenUrl") or GOOGLE_TOKEN_URL)
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": email,
            "scope": self._scope(data),
            "aud": url,
            "iat": now,
            "exp": now + 3600,
        }
        if data.get("inpersonate") and data.get("delegatedEmail"):
            claims["sub"] = str(data["delegatedEmail"])
        form = {"grant_type": JWT_BEARER, "assertion": sign_assertion(claims, key)}
        status, body = post(url, form, {"Accept": "application/json"})
        if not (200 <= status < 300) or not isinstance(body, Mapping):
            reason = (
                body.get("error_description") or body.get("error")
                if isinstance(body, Mapping)
                else None
            )
            raise OAuth2Error(
                f"the token endpoint of the {kind!r} credential answered {status}"
                + (f": {reason}" if reason else "")
            )
        token = dict(body)
        with _lock:
            _tokens[self._cache_key(data)] = token
        return {**data, "oauthTokenData": token}


@dataclass(frozen=True)
class GoogleOAuth2(OAuth2):
    """Google's OAuth2 credentials: Google's token URL and client auth in the body unless
    the credential says otherwise (n8n's google OAuth2 credentials send them so)."""

    def obtain(
        self, kind: str, data: Mapping[str, Any], post: TokenPost, *, refresh: bool
    ) -> dict[str, Any]:
        filled = {
            **data,
            "accessTokenUrl": data.get("accessTokenUrl") or GOOGLE_TOKEN_URL,
            "authentication": data.get("authentication") or "body",
        }
        return super().obtain(kind, filled, post, refresh=refresh)


def google_service(
    name: str, default_base_url: str, oauth_kind: str, scopes: Sequence[str]
) -> Service:
    """A Google API as a kit Service: n8n's `authentication` values `oAuth2` (the default)
    and `serviceAccount`."""
    return Service(
        name=name,
        default_base_url=default_base_url,
        credentials={
            oauth_kind: GoogleOAuth2(),
            "googleApi": GoogleServiceAccount(scopes=tuple(scopes)),
        },
        authentication={"oAuth2": oauth_kind, "serviceAccount": "googleApi"},
    )

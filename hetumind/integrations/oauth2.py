"""OAuth2 as n8n's oAuth2Api credential does it: a stored token, refreshed when the
service answers 401, and the client-credentials grant.

The credential's fields are n8n's: grantType (authorizationCode | clientCredentials |
pkce), accessTokenUrl, clientId, clientSecret, scope, authentication (header: client id
and secret as basic auth; body: in the form) and oauthTokenData (the token endpoint's
last answer: access_token, refresh_token, expires_in, ...).

A refreshed token is written back through the process's credential writer
(hetumind.credentials.set_credential_writer: the server's store encrypts it) when the
node's credential is a stored one; it is also kept in this process so later runs here do
not refresh again where no writer is installed (a Ray worker without a store).
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hetumind.errors import HetumindError
from hetumind.http.request import RequestSpec
from hetumind.integrations.auth import _with_secret, field

__all__ = ["OAuth2", "OAuth2Error", "TokenPost"]

TokenPost = Callable[[str, dict[str, str], dict[str, str]], tuple[int, Any]]
"""(token URL, form fields, headers) -> (status, parsed JSON body): sent by the client,
through the execution's network policy."""

_lock = threading.Lock()
_latest: dict[str, dict[str, Any]] = {}
"""Token data refreshed in this process, by the credential it was refreshed from."""


class OAuth2Error(HetumindError):
    """The token endpoint refused, or the credential was never connected."""


def _key(kind: str, data: Mapping[str, Any]) -> str:
    token = data.get("oauthTokenData") or {}
    seed = "\x00".join(
        str(x)
        for x in (
            kind,
            data.get("clientId"),
            data.get("accessTokenUrl"),
            token.get("refresh_token") if isinstance(token, Mapping) else "",
            token.get("access_token") if isinstance(token, Mapping) else "",
        )
    )
    return hashlib.sha256(seed.encode()).hexdigest()


@dataclass(frozen=True)
class OAuth2:
    """Bearer auth from `oauthTokenData[token_path]` (dotted; Slack's user tokens sit under
    `authed_user.access_token`)."""

    token_path: str = "access_token"
    token_type: str = "Bearer"

    def current(self, kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """The data with the newest token this process knows for it."""
        with _lock:
            newer = _latest.get(_key(kind, data))
        return {**data, "oauthTokenData": newer} if newer else dict(data)

    def token(self, data: Mapping[str, Any]) -> str | None:
        value: Any = data.get("oauthTokenData")
        for part in self.token_path.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        return str(value) if value else None

    def apply(self, spec: RequestSpec, data: Mapping[str, Any], kind: str) -> RequestSpec:
        token = self.token(data)
        if not token:
            raise OAuth2Error(
                f"OAuth credentials not connected: the {kind!r} credential has no access "
                "token; connect it (authorization code) or set grantType clientCredentials"
            )
        return _with_secret(spec, {"Authorization": f"{self.token_type} {token}"}, {})

    def needs_token(self, data: Mapping[str, Any]) -> bool:
        return not self.token(data) and data.get("grantType") == "clientCredentials"

    def obtain(
        self, kind: str, data: Mapping[str, Any], post: TokenPost, *, refresh: bool
    ) -> dict[str, Any]:
        """New token data: a refresh (authorization code) or a new client-credentials
        token. Returns the whole credential data with `oauthTokenData` replaced."""
        old = data.get("oauthTokenData") if isinstance(data.get("oauthTokenData"), Mapping) else {}
        url = field(data, "accessTokenUrl", kind)
        form: dict[str, str]
        if data.get("grantType") == "clientCredentials":
            form = {"grant_type": "client_credentials"}
            if data.get("scope"):
                form["scope"] = str(data["scope"]).replace(",", " ")
        else:
            refresh_token = (old or {}).get("refresh_token")
            if not refresh_token:
                raise OAuth2Error(
                    f"the {kind!r} credential's access token was refused and it has no "
                    "refresh token; reconnect the credential"
                )
            form = {"grant_type": "refresh_token", "refresh_token": str(refresh_token)}
        headers = {"Accept": "application/json"}
        client_id = str(data.get("clientId") or "")
        secret = str(data.get("clientSecret") or "")
        if data.get("authentication", "header") == "body":
            form.update(client_id=client_id, client_secret=secret)
        else:
            pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
            headers["Authorization"] = f"Basic {pair}"
        status, body = post(url, form, headers)
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
        token = {**(old or {}), **body}
        if refresh and "refresh_token" not in body and old and old.get("refresh_token"):
            token["refresh_token"] = old["refresh_token"]  # servers may keep the old one
        with _lock:
            for k, v in list(_latest.items()):  # earlier keys follow the chain of refreshes
                if v is old:
                    _latest[k] = token
            _latest[_key(kind, data)] = token
        return {**data, "oauthTokenData": token}

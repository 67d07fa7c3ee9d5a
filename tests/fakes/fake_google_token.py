"""A fake of Google's OAuth 2.0 token endpoint (`POST /token`, form-encoded), written
from Google's docs "Using OAuth 2.0 for Server to Server Applications" and "Using OAuth
2.0 for Web Server Applications":

- `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with an RS256 `assertion`:
  the signature is verified with the registered service account's public key; `iss`,
  `aud` (this endpoint), `exp` and `scope` are checked; errors are Google's
  `{"error": "invalid_grant", "error_description": ...}` (400).
- `grant_type=refresh_token` with client_id / client_secret in the form
  (`invalid_client` 401, `invalid_grant` 400).

Issued tokens are recorded with their scopes and subject (delegated user) so the API
fakes can check them: `token_info(token)`.
"""

from __future__ import annotations

import base64
import itertools
import json
import time
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.fakes._base import Answer, FakeService, Request

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_service_account(email: str = "robot@proj.iam.gserviceaccount.com") -> dict[str, Any]:
    """A fresh RSA key pair: {email, privateKey (PEM), public (key object)}."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {"email": email, "privateKey": pem, "public": key.public_key()}


class FakeGoogleToken(FakeService):
    def __init__(self) -> None:
        super().__init__()
        self.accounts: dict[str, Any] = {}
        self.client_id, self.client_secret = "gclient", "gsecret"
        self.refresh_tokens: set[str] = {"refresh-1"}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.assertions: list[dict[str, Any]] = []
        self._n = itertools.count(1)

    def register(self, account: dict[str, Any]) -> None:
        self.accounts[account["email"]] = account["public"]

    def issue(self, scope: str = "", subject: str = "") -> str:
        token = f"ya29.fake-{next(self._n)}"
        with self.lock:
            self.tokens[token] = {"scope": scope, "sub": subject}
        return token

    def revoke_all(self) -> None:
        with self.lock:
            self.tokens.clear()

    def token_info(self, token: str) -> dict[str, Any] | None:
        with self.lock:
            return self.tokens.get(token)

    def handle(self, req: Request) -> Answer:
        if req.path != "/token" or req.method != "POST":
            return Answer(404, {"error": "not_found"})
        grant = req.form.get("grant_type")
        if grant == JWT_BEARER:
            return self._jwt(req.form.get("assertion", ""))
        if grant == "refresh_token":
            if (req.form.get("client_id"), req.form.get("client_secret")) != (
                self.client_id,
                self.client_secret,
            ):
                return Answer(401, {"error": "invalid_client", "error_description": "Unauthorized"})
            if req.form.get("refresh_token") not in self.refresh_tokens:
                return Answer(
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "Token has been expired or revoked.",
                    },
                )
            return Answer(200, self._grant(""))
        return Answer(
            400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}
        )

    def _grant(self, scope: str, subject: str = "") -> dict[str, Any]:
        return {
            "access_token": self.issue(scope, subject),
            "expires_in": 3599,
            "token_type": "Bearer",
            "scope": scope,
        }

    def _jwt(self, assertion: str) -> Answer:
        def bad(why: str) -> Answer:
            return Answer(400, {"error": "invalid_grant", "error_description": why})

        parts = assertion.split(".")
        if len(parts) != 3:
            return bad("Invalid JWT Signature.")
        try:
            header = json.loads(_unb64(parts[0]))
            claims = json.loads(_unb64(parts[1]))
        except ValueError:
            return bad("Invalid JWT Signature.")
        self.assertions.append(claims)
        if header.get("alg") != "RS256":
            return bad("Invalid JWT Signature.")
        public = self.accounts.get(claims.get("iss"))
        if public is None:
            return bad("Invalid grant: account not found")
        try:
            public.verify(
                _unb64(parts[2]),
                f"{parts[0]}.{parts[1]}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except Exception:
            return bad("Invalid JWT Signature.")
        if claims.get("aud") != f"{self.url}/token":
            return bad("Invalid JWT: audience")
        if not isinstance(claims.get("exp"), int) or claims["exp"] < time.time():
            return bad(
                "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe"
            )
        if not claims.get("scope"):
            return bad("Invalid OAuth scope or ID token audience provided.")
        return Answer(200, self._grant(str(claims["scope"]), str(claims.get("sub") or "")))

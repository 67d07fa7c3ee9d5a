"""Signed session tokens (PyJWT, HS256): short-lived access tokens and longer refresh
tokens, both bound to the user's token_version so logout-everywhere revokes them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt

from hetumind.auth.errors import Unauthenticated

__all__ = ["ACCESS", "REFRESH", "TokenClaims", "TokenIssuer", "derive_secret"]

ACCESS = "access"
REFRESH = "refresh"
_ALGORITHM = "HS256"
_ISSUER = "hetumind"


def derive_secret(master: bytes | str, purpose: str = "jwt") -> bytes:
    """A signing key of its own from the installation's master key (HMAC-SHA256), so the
    credential encryption key is never used directly to sign anything."""
    raw = master.encode() if isinstance(master, str) else master
    return hmac.new(raw, f"hetumind:{purpose}".encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    kind: str
    token_version: int
    expires_at: int
    token_id: str
    csrf: str | None = None
    """For browser sessions: the value the X-CSRF-Token header must repeat."""


class TokenIssuer:
    """Issues and checks tokens with one secret shared by every replica."""

    def __init__(self, secret: bytes, *, access_ttl: int = 900, refresh_ttl: int = 7 * 86400):
        if len(secret) < 32:
            raise ValueError("the token signing secret needs at least 32 bytes")
        self._secret = secret
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl

    def issue(
        self, user_id: str, kind: str, token_version: int = 0, *, csrf: str | None = None
    ) -> str:
        now = int(time.time())
        ttl = self.access_ttl if kind == ACCESS else self.refresh_ttl
        claims: dict[str, Any] = {
            "iss": _ISSUER,
            "sub": user_id,
            "typ": kind,
            "ver": token_version,
            "iat": now,
            "exp": now + ttl,
            "jti": secrets.token_hex(8),
        }
        if csrf is not None:
            claims["csrf"] = csrf
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def check(self, token: str, kind: str) -> TokenClaims:
        """The claims of a valid token of `kind`; Unauthenticated otherwise."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],  # never "none", never a key-confusion algorithm
                issuer=_ISSUER,
                options={"require": ["exp", "iat", "sub", "typ", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired; log in or refresh it") from None
        except jwt.PyJWTError:
            raise Unauthenticated("the token is not valid") from None
        if claims.get("typ") != kind or not isinstance(claims.get("sub"), str):
            raise Unauthenticated(f"a {kind} token is required here")
        version = claims.get("ver", 0)
        return TokenClaims(
            claims["sub"],
            kind,
            version if isinstance(version, int) else -1,
            int(claims["exp"]),
            str(claims.get("jti", "")),
            claims.get("csrf") if isinstance(claims.get("csrf"), str) else None,
        )

"""Who is calling: the `principal` dependency every non-public route depends on.

A caller proves who they are with one of
* an API key in `X-HETUMIND-API-KEY` (scripts, the CLI), or in n8n's `X-N8N-API-KEY`:
  /api/v1 has the routes and shapes of n8n's public API, so n8n's own clients (the n8n
  node, scripts written for n8n) work against Hetumind with a Hetumind key;
* `Authorization: Bearer <access token>` from /api/v1/auth/login;
* the `hetumind_session` cookie set by login (browsers): HttpOnly, SameSite=Strict, and
  for every unsafe method an `X-CSRF-Token` header repeating the token's csrf claim.
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from hetumind.auth import ACCESS, Principal, Unauthenticated, hash_api_key
from hetumind.errors import Forbidden, NotFound
from hetumind.store.models import utcnow
from serve_app.services import Services, services

__all__ = [
    "API_KEY_HEADER",
    "CSRF_HEADER",
    "N8N_API_KEY_HEADER",
    "SESSION_COOKIE",
    "Auth",
    "authenticate",
    "principal",
    "require_scope",
]

API_KEY_HEADER = "X-HETUMIND-API-KEY"
N8N_API_KEY_HEADER = "X-N8N-API-KEY"
SESSION_COOKIE = "hetumind_session"
CSRF_COOKIE = "hetumind_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOUCH_EVERY = timedelta(minutes=1)


async def _principal_for(svc: Services, user_id: str, via: str, **extra: object) -> Principal:
    try:
        user = await svc.store.users.get(user_id)
    except NotFound:
        raise Unauthenticated("the user of these credentials no longer exists") from None
    if user.disabled:
        raise Unauthenticated("this user is disabled")
    version = extra.pop("token_version", None)
    if version is not None and version != user.token_version:
        raise Unauthenticated("this session was ended; log in again")
    projects = await svc.store.projects.roles_of(user.id)
    return Principal(user.id, user.email, user.role, via, projects, **extra)  # type: ignore[arg-type]


async def authenticate(
    svc: Services, headers: dict[str, str], cookies: dict[str, str], method: str
) -> Principal:
    """The principal these request headers prove; Unauthenticated when they prove none."""
    key = headers.get(API_KEY_HEADER.lower()) or headers.get(N8N_API_KEY_HEADER.lower())
    if key:
        record = await svc.store.api_keys.by_hash(hash_api_key(key))
        if record is None:
            raise Unauthenticated("unknown, expired or revoked API key")
        now = utcnow()
        if record.last_used_at is None or now - record.last_used_at > TOUCH_EVERY:
            # At most one write per key and minute: a busy script must not turn every
            # read into a write.
            await svc.store.api_keys.touch(record.id)
        return await _principal_for(
            svc, record.user_id, "key", scopes=tuple(record.scopes), key_id=record.id
        )
    auth = headers.get("authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
        claims = svc.issuer.check(token.strip(), ACCESS)
        return await _principal_for(
            svc, claims.user_id, "token", token_version=claims.token_version
        )
    session = cookies.get(SESSION_COOKIE)
    if session:
        claims = svc.issuer.check(session, ACCESS)
        if method not in SAFE_METHODS:
            sent = headers.get(CSRF_HEADER.lower(), "")
            if not claims.csrf or not hmac.compare_digest(sent, claims.csrf):
                raise Forbidden(f"a cookie session needs the {CSRF_HEADER} header here")
        return await _principal_for(
            svc, claims.user_id, "cookie", token_version=claims.token_version
        )
    raise Unauthenticated(
        f"authentication required: send an API key in {API_KEY_HEADER}, a Bearer token, "
        "or log in at /api/v1/auth/login"
    )


async def principal(request: Request, svc: Annotated[Services, Depends(services)]) -> Principal:
    """FastAPI dependency: the authenticated caller (401 otherwise)."""
    found = getattr(request.state, "principal", None)
    if isinstance(found, Principal):
        return found
    headers = {k.lower(): v for k, v in request.headers.items()}
    found = await authenticate(svc, headers, dict(request.cookies), request.method)
    request.state.principal = found
    return found


Auth = Annotated[Principal, Depends(principal)]


def require_scope(who: Principal, scope: str) -> None:
    who.require_scope(scope)

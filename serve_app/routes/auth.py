"""/api/v1/auth (login, refresh, logout, me) and /api/v1/keys (the caller's API keys).

Login answers tokens in the body (API clients) and sets an HttpOnly SameSite=Strict
session cookie plus a readable CSRF cookie (browsers). Failed logins are slowed down
twice over: an account locks for LOCK_SECONDS after LOCK_AFTER failures in a row, and an
address with too many failures in a window gets 429 whatever the account.
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from hetumind.auth import (
    ACCESS,
    REFRESH,
    TooManyAttempts,
    Unauthenticated,
    create_api_key,
    verify_password,
)
from hetumind.errors import NotFound
from hetumind.store.models import ApiKeyRecord, utcnow
from serve_app.errors import ApiError
from serve_app.http import read_json
from serve_app.responses import ApiKey, LoggedOut, Login, Me, NewApiKey, Page, Tokens, answers
from serve_app.schemas import AUTHED, BODY, KeyCreate, LoginBody, RefreshBody, body_of
from serve_app.security import CSRF_COOKIE, SESSION_COOKIE, Auth
from serve_app.services import Services, services

__all__ = ["keys_router", "router"]

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
keys_router = APIRouter(prefix="/api/v1/keys", tags=["auth"])
Svc = Annotated[Services, Depends(services)]

IP_WINDOW = 300.0
IP_MAX_FAILURES = 20
_failures: dict[str, deque[float]] = {}


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _ip_check(ip: str) -> None:
    now = time.monotonic()
    window = _failures.get(ip)
    if window is None:
        return
    while window and window[0] < now - IP_WINDOW:
        window.popleft()
    if len(window) >= IP_MAX_FAILURES:
        raise TooManyAttempts(
            "too many failed logins from this address; wait and try again",
            int(IP_WINDOW - (now - window[0])) + 1,
        )


def _ip_failed(ip: str) -> None:
    if len(_failures) > 10_000:  # bounded memory under a spray from many addresses
        _failures.clear()
    _failures.setdefault(ip, deque(maxlen=IP_MAX_FAILURES * 2)).append(time.monotonic())


def _tokens(svc: Services, user_id: str, version: int, csrf: str | None = None) -> dict[str, Any]:
    return {
        "tokenType": "Bearer",
        "accessToken": svc.issuer.issue(user_id, ACCESS, version, csrf=csrf),
        "refreshToken": svc.issuer.issue(user_id, REFRESH, version),
        "expiresIn": svc.issuer.access_ttl,
    }


def _set_cookies(request: Request, response: Response, token: str, csrf: str, ttl: int) -> None:
    secure = request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE, token, max_age=ttl, httponly=True, samesite="strict", secure=secure
    )
    response.set_cookie(CSRF_COOKIE, csrf, max_age=ttl, samesite="strict", secure=secure)


@router.post("/login", openapi_extra=body_of(LoginBody), **answers(Login, 401, 429, *BODY))
async def login(request: Request, response: Response, svc: Svc) -> dict[str, Any]:
    """Email and password for tokens (and a browser session cookie)."""
    body = LoginBody.parse(await read_json(request, svc.settings.max_body_bytes))
    ip = client_ip(request)
    _ip_check(ip)
    user = await svc.store.users.by_email(body.email)
    if user is not None and user.locked_until is not None and user.locked_until > utcnow():
        wait = int((user.locked_until - utcnow()).total_seconds()) + 1
        raise TooManyAttempts("this account is locked after failed logins; try later", wait)
    ok = verify_password(user.password_hash if user else None, body.password)
    if not ok or user is None or user.disabled:
        _ip_failed(ip)
        if user is not None:
            await svc.store.users.login_failed(user.id)
        await svc.store.audit.log(
            "login.failed",
            actor_id=user.id if user else None,
            ip=ip,
            details={"email": body.email[:255]},
        )
        raise Unauthenticated("wrong email or password")
    await svc.store.users.login_succeeded(user.id)
    await svc.store.audit.log(
        "login", actor_id=user.id, target_type="user", target_id=user.id, ip=ip
    )
    csrf = secrets.token_urlsafe(24)
    tokens = _tokens(svc, user.id, user.token_version, csrf)
    _set_cookies(request, response, tokens["accessToken"], csrf, svc.issuer.access_ttl)
    return {**tokens, "csrfToken": csrf, "user": user_json(user)}


@router.post("/refresh", openapi_extra=body_of(RefreshBody), **answers(Tokens, 401, *BODY))
async def refresh(request: Request, response: Response, svc: Svc) -> dict[str, Any]:
    """A refresh token for a new pair of tokens."""
    body = RefreshBody.parse(await read_json(request, svc.settings.max_body_bytes))
    claims = svc.issuer.check(body.refreshToken, REFRESH)
    try:
        user = await svc.store.users.get(claims.user_id)
    except NotFound:
        raise Unauthenticated("the user of this token no longer exists") from None
    if user.disabled or user.token_version != claims.token_version:
        raise Unauthenticated("this session was ended; log in again")
    csrf = secrets.token_urlsafe(24)
    tokens = _tokens(svc, user.id, user.token_version, csrf)
    _set_cookies(request, response, tokens["accessToken"], csrf, svc.issuer.access_ttl)
    return {**tokens, "csrfToken": csrf}


@router.post("/logout", **answers(LoggedOut, *AUTHED, 415))
async def logout(request: Request, response: Response, svc: Svc, who: Auth) -> dict[str, Any]:
    """Ends every session of the caller (their tokens stop working); keys stay."""
    await svc.store.users.revoke_sessions(who.user_id)
    await svc.store.audit.log("logout", actor_id=who.user_id, ip=client_ip(request))
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return {"loggedOut": True}


@router.get("/me", **answers(Me, *AUTHED))
async def me(who: Auth) -> dict[str, Any]:
    return {
        "id": who.user_id,
        "email": who.email,
        "role": who.role,
        "via": who.via,
        "projects": who.projects,
        "scopes": None if who.scopes is None else list(who.scopes),
    }


def user_json(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "disabled": user.disabled,
        "createdAt": user.created_at.astimezone(UTC).isoformat(),
    }


def key_json(record: ApiKeyRecord) -> dict[str, Any]:
    def iso(v: Any) -> str | None:
        return None if v is None else v.astimezone(UTC).isoformat()

    return {
        "id": record.id,
        "name": record.name,
        "prefix": f"hmk_{record.prefix}_",
        "userId": record.user_id,
        "scopes": record.scopes,
        "expiresAt": iso(record.expires_at),
        "revokedAt": iso(record.revoked_at),
        "lastUsedAt": iso(record.last_used_at),
        "createdAt": iso(record.created_at),
    }


@keys_router.get("", **answers(Page[ApiKey], *AUTHED))
async def list_keys(svc: Svc, who: Auth) -> dict[str, Any]:
    rows = await svc.store.api_keys.list(None if who.role == "owner" else who.user_id)
    return {"data": [key_json(r) for r in rows], "nextCursor": None}


@keys_router.post(
    "",
    status_code=201,
    openapi_extra=body_of(KeyCreate, required=False),
    **answers(NewApiKey, *AUTHED, *BODY),
)
async def create_key(request: Request, svc: Svc, who: Auth) -> dict[str, Any]:
    """A new key for the caller; `key` is in this answer only. A key cannot hold scopes
    the key that creates it lacks."""
    body = KeyCreate.parse(await read_json(request, svc.settings.max_body_bytes, default={}))
    if who.scopes is not None:
        wider = [
            s for s in body.scopes if not who.has_scope(s) or (s == "*" and "*" not in who.scopes)
        ]
        if wider:
            raise ApiError(403, f"a key cannot grant scopes it lacks: {wider}")
    created = await create_api_key(
        svc.store,
        who.user_id,
        name=body.name,
        scopes=body.scopes,
        expires_in_days=body.expiresInDays,
    )
    await svc.store.audit.log(
        "apikey.created",
        actor_id=who.user_id,
        target_type="apikey",
        target_id=created.record.id,
        ip=client_ip(request),
        details={"scopes": body.scopes, "name": body.name},
    )
    return {**key_json(created.record), "key": created.plaintext}


@keys_router.delete("/{key_id}", **answers(ApiKey, *AUTHED, 404, 415))
async def revoke_key(key_id: str, request: Request, svc: Svc, who: Auth) -> dict[str, Any]:
    record = await svc.store.api_keys.get(key_id)
    if record.user_id != who.user_id and who.role != "owner":
        raise ApiError(404, f"API key {key_id!r} not found")
    record = await svc.store.api_keys.revoke(key_id)
    await svc.store.audit.log(
        "apikey.revoked",
        actor_id=who.user_id,
        target_type="apikey",
        target_id=key_id,
        ip=client_ip(request),
    )
    return key_json(record)

"""Transport-level checks in front of every route (a pure ASGI middleware):

* the Host header must name this server (localhost, public_url's host, or
  HETUMIND_SERVER_HOSTS): a DNS-rebinding page cannot reach a loopback server;
* a body sent to /api/ must be `application/json` (415 otherwise), so a cross-origin
  `text/plain` form post, which browsers send without a preflight, is refused;
* a WebSocket from a browser must come from an allowed Origin (the server's own, or
  HETUMIND_CORS_ORIGINS).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from serve_app.errors import error_body
from serve_app.settings import ServerSettings

__all__ = ["Hardening", "server_hosts"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _host_only(value: str) -> str:
    value = value.strip().lower()
    if value.startswith("["):  # [::1]:8000
        return value[: value.find("]") + 1] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def server_hosts(settings: ServerSettings) -> frozenset[str] | None:
    """The Host values served; None: any."""
    if "*" in settings.server_hosts:
        return None
    public = urlsplit(settings.public_url).hostname or ""
    extra = {_host_only(h) for h in settings.server_hosts}
    return frozenset({*LOCAL_HOSTS, public.lower(), *extra} - {"", "0.0.0.0", "::"})


def _json_type(value: str) -> bool:
    media = value.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class Hardening:
    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    @staticmethod
    def _settings() -> ServerSettings:
        from serve_app.services import opened

        svc = opened()
        return svc.settings if svc is not None else _default_settings()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        settings = self._settings()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        hosts = server_hosts(settings)
        host = _host_only(headers.get("host", ""))
        if hosts is not None and host not in hosts:
            await _refuse(
                scope,
                receive,
                send,
                400,
                "bad_host",
                f"host {host!r} is not served here; set HETUMIND_SERVER_HOSTS",
            )
            return
        path: str = scope.get("path", "")
        if scope["type"] == "websocket":
            origin = headers.get("origin")
            if origin is not None and not _origin_ok(origin, hosts, settings):
                await _refuse(
                    scope,
                    receive,
                    send,
                    403,
                    "forbidden",
                    f"origin {origin!r} may not open a WebSocket here",
                )
                return
        elif (
            path.startswith("/api/")
            and scope.get("method", "GET") in BODY_METHODS
            and _has_body(headers)
            and not _json_type(headers.get("content-type", ""))
        ):
            await _refuse(
                scope,
                receive,
                send,
                415,
                "unsupported_media_type",
                "request bodies must be JSON with Content-Type: application/json",
            )
            return
        await self.app(scope, receive, send)


def _has_body(headers: dict[str, str]) -> bool:
    length = headers.get("content-length", "").strip()
    return "transfer-encoding" in headers or (length not in ("", "0"))


def _origin_ok(origin: str, hosts: frozenset[str] | None, settings: ServerSettings) -> bool:
    if origin.rstrip("/") in settings.cors_origins or "*" in settings.cors_origins:
        return True
    host = (urlsplit(origin).hostname or "").lower()
    return hosts is None or host in hosts or f"[{host}]" in hosts


_DEFAULTS: list[ServerSettings] = []


def _default_settings() -> ServerSettings:
    if not _DEFAULTS:
        _DEFAULTS.append(ServerSettings.from_env())
    return _DEFAULTS[0]


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str
) -> None:
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})
        return
    body = json.dumps(error_body(code, message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

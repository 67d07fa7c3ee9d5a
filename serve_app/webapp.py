"""The web app on the API's origin: index.html for the app's pages, hashed assets.

* `/assets/*`: built files with content-hashed names, cached for a year (immutable);
* a file at the top of the build (favicon) is served as it is, revalidated each time;
* any other GET that no route matched and that is not under an API-owned prefix gets
  index.html (the app routes in the browser), with `no-cache` so a new build shows at
  once, and a strict Content-Security-Policy.

The files need no login (the login page must load); the API behind them stays protected.
The fallback is the router's default handler, so it runs only when no route matched at
all: wrong methods on API paths still answer 405, unknown API paths a JSON 404.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from hetumind.webapp import STATIC_DIR

__all__ = ["CSP", "RESERVED_PREFIXES", "install_webapp"]

ASGI = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]

RESERVED_PREFIXES = (
    "/api",
    "/webhook",  # /webhook, /webhook-test, /webhook-waiting
    "/healthz",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/metrics",
    "/assets",
)
"""Paths the server owns: an unknown one there is a 404, never the app's page."""

# React Flow positions nodes with style attributes, hence 'unsafe-inline' for styles only;
# blob: and data: for binary previews (images, PDFs) of node output.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self' blob:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
IMMUTABLE = "public, max-age=31536000, immutable"


class _HashedAssets(StaticFiles):
    """StaticFiles whose answers may be cached forever: the names change with the bytes."""

    async def check_config(self) -> None:
        # No build yet (a source checkout before `make ui`): every asset is a 404, not a 500.
        if self.directory is not None and Path(self.directory).is_dir():
            await super().check_config()

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = IMMUTABLE
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def _top_level_file(static: Path, path: str) -> Path | None:
    """A file directly in the build's root (`/favicon.svg`), never above it."""
    name = path.lstrip("/")
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    candidate = static / name
    return candidate if candidate.is_file() else None


def _page_path(path: str) -> bool:
    """Whether a path no route matched is one of the app's pages."""
    if path.startswith(RESERVED_PREFIXES):  # also /webhook-test, /docs/oauth2-redirect
        return False
    last = path.rsplit("/", 1)[-1]
    return "." not in last  # /missing.js is a missing file, not a page


def _fallback(static: Path, not_found: ASGI) -> ASGI:
    async def default(scope: Scope, receive: Any, send: Any) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD"):
            found = _top_level_file(static, path)
            index = static / "index.html"
            if found is not None and found.name != "index.html":
                response: Response = FileResponse(found, headers={"Cache-Control": "no-cache"})
            elif _page_path(path) and index.is_file():
                response = FileResponse(index, media_type="text/html", headers=PAGE_HEADERS)
            else:
                await not_found(scope, receive, send)
                return
            await response(scope, receive, send)
            return
        await not_found(scope, receive, send)

    return default


def install_webapp(api: FastAPI, static: Path = STATIC_DIR) -> None:
    """Serve the built web app from `static` on `api` (after every API route)."""
    api.mount("/assets", _HashedAssets(directory=static / "assets", check_dir=False), name="assets")
    api.router.default = _fallback(static, api.router.default)

"""The API's one error shape, `{"error": {"code", "message", "details"}}`, and the mapping
from Hetumind's error types to HTTP statuses (chosen here, at the edge, as DESIGN.md says).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hetumind.errors import Forbidden, HetumindError, NotFound, WorkflowInvalid
from hetumind.store.availability import error_types, is_unavailable

__all__ = [
    "ApiError",
    "error_body",
    "install_error_handlers",
    "problems_detail",
    "store_unavailable",
]

log = logging.getLogger(__name__)

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "too_many_requests",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    500: "internal",
    503: "store_unavailable",
}

STORE_RETRY_AFTER = 5
"""Seconds a client is asked to wait (Retry-After) when the database is unreachable."""


class ApiError(Exception):
    """An error with its HTTP status, a stable code and details for machines."""

    def __init__(
        self, status: int, message: str, *, code: str | None = None, details: Any = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _STATUS_CODES.get(status, "error")
        self.message = message
        self.details = details
        self.headers: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.code!r}, {self.message!r})"


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def problems_detail(exc: WorkflowInvalid) -> list[dict[str, Any]]:
    """Every problem, in `hetumind validate`'s words, with its node and field."""
    return [
        {"message": p.message, "node": p.node, "field": p.field, "text": str(p)}
        for p in exc.problems
    ]


def as_api_error(exc: Exception) -> ApiError:
    """The HTTP face of a library error; anything unexpected is a 500 without internals."""
    if isinstance(exc, ApiError):
        return exc
    from hetumind.store import Conflict, CredentialInvalid, InvalidData

    if isinstance(exc, WorkflowInvalid):
        return ApiError(422, exc.message, code="workflow_invalid", details=problems_detail(exc))
    if isinstance(exc, NotFound):
        return ApiError(404, exc.message)
    if isinstance(exc, Conflict):
        return ApiError(409, exc.message)
    if isinstance(exc, CredentialInvalid):
        return ApiError(422, exc.message, code="credential_invalid", details=exc.fields)
    if isinstance(exc, InvalidData):
        return ApiError(422, exc.message)
    if isinstance(exc, Forbidden):
        return ApiError(403, exc.message)
    from hetumind.auth import AccountInvalid, TooManyAttempts, Unauthenticated

    if isinstance(exc, Unauthenticated):
        err = ApiError(401, exc.message)
        err.headers["WWW-Authenticate"] = 'Bearer realm="hetumind"'
        return err
    if isinstance(exc, TooManyAttempts):
        err = ApiError(429, exc.message)
        err.headers["Retry-After"] = str(exc.retry_after)
        return err
    if isinstance(exc, AccountInvalid):
        return ApiError(422, exc.message)
    if isinstance(exc, HetumindError):
        return ApiError(400, exc.message)
    if is_unavailable(exc):
        return store_unavailable(exc)
    log.exception("unexpected error in the API", exc_info=exc)
    return ApiError(500, f"internal error ({type(exc).__name__}); see the server log")


def store_unavailable(exc: BaseException) -> ApiError:
    """503 while the database cannot be reached: each request is one transaction, so
    nothing of it was written, and the client may simply retry."""
    log.warning("the database is unavailable: %s: %s", type(exc).__name__, exc)
    err = ApiError(
        503,
        "the database is unavailable; nothing was done, retry shortly",
        code="store_unavailable",
        details={"cause": type(exc).__name__},
    )
    err.headers["Retry-After"] = str(STORE_RETRY_AFTER)
    return err


def _allowed_methods(request: Request) -> list[str]:
    paths = request.app.openapi().get("paths", {})
    found: set[str] = set()
    for template, operations in paths.items():
        pattern = re.sub(r"\\{[^}/]+:path\\}", ".+", re.escape(template))
        pattern = re.sub(r"\\{[^}/]+\\}", "[^/]+", pattern)
        if re.fullmatch(pattern, request.url.path):
            found.update(m.upper() for m in operations)
    return sorted(found)


def _respond(err: ApiError) -> JSONResponse:
    return JSONResponse(
        error_body(err.code, err.message, err.details),
        status_code=err.status,
        headers=err.headers or None,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Route every error through the one JSON shape."""

    async def on_exception(_: Request, exc: Exception) -> JSONResponse:
        return _respond(as_api_error(exc))

    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        err = ApiError(exc.status_code, str(exc.detail))
        err.headers.update(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names the methods of the first matching route only; one path has
            # a route per method here, so list them all (RFC 9110 Allow).
            err.headers["Allow"] = ", ".join(_allowed_methods(request))
        return _respond(err)

    async def on_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "message": e.get("msg", "invalid"),
                "field": ".".join(str(p) for p in e.get("loc", ())),
            }
            for e in exc.errors()
        ]
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            return _respond(ApiError(400, "malformed JSON body", details=problems))
        if all(e.get("loc", ("",))[0] in ("query", "path") for e in exc.errors()):
            text = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
            return _respond(ApiError(400, f"bad query parameters: {text}", details=problems))
        text = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return _respond(ApiError(422, f"invalid request: {text}", details=problems))

    app.add_exception_handler(ApiError, on_exception)
    app.add_exception_handler(HetumindError, on_exception)
    app.add_exception_handler(StarletteHTTPException, on_http)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    # Database and network errors get handlers of their own: Starlette answers a handler
    # of Exception itself and then re-raises (a traceback per request in an outage).
    for kind in error_types():
        app.add_exception_handler(kind, on_exception)
    app.add_exception_handler(Exception, on_exception)
    _without_default_422(app)


def _without_default_422(app: FastAPI) -> None:
    """Drop the 422 FastAPI declares by itself (its HTTPValidationError) wherever a route
    did not declare 422: `on_validation` answers bad query and path parameters with a 400
    in the error shape, and routes read their bodies themselves, so that 422 never comes."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = build()
            for operations in doc.get("paths", {}).values():
                for operation in operations.values():
                    responses = (
                        operation.get("responses", {}) if isinstance(operation, dict) else {}
                    )
                    if "HTTPValidationError" in str(responses.get("422", "")):
                        del responses["422"]
            schemas = doc.get("components", {}).get("schemas", {})
            if "HTTPValidationError" not in str(doc.get("paths")):
                schemas.pop("HTTPValidationError", None)
                schemas.pop("ValidationError", None)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

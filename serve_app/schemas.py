"""Request bodies of the identity routes and the error shape, as Pydantic models, so the
OpenAPI document declares them (schemathesis reads it)."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from serve_app.errors import ApiError

__all__ = [
    "ERRORS",
    "ErrorResponse",
    "KeyCreate",
    "LoginBody",
    "MemberBody",
    "ProjectCreate",
    "RefreshBody",
    "UserCreate",
    "UserUpdate",
    "body_of",
]

M = TypeVar("M", bound="Body")


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in (
        (400, "malformed request"),
        (401, "authentication required"),
        (403, "not allowed"),
        (404, "not found"),
        (409, "conflict"),
        (413, "body too large"),
        (415, "body is not JSON"),
        (422, "invalid request"),
        (429, "too many requests"),
        (503, "store unavailable"),
    )
}


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=4096)

    @classmethod
    def parse(cls: type[M], raw: Any) -> M:
        """The body as this model; 422 naming each bad field otherwise."""
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            problems = [
                {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                for e in exc.errors(include_url=False, include_input=False)
            ]
            text = "; ".join(f"{p['field'] or 'body'}: {p['message']}" for p in problems)
            raise ApiError(422, f"invalid request: {text}", details=problems) from None


def body_of(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    """`openapi_extra` declaring a route's JSON body (routes read bodies themselves, to
    answer 400/413/415 in the one error shape before validating)."""
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


Scope = Literal[
    "*",
    "workflow:read",
    "workflow:write",
    "execution:read",
    "execution:write",
    "credential:read",
    "credential:write",
    "project:read",
    "project:write",
    "user:read",
    "user:write",
    "audit:read",
    "audit:write",
]
"""hetumind.auth.SCOPES and `*` (tests/server/test_security.py checks they agree)."""

EMAIL = r"^[^@\s]+@[^@\s]+$"


class LoginBody(Body):
    email: str = Field(max_length=255)
    password: str = Field(max_length=1024)


class RefreshBody(Body):
    refreshToken: str = Field(max_length=4096)


def _all_scopes() -> list[Scope]:
    return ["*"]


class KeyCreate(Body):
    name: str = Field(default="", max_length=255)
    scopes: list[Scope] = Field(default_factory=_all_scopes, min_length=1, max_length=64)
    expiresInDays: float | None = Field(default=90, gt=0, le=3650)


class UserCreate(Body):
    email: str = Field(max_length=255, pattern=EMAIL)
    password: str = Field(min_length=12, max_length=1024)
    name: str = Field(default="", max_length=255)
    role: Literal["admin", "member"] = "member"


class UserUpdate(Body):
    name: str | None = Field(default=None, max_length=255)
    role: Literal["admin", "member"] | None = None
    disabled: bool | None = None
    password: str | None = Field(default=None, min_length=12, max_length=1024)


class ProjectCreate(Body):
    name: str = Field(min_length=1, max_length=255)


class MemberBody(Body):
    role: Literal["owner", "admin", "editor", "viewer"]

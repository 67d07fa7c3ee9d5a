"""Request bodies and the error shape, so the OpenAPI document declares them (schemathesis
reads it): the identity routes' bodies as Pydantic models the routes validate with, the
workflow and credential documents as JSON schemas of what their routes accept."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

import jsonschema
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hetumind.nodes.builtin.core import ManualTrigger
from hetumind.store.credential_types import CREDENTIAL_TYPES
from hetumind.store.errors import CredentialInvalid
from serve_app.errors import ApiError

__all__ = [
    "CREDENTIAL_CREATE",
    "CREDENTIAL_NAME_MAX",
    "CREDENTIAL_UPDATE",
    "ERRORS",
    "WORKFLOW_CREATE",
    "WORKFLOW_UPDATE",
    "ErrorResponse",
    "KeyCreate",
    "LoginBody",
    "MemberBody",
    "ProjectCreate",
    "RefreshBody",
    "UserCreate",
    "UserUpdate",
    "body_of",
    "body_schema",
    "check_credential",
    "errors_for",
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


ALWAYS = (400, 503)
"""What any route may answer: 400 (a Host outside the allowlist, bad query parameters or
headers) and 503 (the database unreachable)."""
AUTHED = (401, 403)
"""A route that needs a principal: none (401), or one without the scope or role (403)."""
BODY = (413, 415, 422)
"""A route that reads a JSON body: too large, not JSON, or invalid (400: malformed)."""


def errors_for(*statuses: int, html: bool = False) -> dict[int | str, dict[str, Any]]:
    """`responses=` declaring the error statuses a route can answer, each with the one
    error body (ErrorResponse), in order; ALWAYS's are added. `html`: the route may also
    answer them as a page (the hosted forms)."""
    page = {"content": {"text/html": {"schema": {"type": "string"}}}} if html else {}
    return {s: {**ERRORS[s], **page} for s in sorted({*ALWAYS, *statuses})}


class Body(BaseModel):
    # strict: JSON types as the document declares them (`0` is not `false`, "1" is no
    # number), so whatever the OpenAPI document refuses the route refuses.
    model_config = ConfigDict(extra="forbid", str_max_length=4096, strict=True)

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
    return body_schema(_inline(model.model_json_schema()), required=required)


def body_schema(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    """`openapi_extra` declaring a JSON body by its JSON schema."""
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": schema}},
        }
    }


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with its `$defs` references replaced by the definitions: a `#/$defs/..`
    reference inside the OpenAPI document would point at the document's root."""
    defs = schema.get("$defs", {})

    def resolve(value: Any) -> Any:
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in value.items() if k != "$defs"}
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return value

    result: dict[str, Any] = resolve(schema)
    return result


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
    # The store strips the name: one of only spaces is no name (a 422 either way).
    name: str = Field(min_length=1, max_length=255, pattern=r"\S")


class MemberBody(Body):
    role: Literal["owner", "admin", "editor", "viewer"]


# Workflows. The routes validate with hetumind.workflow.Workflow, which takes every shape
# n8n's import takes (numeric names, null nodes, positions as {x, y}, ...), and then check
# what no JSON schema can say: known node types and their parameters, unique node names,
# connections to nodes that exist, a trigger node. The schema declares the structure those
# checks start from, loose where the parser is lenient, so whatever it refuses is refused.

_NODE: dict[str, Any] = {
    "type": "object",
    "description": "an n8n node; its other fields (typeVersion, position, ...) are kept",
    "required": ["name", "type"],
    "properties": {
        "name": {"anyOf": [{"type": "string", "minLength": 1}, {"type": "number"}]},
        "type": {
            "type": "string",
            "minLength": 1,
            "examples": list(ManualTrigger.definition.type_names[:2]),
        },
        "parameters": {"type": ["object", "null"]},
        "credentials": {"type": ["object", "null"]},
    },
}

_TAG_NAME: dict[str, Any] = {"type": "string", "pattern": r"\S"}


def _workflow(id_max: int | None) -> dict[str, Any]:
    workflow_id: dict[str, Any] = {"type": ["string", "number", "null"]}
    if id_max is not None:
        workflow_id["maxLength"] = id_max
    return {
        "type": "object",
        "description": "an n8n workflow document, as n8n exports it",
        "required": ["nodes"],
        "properties": {
            "id": workflow_id,
            "name": {"type": "string", "pattern": r"\S", "maxLength": 255},
            "nodes": {"anyOf": [{"type": "array", "items": _NODE}, {"type": "null"}]},
            "connections": {
                "anyOf": [{"type": ["object", "null"]}, {"type": "array", "maxItems": 0}]
            },
            "tags": {
                "anyOf": [
                    {
                        "type": "array",
                        "items": {
                            "anyOf": [
                                _TAG_NAME,
                                {
                                    "type": "object",
                                    "required": ["name"],
                                    "properties": {"name": _TAG_NAME},
                                },
                            ]
                        },
                    },
                    {"type": "null"},
                ]
            },
        },
    }


WORKFLOW_CREATE = _workflow(36)
"""A new workflow: an `id` of its own is the store's 36 characters at most."""
WORKFLOW_UPDATE = _workflow(None)


# Credentials: `type` picks the data model (hetumind.store.credential_types), which the
# store validates `data` with, so the schema is those models' own schemas.

CREDENTIAL_NAME_MAX = 255
"""The credential table's name column."""

_CREDENTIAL_NAME: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": CREDENTIAL_NAME_MAX,
    "pattern": r"\S",
}

CREDENTIAL_CREATE: dict[str, Any] = {
    "description": "a typed credential; other keys are ignored",
    "oneOf": [
        {
            "type": "object",
            "title": type_name,
            "required": ["name", "type", "data"],
            "properties": {
                "name": _CREDENTIAL_NAME,
                "type": {"const": type_name},
                "data": _inline(model.model_json_schema()),
            },
        }
        for type_name, model in sorted(CREDENTIAL_TYPES.items())
    ],
}

CREDENTIAL_UPDATE: dict[str, Any] = {
    "type": "object",
    "description": "fields of `data` left out, or sent back redacted, keep their values; "
    "the result is validated against the credential's type",
    "additionalProperties": False,
    "properties": {
        "name": {"anyOf": [_CREDENTIAL_NAME, {"type": "null"}]},
        "data": {"type": ["object", "null"]},
    },
}


def _reason(error: jsonschema.ValidationError) -> str:
    """Why a field failed, without its value (it may be a secret)."""
    if error.validator in ("required", "additionalProperties"):
        return str(error.message)  # names keys, never values
    if error.validator == "type":
        return f"must be of type {error.validator_value}"
    if error.validator in ("enum", "const"):
        return f"must be one of {error.validator_value}"
    return f"fails {error.validator} {error.validator_value!r}"


_CREDENTIAL_BY_TYPE = {branch["title"]: branch for branch in CREDENTIAL_CREATE["oneOf"]}


def check_credential(body: dict[str, Any]) -> None:
    """CredentialInvalid (a 422) naming each field of a new credential that does not fit
    CREDENTIAL_CREATE, the schema the OpenAPI document declares (JSON types as JSON has
    them: `0` is not `false`, as n8n's API checks credential data against the type's
    schema). An unknown `type` is left to the store, which names the known ones."""
    kind = body.get("type")
    branch = _CREDENTIAL_BY_TYPE.get(kind) if isinstance(kind, str) else None
    if branch is None:
        return
    validator = jsonschema.Draft202012Validator(branch)
    fields: dict[str, str] = {}
    for error in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.path))):
        path = [str(p) for p in error.absolute_path]
        # The store's field names: `port` inside data, `name` and `data` themselves.
        field = ".".join(path[1:]) if path[:1] == ["data"] and len(path) > 1 else ".".join(path)
        fields.setdefault(field or "body", _reason(error))
    if fields:
        raise CredentialInvalid(str(body["type"]), fields)

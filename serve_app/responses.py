"""Response bodies of the /api/v1 routes, so the OpenAPI document says what each answers.

Every model allows extra keys and the routes answer with `exclude_unset` (see `answers`):
a route's JSON is exactly what it built, and the model declares the keys it always has
(and a few it sometimes has) with their types. A workflow is an n8n document, so its
other keys (settings, pinData, meta, ...) pass through as they were stored.
tests/server/test_openapi_contract.py checks real answers against these models.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from serve_app.schemas import AUTHED, BODY, errors_for

__all__ = [
    "EVENT_STREAM",
    "RUN_ANSWERS",
    "ApiKey",
    "AuditEntry",
    "Credential",
    "Deleted",
    "Execution",
    "ExecutionProfile",
    "LoggedOut",
    "Login",
    "Me",
    "MemberRemoved",
    "Membership",
    "NewApiKey",
    "Page",
    "Project",
    "ProjectDetail",
    "RunResult",
    "RunStarted",
    "Stopping",
    "Tokens",
    "User",
    "Workflow",
    "WorkflowVersion",
    "answers",
]

T = TypeVar("T")


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class Page(Out, Generic[T]):
    """One page; pass `nextCursor` back as `cursor` for the next (null: the last page)."""

    data: list[T]
    nextCursor: str | None


class Deleted(Out):
    id: str
    deleted: bool


# auth


class User(Out):
    id: str
    email: str
    name: str
    role: str
    disabled: bool
    createdAt: str


class Tokens(Out):
    tokenType: str
    accessToken: str
    refreshToken: str
    expiresIn: int
    csrfToken: str = Field(description="repeat it in X-CSRF-Token with the session cookie")


class Login(Tokens):
    user: User


class LoggedOut(Out):
    loggedOut: bool


class Me(Out):
    id: str
    email: str
    role: str
    via: str = Field(description='"key", "token" or "cookie"')
    projects: dict[str, str] = Field(description="project id -> the caller's role there")
    scopes: list[str] | None = Field(description="an API key's scopes; null: every scope")


class ApiKey(Out):
    id: str
    name: str
    prefix: str
    userId: str
    scopes: list[str]
    expiresAt: str | None
    revokedAt: str | None
    lastUsedAt: str | None
    createdAt: str | None


class NewApiKey(ApiKey):
    key: str = Field(description="the key itself, shown in this answer only")


# admin


class Project(Out):
    id: str
    name: str
    role: str | None = Field(description="the caller's role in the project")
    createdAt: str


class Member(Out):
    userId: str
    role: str


class ProjectDetail(Project):
    members: list[Member]


class Membership(Out):
    projectId: str
    userId: str
    role: str


class MemberRemoved(Out):
    projectId: str
    userId: str
    removed: bool


class AuditEntry(Out):
    id: int | None
    at: str
    actorId: str | None
    action: str
    targetType: str | None
    targetId: str | None
    projectId: str | None
    ip: str | None
    details: Any


# workflows


class Tag(Out):
    id: str
    name: str


class Sharing(Out):
    projectId: str
    role: str


class Workflow(Out):
    """An n8n workflow document with the store's id, version and times."""

    id: str
    name: str
    active: bool
    nodes: list[dict[str, Any]]
    connections: dict[str, Any]
    versionId: str
    createdAt: str | None
    updatedAt: str | None
    shared: list[Sharing]
    tags: list[Tag] | None = Field(default=None, description="in lists and single reads")


class WorkflowVersion(Out):
    versionId: str
    workflowId: str
    name: str
    createdAt: str | None
    nodes: Any
    connections: Any
    settings: Any


class RunStarted(Out):
    """A started run (202), or a repeated Idempotency-Key's first run (200, duplicate)."""

    executionId: str
    status: str
    duplicate: bool | None = None


class RunResult(Out):
    """The finished run, as `hetumind run --json` prints it."""

    executionId: str
    status: str
    error: Any
    lastNodeExecuted: str | None
    runData: dict[str, list[dict[str, Any]]]
    workflowId: str | None
    waitTill: Any = Field(default=None, description="while status is waiting")


# executions


class Execution(Out):
    id: str
    workflowId: str | None
    workflowName: str | None
    workflowVersion: int | None
    mode: str
    status: str
    finished: bool
    createdAt: str | None
    startedAt: str | None
    stoppedAt: str | None
    error: Any
    lastNodeExecuted: str | None
    retryOf: str | None
    parentExecutionId: str | None
    waitTill: str | None
    dataSaved: bool
    runData: dict[str, Any] | None = Field(default=None, description="with includeData")


class Stopping(Execution):
    stopping: bool


class ExecutionProfile(Out):
    executionId: str
    status: str
    wallMs: float
    nodes: list[dict[str, Any]]
    traceEvents: list[dict[str, Any]]


# credentials


class Credential(Out):
    """Secrets come back as the REDACTED marker; send it back to keep a value."""

    id: str
    name: str
    type: str
    projectId: str | None
    data: dict[str, Any]
    createdAt: str
    updatedAt: str


def answers(model: Any, *statuses: int) -> dict[str, Any]:
    """A route's answers: `model` for its success (validated, exactly the keys the route
    built), and `statuses` (with every route's 400 and 503) in the error body."""
    return {
        "response_model": model,
        "response_model_exclude_unset": True,
        "responses": errors_for(*statuses),
    }


RUN_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "model": RunResult | RunStarted,
        "description": "with `wait`, the finished run; a repeated Idempotency-Key, the "
        "first run's id and status (`duplicate`)",
    },
    202: {"model": RunStarted, "description": "started; without `wait`, the id at once"},
    **errors_for(*AUTHED, *BODY, 404, 409, 429),
}
"""The run and retry routes: they answer a finished run or a started one (not validated
on the way out: the run result is the engine's, as `hetumind run --json` prints it)."""


_SSE_EVENT: dict[str, Any] = {
    "description": "one event (Open API 3.1: the schema of a stream describes each event)",
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {
            "type": "string",
            "examples": ["executionStarted", "nodeStarted", "nodeFinished", "executionFinished"],
        },
        "id": {"type": "string", "description": "the event's position in the run"},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"type": "string"}},
            },
        },
    },
}

EVENT_STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events (`event:` name, `data:` one JSON event)",
        "content": {"text/event-stream": {"schema": _SSE_EVENT}},
    },
    **errors_for(*AUTHED, 404),
}
"""The SSE routes (serve_app/routes/live.py)."""

"""The store's tables (SQLModel on SQLAlchemy). Migrations in migrations/versions mirror
these; tests/store/test_migrations.py fails when they drift apart.

Rows are returned detached from their session, so callers can read them freely.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

__all__ = [
    "EXECUTION_MODES",
    "EXECUTION_STATUSES",
    "FINISHED_STATUSES",
    "ApiKeyRecord",
    "AuditRecord",
    "CredentialRecord",
    "ExecutionRecord",
    "IdempotencyKeyRecord",
    "MembershipRecord",
    "NodeRunRecord",
    "ProjectRecord",
    "ScheduleTickRecord",
    "TagRecord",
    "UTCDateTime",
    "UserRecord",
    "WebhookRecord",
    "WorkflowRecord",
    "WorkflowTagLink",
    "WorkflowVersionRecord",
    "new_id",
    "utcnow",
]

EXECUTION_STATUSES = ("new", "running", "waiting", "success", "error", "canceled", "crashed")
FINISHED_STATUSES = ("success", "error", "canceled", "crashed")
EXECUTION_MODES = (
    "manual",
    "webhook",
    "schedule",
    "trigger",  # started by a polling trigger's poll (n8n's name)
    "cli",
    "retry",
    "integrated",
    "error",
)
"""n8n's names: `integrated` is a sub-workflow run (Execute Workflow node), `error` an error
workflow started because another execution failed."""


def new_id() -> str:
    """A 16-character hex id, as short as n8n's and unique enough for one installation."""
    return uuid.uuid4().hex[:16]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _time(nullable: bool = False, index: bool = False) -> Any:
    return Field(
        default_factory=None if nullable else utcnow,
        sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index),
    )


def _json(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=sa.Column(sa.JSON(), nullable=nullable))


class WorkflowRecord(SQLModel, table=True):
    """The current version of a workflow; `data` is the n8n workflow document."""

    __tablename__ = "workflow"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=255)
    active: bool = False
    version: int = 1
    data: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON(), nullable=False))
    static_data: dict[str, Any] | None = _json()
    """$getWorkflowStaticData: kept between executions of any version (n8n's staticData)."""
    project_id: str | None = Field(default=None, max_length=36, index=True)
    """The project owning it (its executions, webhooks and credentials follow it)."""
    created_at: datetime = _time()
    updated_at: datetime = _time()

    def document(self) -> dict[str, Any]:
        """The workflow document with the stored id, name and active flag filled in."""
        return {**self.data, "id": self.id, "name": self.name, "active": self.active}


class WorkflowVersionRecord(SQLModel, table=True):
    """One saved version of a workflow (every version, the current one included)."""

    __tablename__ = "workflow_version"
    __table_args__ = (
        sa.UniqueConstraint("workflow_id", "version", name="uq_workflow_version_workflow_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(
        sa_column=sa.Column(
            sa.String(36),
            sa.ForeignKey("workflow.id", ondelete="CASCADE", name="fk_workflow_version_workflow"),
            nullable=False,
        )
    )
    version: int
    name: str = Field(max_length=255)
    data: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON(), nullable=False))
    created_at: datetime = _time()


class TagRecord(SQLModel, table=True):
    __tablename__ = "tag"
    __table_args__ = (sa.UniqueConstraint("name", name="uq_tag_name"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=128)
    created_at: datetime = _time()


class WorkflowTagLink(SQLModel, table=True):
    __tablename__ = "workflow_tag"

    workflow_id: str = Field(
        sa_column=sa.Column(
            sa.String(36),
            sa.ForeignKey("workflow.id", ondelete="CASCADE", name="fk_workflow_tag_workflow"),
            primary_key=True,
        )
    )
    tag_id: str = Field(
        sa_column=sa.Column(
            sa.String(36),
            sa.ForeignKey("tag.id", ondelete="CASCADE", name="fk_workflow_tag_tag"),
            primary_key=True,
        )
    )


class ExecutionRecord(SQLModel, table=True):
    """One execution. Item data lives in the blob store, referenced from its node runs.

    `workflow_id` is not a foreign key: ad-hoc runs (CLI, tests) have no stored workflow,
    and executions outlive a deleted workflow until pruned.
    """

    __tablename__ = "execution"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workflow_id: str | None = Field(default=None, max_length=36, index=True)
    workflow_name: str = Field(default="", max_length=255)
    workflow_version: int | None = None
    mode: str = Field(default="manual", max_length=16)
    status: str = Field(default="new", max_length=16, index=True)
    created_at: datetime = _time(index=True)
    started_at: datetime | None = _time(nullable=True)
    finished_at: datetime | None = _time(nullable=True)
    error: dict[str, Any] | None = _json()
    last_node_executed: str | None = Field(default=None, max_length=255)
    retry_of: str | None = Field(default=None, max_length=36)
    parent_execution_id: str | None = Field(default=None, max_length=36, index=True)
    """The execution whose Execute Workflow node started this one (sub-workflows); not a
    foreign key, so a parent can be pruned before its children."""
    data_saved: bool = False
    """True when the node runs' items were written to the blob store."""
    wait_till: datetime | None = _time(nullable=True, index=True)
    """For status waiting: when it resumes by itself (None: only its resume webhook)."""
    owner: str | None = Field(default=None, max_length=64)
    """The server process running it; another resumes it once the heartbeat is stale."""
    heartbeat_at: datetime | None = _time(nullable=True)


class NodeRunRecord(SQLModel, table=True):
    """One run of one node: status, timings, item counts per output, and its data's blob."""

    __tablename__ = "node_run"
    __table_args__ = (
        sa.UniqueConstraint("execution_id", "node", "run_index", name="uq_node_run_execution_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    execution_id: str = Field(
        sa_column=sa.Column(
            sa.String(36),
            sa.ForeignKey("execution.id", ondelete="CASCADE", name="fk_node_run_execution"),
            nullable=False,
            index=True,
        )
    )
    node: str = Field(max_length=255)
    run_index: int = 0
    status: str = Field(max_length=16)
    started_at: datetime | None = _time(nullable=True)
    execution_time_ms: float = 0.0
    counts: list[int] = Field(default_factory=list, sa_column=sa.Column(sa.JSON(), nullable=False))
    error: dict[str, Any] | None = _json()
    blob_ref: str | None = Field(default=None, max_length=512)
    extra: dict[str, Any] | None = _json()
    """What the run recorded besides items (engine PUBLIC_EXTRAS: a parked Wait, logs)."""
    """Key prefix of this run's outputs in the blob store (one Arrow IPC file per port)."""


class WebhookRecord(SQLModel, table=True):
    """A webhook route of an active workflow; (path, method) is unique."""

    __tablename__ = "webhook"
    __table_args__ = (sa.UniqueConstraint("path", "method", name="uq_webhook_path_method"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workflow_id: str = Field(
        sa_column=sa.Column(
            sa.String(36),
            sa.ForeignKey("workflow.id", ondelete="CASCADE", name="fk_webhook_workflow"),
            nullable=False,
            index=True,
        )
    )
    node: str = Field(max_length=255)
    path: str = Field(max_length=512)
    method: str = Field(max_length=10)
    created_at: datetime = _time()


class CredentialRecord(SQLModel, table=True):
    """A typed credential; `data` is the Fernet token of its JSON, never plain text."""

    __tablename__ = "credential"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=255)
    type: str = Field(max_length=64)
    data: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    project_id: str | None = Field(default=None, max_length=36, index=True)
    """Only workflows of this project may use it."""
    created_at: datetime = _time()
    updated_at: datetime = _time()


class IdempotencyKeyRecord(SQLModel, table=True):
    """An `Idempotency-Key` a workflow run was started with: a repeated delivery with the
    same key (within the retention window) gets this execution instead of a new one."""

    __tablename__ = "idempotency_key"

    workflow_id: str = Field(primary_key=True, max_length=36)
    key: str = Field(primary_key=True, max_length=255)
    execution_id: str = Field(max_length=36)
    created_at: datetime = _time(index=True)


class ScheduleTickRecord(SQLModel, table=True):
    """A tick of a workflow's schedule node that was claimed: fired (the execution it
    started) or skipped by the catch-up policy (`execution_id` None). The primary key makes
    a tick fire once however many schedulers try; older ticks are pruned on each claim."""

    __tablename__ = "schedule_tick"

    workflow_id: str = Field(
        sa_column=sa.Column(
            sa.String(36),
            sa.ForeignKey("workflow.id", ondelete="CASCADE", name="fk_schedule_tick_workflow"),
            primary_key=True,
        )
    )
    node: str = Field(primary_key=True, max_length=255)
    tick: datetime = Field(sa_column=sa.Column(UTCDateTime(), primary_key=True))
    execution_id: str | None = Field(default=None, max_length=36)
    claimed_at: datetime = _time()


DEFAULT_PROJECT_ID = "default"
"""The project that rows from before projects existed belong to (migration 0006)."""


class UserRecord(SQLModel, table=True):
    """A person who logs in. `role` is the instance-wide role (owner, admin, member);
    what they may do inside a project is their membership's role there."""

    __tablename__ = "user_account"
    __table_args__ = (sa.UniqueConstraint("email", name="uq_user_account_email"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    email: str = Field(max_length=255)
    name: str = Field(default="", max_length=255)
    password_hash: str = Field(max_length=255)
    role: str = Field(default="member", max_length=16)
    disabled: bool = False
    failed_logins: int = 0
    locked_until: datetime | None = _time(nullable=True)
    token_version: int = 0
    """Bumped on logout-everywhere and password change: older tokens stop working."""
    created_at: datetime = _time()


class ApiKeyRecord(SQLModel, table=True):
    """An API key: only its SHA-256 is kept (keys are 256-bit random, so a fast hash is
    as safe as a slow one and keeps lookups cheap)."""

    __tablename__ = "api_key"
    __table_args__ = (sa.UniqueConstraint("key_hash", name="uq_api_key_key_hash"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(
        sa_column=sa.Column(
            sa.String(36),
            sa.ForeignKey("user_account.id", ondelete="CASCADE", name="fk_api_key_user"),
            nullable=False,
            index=True,
        )
    )
    name: str = Field(default="", max_length=255)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64)
    scopes: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON(), nullable=False))
    expires_at: datetime | None = _time(nullable=True)
    revoked_at: datetime | None = _time(nullable=True)
    last_used_at: datetime | None = _time(nullable=True)
    created_at: datetime = _time()


class ProjectRecord(SQLModel, table=True):
    """A project owns workflows, credentials and (through workflows) executions."""

    __tablename__ = "project"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=255)
    created_at: datetime = _time()


class MembershipRecord(SQLModel, table=True):
    """A user's role in a project: owner, admin, editor or viewer."""

    __tablename__ = "project_member"

    project_id: str = Field(
        sa_column=sa.Column(
            sa.String(36),
            sa.ForeignKey("project.id", ondelete="CASCADE", name="fk_project_member_project"),
            primary_key=True,
        )
    )
    user_id: str = Field(
        sa_column=sa.Column(
            sa.String(36),
            sa.ForeignKey("user_account.id", ondelete="CASCADE", name="fk_project_member_user"),
            primary_key=True,
        )
    )
    role: str = Field(max_length=16)
    created_at: datetime = _time()


class AuditRecord(SQLModel, table=True):
    """One security-relevant event: who (actor), did what (action), to what (target)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _time(index=True)
    actor_id: str | None = Field(default=None, max_length=36, index=True)
    action: str = Field(max_length=64, index=True)
    target_type: str | None = Field(default=None, max_length=32)
    target_id: str | None = Field(default=None, max_length=64)
    project_id: str | None = Field(default=None, max_length=36, index=True)
    ip: str | None = Field(default=None, max_length=64)
    details: dict[str, Any] | None = _json()

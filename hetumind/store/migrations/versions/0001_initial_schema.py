"""Initial schema: workflows with versions, tags, executions, node runs, webhooks,
credentials.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hetumind.store.models import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[str]:
    return sa.Column("id", sa.String(36), nullable=False)


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "workflow",
        _id(),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_workflow"),
    )
    op.create_table(
        "workflow_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        _time("created_at"),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["workflow.id"],
            ondelete="CASCADE",
            name="fk_workflow_version_workflow",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_workflow_version"),
        sa.UniqueConstraint("workflow_id", "version", name="uq_workflow_version_workflow_id"),
    )
    op.create_table(
        "tag",
        _id(),
        sa.Column("name", sa.String(128), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_tag"),
        sa.UniqueConstraint("name", name="uq_tag_name"),
    )
    op.create_table(
        "workflow_tag",
        sa.Column("workflow_id", sa.String(36), nullable=False),
        sa.Column("tag_id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(
            ["workflow_id"], ["workflow.id"], ondelete="CASCADE", name="fk_workflow_tag_workflow"
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tag.id"], ondelete="CASCADE", name="fk_workflow_tag_tag"
        ),
        sa.PrimaryKeyConstraint("workflow_id", "tag_id", name="pk_workflow_tag"),
    )
    op.create_table(
        "execution",
        _id(),
        sa.Column("workflow_id", sa.String(36), nullable=True),
        sa.Column("workflow_name", sa.String(255), nullable=False),
        sa.Column("workflow_version", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _time("created_at"),
        _time("started_at", nullable=True),
        _time("finished_at", nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("last_node_executed", sa.String(255), nullable=True),
        sa.Column("retry_of", sa.String(36), nullable=True),
        sa.Column("data_saved", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_execution"),
    )
    op.create_index("ix_execution_created_at", "execution", ["created_at"])
    op.create_index("ix_execution_status", "execution", ["status"])
    op.create_index("ix_execution_workflow_id", "execution", ["workflow_id"])
    op.create_table(
        "node_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("execution_id", sa.String(36), nullable=False),
        sa.Column("node", sa.String(255), nullable=False),
        sa.Column("run_index", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _time("started_at", nullable=True),
        sa.Column("execution_time_ms", sa.Float(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("blob_ref", sa.String(512), nullable=True),
        sa.ForeignKeyConstraint(
            ["execution_id"], ["execution.id"], ondelete="CASCADE", name="fk_node_run_execution"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_node_run"),
        sa.UniqueConstraint("execution_id", "node", "run_index", name="uq_node_run_execution_id"),
    )
    op.create_index("ix_node_run_execution_id", "node_run", ["execution_id"])
    op.create_table(
        "webhook",
        _id(),
        sa.Column("workflow_id", sa.String(36), nullable=False),
        sa.Column("node", sa.String(255), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        _time("created_at"),
        sa.ForeignKeyConstraint(
            ["workflow_id"], ["workflow.id"], ondelete="CASCADE", name="fk_webhook_workflow"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook"),
        sa.UniqueConstraint("path", "method", name="uq_webhook_path_method"),
    )
    op.create_index("ix_webhook_workflow_id", "webhook", ["workflow_id"])
    op.create_table(
        "credential",
        _id(),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_credential"),
    )


def downgrade() -> None:
    for table in (
        "credential",
        "webhook",
        "node_run",
        "execution",
        "workflow_tag",
        "tag",
        "workflow_version",
        "workflow",
    ):
        op.drop_table(table)

"""Durable executions: waits, ownership, per-run extras and workflow static data.

- execution.wait_till: when a parked (waiting) execution resumes by itself;
- execution.owner / heartbeat_at: the server process running an execution and when it
  last said so, so that another one resumes it only once its owner is gone;
- node_run.extra: what a run recorded besides items (a parked Wait, Code logs, AI steps);
- workflow.static_data: $getWorkflowStaticData, kept between executions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hetumind.store.models import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch mode: SQLite cannot alter tables in place (it copies them); PostgreSQL alters.
    with op.batch_alter_table("execution") as batch:
        batch.add_column(sa.Column("wait_till", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("owner", sa.String(64), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", UTCDateTime(), nullable=True))
        batch.create_index("ix_execution_wait_till", ["wait_till"], unique=False)
    with op.batch_alter_table("node_run") as batch:
        batch.add_column(sa.Column("extra", sa.JSON(), nullable=True))
    with op.batch_alter_table("workflow") as batch:
        batch.add_column(sa.Column("static_data", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workflow") as batch:
        batch.drop_column("static_data")
    with op.batch_alter_table("node_run") as batch:
        batch.drop_column("extra")
    with op.batch_alter_table("execution") as batch:
        batch.drop_index("ix_execution_wait_till")
        batch.drop_column("heartbeat_at")
        batch.drop_column("owner")
        batch.drop_column("wait_till")

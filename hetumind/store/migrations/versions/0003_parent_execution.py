"""Sub-executions point at the execution that started them (`parent_execution_id`).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch mode: SQLite cannot alter tables in place (it copies them); PostgreSQL alters.
    with op.batch_alter_table("execution") as batch:
        batch.add_column(sa.Column("parent_execution_id", sa.String(36), nullable=True))
        batch.create_index(
            "ix_execution_parent_execution_id", ["parent_execution_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("execution") as batch:
        batch.drop_index("ix_execution_parent_execution_id")
        batch.drop_column("parent_execution_id")

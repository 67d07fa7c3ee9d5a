"""Schedule ticks: the last tick each schedule node fired, claimed once per tick.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hetumind.store.models import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "schedule_tick",
        sa.Column("workflow_id", sa.String(36), nullable=False),
        sa.Column("node", sa.String(255), nullable=False),
        sa.Column("tick", UTCDateTime(), nullable=False),
        sa.Column("execution_id", sa.String(36), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["workflow.id"],
            ondelete="CASCADE",
            name="fk_schedule_tick_workflow",
        ),
        sa.PrimaryKeyConstraint("workflow_id", "node", "tick", name="pk_schedule_tick"),
    )


def downgrade() -> None:
    op.drop_table("schedule_tick")

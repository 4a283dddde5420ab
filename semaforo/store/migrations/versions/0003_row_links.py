"""Row links: where the last sync found each indicator's capture row, for reminders.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the `rowlink` table."""
    op.create_table(
        "rowlink",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.String(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=32), nullable=False),
        sa.Column("office_code", sa.String(length=32), nullable=False),
        sa.Column("link", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        # One link per capture row of a month: each sync updates it where the row moved.
        sa.UniqueConstraint("programme_id", "month", "indicator_code", "office_code"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
    )
    op.create_index("ix_rowlink_programme_id", "rowlink", ["programme_id"])


def downgrade() -> None:
    """Drop the `rowlink` table (its index goes with it)."""
    op.drop_table("rowlink")

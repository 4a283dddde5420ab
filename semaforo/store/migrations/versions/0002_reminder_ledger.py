"""The reminder ledger: one row per (owner, kind, period), claimed before the send.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the `reminder` table."""
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.String(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("indicators", sa.Text(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        # What makes a reminder go out once: a second claim fails in the database.
        sa.UniqueConstraint("programme_id", "owner_id", "kind", "period"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["owner.id"]),
    )
    op.create_index("ix_reminder_programme_id", "reminder", ["programme_id"])
    op.create_index("ix_reminder_owner_id", "reminder", ["owner_id"])


def downgrade() -> None:
    """Drop the `reminder` table (its indexes go with it)."""
    op.drop_table("reminder")

"""Approved and modified targets: each month keeps its approved target and weight beside those
in force, and every modification is kept with its reason, when and from where.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """`monthtarget` gains `approved_target` and `approved_weight` (what was in force until now:
    nothing was modified before this revision) and its values in force may be empty (a month a
    modification left not due); `targetchange` records every modification."""
    with op.batch_alter_table("monthtarget") as batch:
        batch.add_column(sa.Column("approved_target", sa.Float(), nullable=True))
        batch.add_column(sa.Column("approved_weight", sa.Float(), nullable=True))
    op.execute("update monthtarget set approved_target = target, approved_weight = weight")
    with op.batch_alter_table("monthtarget") as batch:
        batch.alter_column("approved_target", existing_type=sa.Float(), nullable=False)
        batch.alter_column("approved_weight", existing_type=sa.Float(), nullable=False)
        batch.alter_column("target", existing_type=sa.Float(), nullable=True)
        batch.alter_column("weight", existing_type=sa.Float(), nullable=True)
    op.create_table(
        "targetchange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.String(), nullable=False),
        sa.Column("indicator_code", sa.String(length=32), nullable=False),
        sa.Column("office_code", sa.String(length=32), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("approved_target", sa.Float(), nullable=False),
        sa.Column("approved_weight", sa.Float(), nullable=False),
        sa.Column("target_before", sa.Float(), nullable=True),
        sa.Column("weight_before", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
    )
    op.create_index("ix_targetchange_programme_id", "targetchange", ["programme_id"])
    op.create_index("ix_targetchange_indicator_code", "targetchange", ["indicator_code"])


def downgrade() -> None:
    """Back to 0004: the values in force become the only ones (a month left not due loses its
    row), and the modifications' record is dropped."""
    op.drop_table("targetchange")
    op.execute("delete from monthtarget where target is null or weight is null")
    with op.batch_alter_table("monthtarget") as batch:
        batch.alter_column("target", existing_type=sa.Float(), nullable=False)
        batch.alter_column("weight", existing_type=sa.Float(), nullable=False)
        batch.drop_column("approved_weight")
        batch.drop_column("approved_target")

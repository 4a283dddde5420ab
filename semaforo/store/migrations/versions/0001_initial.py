"""The schema as `create_all` made it before there were migrations.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Programmes, units, indicators, targets, captures and their history, owners, syncs."""
    op.create_table(
        "programme",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("institution", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("cap", sa.Float(), nullable=False),
        sa.Column("threshold_yellow", sa.Float(), nullable=False),
        sa.Column("threshold_green", sa.Float(), nullable=False),
        sa.Column("threshold_exceeded", sa.Float(), nullable=False),
        sa.Column("deadline_business_days", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )

    op.create_table(
        "unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.String(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("parent_code", sa.String(length=32), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("programme_id", "code"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
    )
    op.create_index("ix_unit_programme_id", "unit", ["programme_id"])

    op.create_table(
        "indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.String(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("formula", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("direction", sa.String(length=12), nullable=False),
        sa.Column("strategic", sa.Boolean(), nullable=False),
        sa.Column("office_indicator", sa.Boolean(), nullable=False),
        sa.Column("annual_target", sa.Float(), nullable=True),
        sa.Column("annual_weight", sa.Float(), nullable=False),
        sa.Column("measure", sa.String(), nullable=False),
        sa.Column("accumulate_numerator", sa.Boolean(), nullable=False),
        sa.Column("accumulate_denominator", sa.Boolean(), nullable=False),
        sa.Column("accumulate_value", sa.Boolean(), nullable=False),
        sa.Column("threshold_yellow", sa.Float(), nullable=True),
        sa.Column("threshold_green", sa.Float(), nullable=True),
        sa.Column("threshold_exceeded", sa.Float(), nullable=True),
        sa.Column("interpretation", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("programme_id", "code"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
    )
    op.create_index("ix_indicator_programme_id", "indicator", ["programme_id"])

    op.create_table(
        "monthtarget",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.String(), nullable=False),
        sa.Column("indicator_code", sa.String(length=32), nullable=False),
        sa.Column("office_code", sa.String(length=32), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("share", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("programme_id", "indicator_code", "office_code", "month"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
    )
    op.create_index("ix_monthtarget_programme_id", "monthtarget", ["programme_id"])

    op.create_table(
        "capture",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.String(), nullable=False),
        sa.Column("indicator_code", sa.String(length=32), nullable=False),
        sa.Column("office_code", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("programme_id", "indicator_code", "office_code", "year", "month"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
    )
    op.create_index("ix_capture_programme_id", "capture", ["programme_id"])

    op.create_table(
        "capturehistory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.String(), nullable=False),
        sa.Column("indicator_code", sa.String(length=32), nullable=False),
        sa.Column("office_code", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=8), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
    )
    op.create_index("ix_capturehistory_programme_id", "capturehistory", ["programme_id"])
    op.create_index("ix_capturehistory_indicator_code", "capturehistory", ["indicator_code"])

    op.create_table(
        "owner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("telegram_id", sa.Integer(), nullable=True),
        sa.Column("telegram_username", sa.String(), nullable=True),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("unreachable", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
    )
    op.create_index("ix_owner_programme_id", "owner", ["programme_id"])
    op.create_index("ix_owner_telegram_id", "owner", ["telegram_id"])

    op.create_table(
        "ownerunit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner_id", "unit_code"),
        sa.ForeignKeyConstraint(["owner_id"], ["owner.id"]),
    )
    op.create_index("ix_ownerunit_owner_id", "ownerunit", ["owner_id"])

    op.create_table(
        "syncrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.String(), nullable=False),
        sa.Column("workbook", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("cells_read", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
    )
    op.create_index("ix_syncrun_programme_id", "syncrun", ["programme_id"])

    op.create_table(
        "invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["owner_id"], ["owner.id"]),
        sa.UniqueConstraint("code_hash"),
    )
    op.create_index("ix_invite_owner_id", "invite", ["owner_id"])


def downgrade() -> None:
    """Drop every table, those that others point at last (their indexes go with them)."""
    for table in (
        "invite",
        "syncrun",
        "ownerunit",
        "owner",
        "capturehistory",
        "capture",
        "monthtarget",
        "indicator",
        "unit",
        "programme",
    ):
        op.drop_table(table)

"""One Telegram account is one person: revocable invitations, throttled guesses, 64-bit ids.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Invitations get `revoked_at` and `replaces_account`; `startattempt` records failed
    `/start CODE`s; Telegram ids become BIGINT (they may need more than 32 bits)."""
    with op.batch_alter_table("invite") as batch:
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("replaces_account", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("invite") as batch:
        batch.alter_column("replaces_account", server_default=None)
    with op.batch_alter_table("owner") as batch:
        batch.alter_column(
            "telegram_id", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=True
        )
    op.create_table(
        "startattempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.String(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
    )
    op.create_index("ix_startattempt_programme_id", "startattempt", ["programme_id"])
    op.create_index("ix_startattempt_telegram_id", "startattempt", ["telegram_id"])


def downgrade() -> None:
    """Back to 0003: no attempts table, 32-bit ids, invitations without revocation."""
    op.drop_table("startattempt")
    with op.batch_alter_table("owner") as batch:
        batch.alter_column(
            "telegram_id", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=True
        )
    with op.batch_alter_table("invite") as batch:
        batch.drop_column("replaces_account")
        batch.drop_column("revoked_at")

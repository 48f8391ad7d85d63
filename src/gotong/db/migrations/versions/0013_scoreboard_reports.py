"""the scoreboard's per-organisation settings (publish own detail, team size), stored reports, subscribers

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scoreboard_settings",
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisations.id"), primary_key=True),
        sa.Column("publish", sa.Boolean(), nullable=False),
        sa.Column("team_size", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.String(254), nullable=False),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("period_kind", sa.String(16), nullable=False),
        sa.Column("period_label", sa.String(40), nullable=False),
        sa.Column("starts_at", sa.BigInteger(), nullable=False),
        sa.Column("ends_at", sa.BigInteger(), nullable=False),
        sa.Column("generated_at", sa.BigInteger(), nullable=False),
        sa.Column("generated_by", sa.String(254), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
    )
    op.create_table(
        "report_subscribers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("org_id", "email"),
    )


def downgrade() -> None:
    op.drop_table("report_subscribers")
    op.drop_table("reports")
    op.drop_table("scoreboard_settings")

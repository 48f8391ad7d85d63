"""a feed and a collection may repair producers' well-known mistakes (feeds.repair, collections.repair)

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN with a default, on both engines: a batch copy on SQLite would
    # drop and recreate ``collections``, which other tables refer to, and SQLite refuses that.
    op.add_column("feeds", sa.Column("repair", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("collections", sa.Column("repair", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35+ has it), for the same reason.
    op.drop_column("collections", "repair")
    op.drop_column("feeds", "repair")

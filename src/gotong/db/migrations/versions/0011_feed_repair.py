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
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repair", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("collections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repair", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("collections", schema=None) as batch_op:
        batch_op.drop_column("repair")
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.drop_column("repair")

"""how a reachability check's mail went (encrypted to the contact's key, or in the clear and why), and
its reply code (the SHA-256 of the code, and how many wrong codes were tried)

Revision ID: 0018
Revises: 0015

(Numbers 0016 and 0017 were given to other branches at the same time; whoever merges last points
``down_revision`` at the newest of them.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact_checks") as batch:
        batch.add_column(sa.Column("encrypted_to", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("in_clear_because", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("code_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("code_failures", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("contact_checks") as batch:
        batch.drop_column("code_failures")
        batch.drop_column("code_hash")
        batch.drop_column("in_clear_because")
        batch.drop_column("encrypted_to")

"""each audit record carries a seal: an HMAC of its hash under a key kept outside the database

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Records written before this revision keep no seal (None); the chain still covers them.
    op.add_column("audit_log", sa.Column("mac", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_log", "mac")

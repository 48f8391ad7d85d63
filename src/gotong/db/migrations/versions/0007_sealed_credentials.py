"""seal feed credentials and peer tokens at rest; index statuses by request time (expiry)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 07:40:00

Values written in the clear by earlier versions are encrypted with the node's secrets key
(``gotong.core.secrets``; the key file is made if absent). Downgrading writes them back in the clear.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from gotong.core.secrets import seal, unseal

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Plain columns: the models' SealedText would seal or unseal on its own.
_COLUMNS = (("feeds", "id", "credentials"), ("peers", "id", "token"))


def _rewrite(change: Callable[[str | None], str | None]) -> None:
    conn = op.get_bind()
    for table_name, key, column in _COLUMNS:
        table = sa.table(table_name, sa.column(key), sa.column(column, sa.Text))
        for row in conn.execute(sa.select(table.c[key], table.c[column])).all():
            value = row[1]
            new = change(value)
            if new != value:
                conn.execute(sa.update(table).where(table.c[key] == row[0]).values({column: new}))


def upgrade() -> None:
    _rewrite(seal)
    op.create_index("ix_statuses_request_timestamp", "statuses", ["request_timestamp"])


def downgrade() -> None:
    op.drop_index("ix_statuses_request_timestamp", table_name="statuses")
    _rewrite(unseal)

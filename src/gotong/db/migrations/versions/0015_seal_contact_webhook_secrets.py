"""seal the contacts' webhook secrets at rest, as feed credentials and peer tokens are

Revision ID: 0015
Revises: 0014

A contact's ``webhook_secret`` is the HMAC key that signs the reachability checks and notices sent to
its webhook: whoever reads it can forge them. Values written in the clear by earlier versions are
encrypted with the node's secrets key (``gotong.core.secrets``); the column becomes text, as a sealed
value is longer than the 64 characters of the key. Downgrading writes them back in the clear.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from gotong.core.secrets import seal, unseal

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _rewrite(change: Callable[[str | None], str | None]) -> None:
    conn = op.get_bind()
    # A plain column here: the model's SealedText would seal or unseal on its own.
    table = sa.table("contacts", sa.column("id"), sa.column("webhook_secret", sa.Text))
    for key, value in conn.execute(sa.select(table.c.id, table.c.webhook_secret)).all():
        new = change(value)
        if new != value:
            conn.execute(sa.update(table).where(table.c.id == key).values(webhook_secret=new))


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.alter_column(
            "webhook_secret", type_=sa.Text(), existing_type=sa.String(length=64), existing_nullable=False
        )
    _rewrite(seal)


def downgrade() -> None:
    _rewrite(unseal)
    with op.batch_alter_table("contacts") as batch:
        batch.alter_column(
            "webhook_secret", type_=sa.String(length=64), existing_type=sa.Text(), existing_nullable=False
        )

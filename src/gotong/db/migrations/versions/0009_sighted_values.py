"""sightings name the value they saw; IP observables carry their span for lookups by CIDR

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import ipaddress

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("sighting_facts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("observable_id", _ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_sighting_facts_observable_id_observables"),
            "observables",
            ["observable_id"],
            ["id"],
        )
    with op.batch_alter_table("observables", schema=None) as batch_op:
        batch_op.add_column(sa.Column("span_first", sa.String(length=34), nullable=True))
        batch_op.add_column(sa.Column("span_last", sa.String(length=34), nullable=True))
        batch_op.create_index("ix_observables_span_first", ["span_first"], unique=False)
    _backfill_spans()


def _backfill_spans() -> None:
    """The span of every IP observable stored before (as gotong.correlation.normalise.address_span)."""
    conn = op.get_bind()
    table = sa.table(
        "observables", sa.column("id"), sa.column("kind"), sa.column("value"),
        sa.column("span_first"), sa.column("span_last"),
    )  # fmt: skip
    rows = conn.execute(
        sa.select(table.c.id, table.c.value).where(table.c.kind.in_(["ipv4-addr", "ipv6-addr"]))
    ).all()
    updates = []
    for row in rows:
        network = ipaddress.ip_network(row.value, strict=False)
        width = 8 if network.version == 4 else 32
        first, last = int(network.network_address), int(network.broadcast_address)
        updates.append(
            {
                "row_id": row.id,
                "first": f"{network.version}:{first:0{width}x}",
                "last": f"{network.version}:{last:0{width}x}",
            }
        )
    if updates:
        conn.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("row_id"))
            .values(span_first=sa.bindparam("first"), span_last=sa.bindparam("last")),
            updates,
        )


def downgrade() -> None:
    with op.batch_alter_table("observables", schema=None) as batch_op:
        batch_op.drop_index("ix_observables_span_first")
        batch_op.drop_column("span_last")
        batch_op.drop_column("span_first")
    with op.batch_alter_table("sighting_facts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_sighting_facts_observable_id_observables"), type_="foreignkey"
        )
        batch_op.drop_column("observable_id")

"""one submission per submitter: the submitter joins the stored versions' unique key

Revision ID: 0019
Revises: 0018

An organisation that submits an object another organisation holds hidden from it used to be told
"already present" (or "a different object with this id and version is already stored"), which
confirmed the hidden object, and its own submission was lost. Each submitter now keeps its own row
of a version; readers who may see several read the first (``gotong.intel.query.first_submission``,
which looks only at rows marked ``later_submission``: stored while another submitter held the version).

Downgrading is refused while two organisations hold the same version: the old key cannot hold both,
and choosing one would drop an accepted submission.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_OLD = "uq_stix_objects_collection_id_stix_id_version"
_NEW = "uq_stix_objects_collection_id_stix_id_version_submitter_org_id"


def upgrade() -> None:
    with op.batch_alter_table("stix_objects") as batch:
        batch.drop_constraint(_OLD, type_="unique")
        batch.create_unique_constraint(_NEW, ["collection_id", "stix_id", "version", "submitter_org_id"])
        # No row stored so far shares its version with another submitter's: all start unmarked.
        batch.add_column(
            sa.Column("later_submission", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    table = sa.table("stix_objects", sa.column("collection_id"), sa.column("stix_id"), sa.column("version"))
    shared = (
        op.get_bind()
        .execute(
            sa.select(sa.func.count()).select_from(
                sa.select(table.c.collection_id)
                .group_by(table.c.collection_id, table.c.stix_id, table.c.version)
                .having(sa.func.count() > 1)
                .subquery()
            )
        )
        .scalar_one()
    )
    if shared:
        raise RuntimeError(
            f"{shared} object versions are held by more than one submitter; the earlier schema can "
            "keep only one of each: delete the extra submissions first"
        )
    with op.batch_alter_table("stix_objects") as batch:
        batch.drop_column("later_submission")
        batch.drop_constraint(_NEW, type_="unique")
        batch.create_unique_constraint(_OLD, ["collection_id", "stix_id", "version"])

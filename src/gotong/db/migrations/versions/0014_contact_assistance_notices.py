"""the notices that tell an addressee's duty desk of an assistance request, and its acknowledgement

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "contact_assistance_notices",
        sa.Column("id", _ID, nullable=False),
        sa.Column("request_id", sa.String(length=100), nullable=False),
        sa.Column("requester_org_id", sa.Integer(), nullable=False),
        sa.Column("addressee_org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("urgency", sa.String(length=40), nullable=False),
        sa.Column("sent_at", sa.BigInteger(), nullable=False),
        sa.Column("acknowledged_at", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("delivered_at", sa.BigInteger(), nullable=True),
        sa.Column("problem", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["requester_org_id"],
            ["organisations.id"],
            name=op.f("fk_contact_assistance_notices_requester_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["addressee_org_id"],
            ["organisations.id"],
            name=op.f("fk_contact_assistance_notices_addressee_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_contact_assistance_notices_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_assistance_notices")),
        sa.UniqueConstraint("request_id", name=op.f("uq_contact_assistance_notices_request_id")),
    )
    op.create_index(
        op.f("ix_contact_assistance_notices_addressee_org_id"),
        "contact_assistance_notices",
        ["addressee_org_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_contact_assistance_notices_status"), "contact_assistance_notices", ["status"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_contact_assistance_notices_status"), table_name="contact_assistance_notices")
    op.drop_index(
        op.f("ix_contact_assistance_notices_addressee_org_id"), table_name="contact_assistance_notices"
    )
    op.drop_table("contact_assistance_notices")

"""points of contact per organisation and the reachability checks sent to them

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("webhook_secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_contacts_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    op.create_index(op.f("ix_contacts_org_id"), "contacts", ["org_id"], unique=False)
    op.create_table(
        "contact_checks",
        sa.Column("id", _ID, nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("acknowledged_at", sa.BigInteger(), nullable=True),
        sa.Column("escalated_at", sa.BigInteger(), nullable=True),
        sa.Column("fallback_of", _ID, nullable=True),
        sa.Column("problem", sa.String(length=300), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_contact_checks_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["fallback_of"], ["contact_checks.id"], name=op.f("fk_contact_checks_fallback_of_contact_checks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_checks")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_contact_checks_token_hash")),
    )
    op.create_index(op.f("ix_contact_checks_contact_id"), "contact_checks", ["contact_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_contact_checks_contact_id"), table_name="contact_checks")
    op.drop_table("contact_checks")
    op.drop_index(op.f("ix_contacts_org_id"), table_name="contacts")
    op.drop_table("contacts")

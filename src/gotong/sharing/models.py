"""Tables of sharing groups and their members."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, String, Table

from gotong.db.meta import metadata


class GroupKind(StrEnum):
    COMMUNITY = "community"
    NAMED_RECIPIENTS = "named-recipients"


sharing_groups = Table(
    "sharing_groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("owner_org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("marking_id", String(64), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
)

sharing_group_members = Table(
    "sharing_group_members",
    metadata,
    Column("group_id", Integer, ForeignKey("sharing_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), primary_key=True),
)

# Access receipts: who retrieved which stored version, and when. One row per retrieval batch (a
# TAXII page, an export) and one per version in it that another organisation submitted.
retrievals = Table(
    "retrievals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", BigInteger, nullable=False),
    Column("reader_org_id", Integer, ForeignKey("organisations.id"), nullable=True),
    Column("collection_id", String(36), nullable=True),
    Column("channel", String(16), nullable=False),
    Column("count", Integer, nullable=False),
)

retrieval_items = Table(
    "retrieval_items",
    metadata,
    Column("retrieval_id", Integer, ForeignKey("retrievals.id", ondelete="CASCADE"), primary_key=True),
    Column("object_seq", BigInteger, primary_key=True, index=True),
)

"""Tables of collections, stored object versions and TAXII status resources."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from gotong.db.meta import metadata

collections = Table(
    "collections",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("alias", String(100), nullable=True, unique=True),
    Column("readers_all", Boolean, nullable=False, default=False),
    Column("writers_all", Boolean, nullable=False, default=False),
    Column("public", Boolean, nullable=False, default=False),
    # Posts fix producers' well-known mistakes (gotong.stix.repair): for collections of trusted writers.
    Column("repair", Boolean, nullable=False, default=False, server_default=false()),
    Column("default_group_id", Integer, ForeignKey("sharing_groups.id"), nullable=True),
    Column("created_at", BigInteger, nullable=False),
)

collection_access = Table(
    "collection_access",
    metadata,
    Column("collection_id", String(36), ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), primary_key=True),
    Column("can_read", Boolean, nullable=False),
    Column("can_write", Boolean, nullable=False),
)

# One row per stored version of a STIX object in a collection. ``date_added`` (microseconds since
# the epoch) is unique and strictly increasing in commit order: it is the paging and sync cursor.
stix_objects = Table(
    "stix_objects",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("collection_id", String(36), ForeignKey("collections.id"), nullable=False),
    Column("stix_id", String(300), nullable=False),
    Column("type", String(250), nullable=False),
    Column("spec_version", String(8), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("date_added", BigInteger, nullable=False),
    Column("submitter_org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("tlp", SmallInteger, nullable=False),
    Column("group_id", Integer, ForeignKey("sharing_groups.id"), nullable=True),
    # Submitted "through the hub": created_by_ref names the hub; submitter_org_id stays the real one.
    Column("anonymous", Boolean, nullable=False, default=False),
    # An indicator's valid_until, so exports can leave expired indicators out in the database.
    Column("valid_until", BigInteger, nullable=True),
    Column("body", Text, nullable=False),
    # The federation peer this version arrived from (None: submitted here). Never sent back to it.
    Column("via_peer_id", Integer, nullable=True),
    # Another organisation held this id and version already when it was stored: a reader who may see
    # both reads the earlier (gotong.intel.query.first_submission looks only at rows so marked).
    Column("later_submission", Boolean, nullable=False, default=False, server_default=false()),
    # One submission per submitter: an organisation that submits what another holds hidden from it
    # gets its own row (gotong.intel.store); readers who may see both see the first (intel.query).
    UniqueConstraint("collection_id", "stix_id", "version", "submitter_org_id"),
    Index("ix_stix_objects_collection_added", "collection_id", "date_added"),
    Index("ix_stix_objects_date_added", "date_added", unique=True),
)

statuses = Table(
    "statuses",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("collection_id", String(36), ForeignKey("collections.id"), nullable=False),
    Column("org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("request_timestamp", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("total_count", Integer, nullable=False),
    Column("success_count", Integer, nullable=False),
    Column("failure_count", Integer, nullable=False),
    Column("pending_count", Integer, nullable=False),
    Column("details", Text, nullable=False),
    Index("ix_statuses_request_timestamp", "request_timestamp"),  # expiry deletes by it
)

"""The table of the audit log: one row per audited action, each row chained to the one before it."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, String, Table, Text

from gotong.db.meta import metadata

ACTION_MAX = 64
ACTOR_MAX = 254  # the longest e-mail address
SUBJECT_MAX = 255


class Action(StrEnum):
    """What was done. The log accepts any short string; these are the ones the node writes."""

    OBJECTS_ADD = "objects.add"
    OBJECTS_DELETE = "objects.delete"
    OBJECTS_READ = "objects.read"
    TOKEN_CREATE = "token.create"
    TOKEN_REVOKE = "token.revoke"
    GROUP_CREATE = "group.create"
    GROUP_MEMBERS = "group.members"
    ORG_CREATE = "org.create"
    ORG_DEFAULT_TLP = "org.default-tlp"
    USER_CREATE = "user.create"
    COLLECTION_CREATE = "collection.create"


# ``seq`` is assigned by the writer (last seq + 1), never by the database: it is part of what
# each hash covers, and its primary key makes two writers that race for the same seq fail
# rather than fork the chain.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("at", BigInteger, nullable=False),
    Column("actor_org_id", Integer, ForeignKey("organisations.id"), nullable=True),
    Column("actor", String(ACTOR_MAX), nullable=False),
    Column("action", String(ACTION_MAX), nullable=False),
    Column("subject", String(SUBJECT_MAX), nullable=False),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # HMAC-SHA256 of ``hash`` under a key kept outside the database (gotong.audit.service.seal):
    # a record appended or rewritten by someone who holds only the database has none that fits.
    # None on records written before migration 0012.
    Column("mac", String(64), nullable=True),
)

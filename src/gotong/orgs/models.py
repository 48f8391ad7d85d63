"""Tables of organisations, users and API tokens."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Integer, String, Table

from gotong.core.auth import Role
from gotong.db.meta import metadata

__all__ = ["OrgKind", "Role", "api_tokens", "organisations", "users"]


class OrgKind(StrEnum):
    HUB = "hub"
    NATIONAL_CERT = "national-cert"
    CONSTITUENT = "constituent"
    PARTNER = "partner"
    # The network's taskforce (one seat per member state): its users are the seat holders, and
    # what is confidential to the taskforce is shared with this organisation like with any other.
    TASKFORCE = "taskforce"


organisations = Table(
    "organisations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("short_name", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("country", String(2), nullable=True),
    Column("kind", String(20), nullable=False),
    Column("parent_id", Integer, ForeignKey("organisations.id"), nullable=True),
    Column("identity_id", String(64), nullable=False, unique=True),
    Column("default_tlp", String(16), nullable=False, default="amber"),
    Column("created_at", BigInteger, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("role", String(20), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", BigInteger, nullable=False),
    # Sign-in to the web interface (orgs/passwords.py): an argon2 hash, never the password.
    Column("password_hash", String(200), nullable=True),
    Column("failed_logins", Integer, nullable=False, default=0, server_default="0"),
    Column("locked_until", BigInteger, nullable=True),
    # Sessions issued before this instant (sign-out, new password) are no longer accepted.
    Column("sessions_valid_after", BigInteger, nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("role", String(20), nullable=False),
    Column("through_hub", Boolean, nullable=False, default=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=True),
    Column("revoked_at", BigInteger, nullable=True),
)

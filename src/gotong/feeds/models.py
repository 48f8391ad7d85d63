"""The feed registry: one row per configured feed, holding its configuration and its last run's status.

A feed is configuration, never code: a name, a source (a URL, a file or folder path, or a remote TAXII
collection URL), one of the import formats, the organisation that vouches for what it brings and the
collection it lands in, the default marking and audience, and how often to poll. The same row keeps
what the scheduler needs between runs: the validators of the last response (ETag, Last-Modified), a
cursor (``added_after`` for TAXII, the newest event timestamp for a MISP feed) and the outcome.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Integer, String, Table, Text, false

from gotong.core.secrets import SealedText
from gotong.db.meta import metadata

feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("source", Text, nullable=False),
    Column("format", String(64), nullable=False),
    Column("org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("collection_id", String(36), ForeignKey("collections.id", ondelete="CASCADE"), nullable=False),
    Column("classification", String(100), nullable=True),
    Column("tlp", String(20), nullable=True),
    Column("group_id", Integer, ForeignKey("sharing_groups.id"), nullable=True),
    Column("valid_days", Integer, nullable=True),
    Column("interval_seconds", Integer, nullable=True),  # None: run only by hand
    Column("enabled", Boolean, nullable=False, default=True),
    # Fix producers' well-known mistakes before validation (gotong.stix.repair), as import --repair does.
    Column("repair", Boolean, nullable=False, default=False, server_default=false()),
    # Credentials for the source: "Bearer <token>" or "Basic <base64>", sent as Authorization.
    Column("credentials", SealedText, nullable=True),  # sealed at rest: gotong.core.secrets
    Column("created_at", BigInteger, nullable=False),
    # State between runs.
    Column("etag", Text, nullable=True),
    Column("last_modified", Text, nullable=True),
    Column("resume_from", Text, nullable=True),
    Column("next_run_at", BigInteger, nullable=True),
    Column("failures", Integer, nullable=False, default=0),
    # The last run.
    Column("last_run_at", BigInteger, nullable=True),
    Column("last_success_at", BigInteger, nullable=True),
    Column("last_outcome", String(20), nullable=True),  # imported, not-modified, failed
    Column("last_error", Text, nullable=True),
    Column("last_accepted", Integer, nullable=False, default=0),
    Column("last_already_present", Integer, nullable=False, default=0),
    Column("last_rejected", Integer, nullable=False, default=0),
    Column("last_problems", Text, nullable=True),  # JSON list of the first problem lines
    Column("last_problem_count", Integer, nullable=False, default=0),
    Column("total_accepted", BigInteger, nullable=False, default=0),
)

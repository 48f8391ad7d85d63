"""Stored reports (each the view of the one organisation it was generated for) and their subscribers."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from gotong.db.meta import metadata

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), nullable=False, index=True),
    Column("period_kind", String(16), nullable=False),
    Column("period_label", String(40), nullable=False),
    Column("starts_at", BigInteger, nullable=False),
    Column("ends_at", BigInteger, nullable=False),
    Column("generated_at", BigInteger, nullable=False),
    Column("generated_by", String(254), nullable=False),
    Column("content", Text, nullable=False),  # the sections as JSON (ReportPublic's summary and sections)
)

report_subscribers = Table(
    "report_subscribers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("email", String(254), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("org_id", "email"),
)

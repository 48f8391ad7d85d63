"""The scoreboard's one table: what each organisation chose (publish its own detail) and recorded
(its team size, a capacity source). The figures themselves are computed, never stored."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Integer, String, Table

from gotong.db.meta import metadata

scoreboard_settings = Table(
    "scoreboard_settings",
    metadata,
    Column("org_id", Integer, ForeignKey("organisations.id"), primary_key=True),
    Column("publish", Boolean, nullable=False),
    Column("team_size", Integer, nullable=True),
    Column("updated_at", BigInteger, nullable=False),
    Column("updated_by", String(254), nullable=False),
)

"""Tables of the observable index: one row per distinct observable, one link per stored version.

Storage grows linearly with the observables stored — there is no pairwise correlation table.
Two versions correlate when they link to the same observable row.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from gotong.db.meta import metadata

_ID = BigInteger().with_variant(Integer, "sqlite")

observables = Table(
    "observables",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    # 63 bits of SHA-256 over kind and value: a short, fixed-width key that indexes well even when
    # the value is a long URL; the value is compared too, so a collision cannot mix observables.
    Column("key", BigInteger, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("value", Text, nullable=False),
    # IP addresses and networks only: first and last address as sortable text (normalise.address_span),
    # so that a lookup by CIDR finds what lies inside it with one range scan.
    Column("span_first", String(34), nullable=True),
    Column("span_last", String(34), nullable=True),
    Index("ix_observables_key", "key"),
    Index("ix_observables_span_first", "span_first"),
)

object_observables = Table(
    "object_observables",
    metadata,
    Column("observable_id", _ID, ForeignKey("observables.id"), primary_key=True),
    Column("object_seq", _ID, ForeignKey("stix_objects.seq", ondelete="CASCADE"), primary_key=True),
    Index("ix_object_observables_object_seq", "object_seq"),
)

# Observables of a stored version that a warninglist (known-benign values) matched at ingest.
warning_hits = Table(
    "warning_hits",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("object_seq", _ID, ForeignKey("stix_objects.seq", ondelete="CASCADE"), nullable=False, index=True),
    Column("list_id", String(100), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("value", Text, nullable=False),
    Column("list_name", String(300), nullable=False),
    Column("matched", Text, nullable=False),
)

# The facts of each stored sighting version, extracted at ingest so aggregation is one SQL query.
sighting_facts = Table(
    "sighting_facts",
    metadata,
    Column("object_seq", _ID, ForeignKey("stix_objects.seq", ondelete="CASCADE"), primary_key=True),
    Column("sighting_of_ref", String(300), nullable=False, index=True),
    Column("count", Integer, nullable=False),
    Column("first_seen", BigInteger, nullable=True),
    Column("last_seen", BigInteger, nullable=True),
    Column("false_positive", Boolean, nullable=False),
    # The value the sighting says was seen (x_gotong_sighted), for an indicator of several values:
    # the sighting counts for that value only. None: the sighting names no value.
    Column("observable_id", _ID, ForeignKey("observables.id"), nullable=True),
)

# Regional alerts: one observable reported from two or more member countries within a window.
alerts = Table(
    "alerts",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("observable_id", _ID, ForeignKey("observables.id"), nullable=False, index=True),
    Column("raised_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

# Each organisation acknowledges an alert for itself, and sees only its own acknowledgement: one
# shared acknowledgement would name, to everyone, who else knows of the alert.
alert_acknowledgements = Table(
    "alert_acknowledgements",
    metadata,
    Column("alert_id", _ID, ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), primary_key=True),
    Column("acknowledged_by", String(254), nullable=False),
    Column("acknowledged_at", BigInteger, nullable=False),
)

alert_objects = Table(
    "alert_objects",
    metadata,
    Column("alert_id", _ID, ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True),
    Column("object_seq", _ID, ForeignKey("stix_objects.seq", ondelete="CASCADE"), primary_key=True),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("url", Text, nullable=False),
    Column("secret", String(128), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", BigInteger, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("webhook_id", _ID, ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("alert_id", _ID, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", BigInteger, nullable=False, index=True),
    Column("delivered_at", BigInteger, nullable=True),
    Column("last_error", Text, nullable=True),
)

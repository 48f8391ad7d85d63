"""Tables of points of contact and of the reachability checks sent to them.

A contact is an operational record of its organisation, not intelligence: it lives in its own table,
its fields in one JSON document, and who may read each field is decided by
:func:`gotong.sharing.policy.may_see_field` from the visibility stored beside it.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Integer, String, Table

from gotong.core.secrets import SealedText
from gotong.db.meta import metadata

__all__ = ["Channel", "CheckStatus", "NoticeStatus", "checks", "contacts", "notices"]

_ID = BigInteger().with_variant(Integer(), "sqlite")


class Channel(StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"
    PHONE = "phone"


class CheckStatus(StrEnum):
    SENT = "sent"  # waiting for its acknowledgement
    ACKNOWLEDGED = "acknowledged"
    UNANSWERED = "unanswered"  # its window passed; the next alternate was tried and the hub told
    FAILED = "failed"  # it could not be sent (refused by the outbound policy, no SMTP server...)


class NoticeStatus(StrEnum):
    PENDING = "pending"  # recorded with the request; the job has not sent it yet
    SENT = "sent"  # taken by the job and handed to the webhook or the SMTP server (once)
    FAILED = "failed"  # it could not be sent (the reason in ``problem``); not tried again
    NO_DESK = "no-desk"  # the addressee has no duty desk with a webhook or an e-mail address


contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), nullable=False, index=True),
    Column("role", String(40), nullable=False),
    # Every field of the contact, and the visibility of each: {"fields": {...}, "visibility": {...}}.
    Column("document", JSON, nullable=False),
    # The key of the HMAC that signs webhook challenges; shown to the owner and the hub only.
    Column("webhook_secret", SealedText, nullable=False),  # sealed at rest: gotong.core.secrets
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

checks = Table(
    "contact_checks",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("contact_id", Integer, ForeignKey("contacts.id"), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    # Microseconds since the epoch: the response time is acknowledged_at - sent_at, exactly.
    Column("sent_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("acknowledged_at", BigInteger, nullable=True),
    Column("escalated_at", BigInteger, nullable=True),
    # The check this one fell back from (an unanswered check of the contact whose alternate this is).
    Column("fallback_of", _ID, ForeignKey("contact_checks.id"), nullable=True),
    Column("problem", String(300), nullable=True),
    Column("recorded_by", String(64), nullable=True),  # a manual (phone) check: who recorded it
    # An e-mail check: the fingerprint of the key its mail was encrypted to, or, for a contact with a
    # key that could not be used (expired, weak, nothing to encrypt to), why it went in the clear.
    Column("encrypted_to", String(40), nullable=True),
    Column("in_clear_because", String(300), nullable=True),
    # An e-mail check's reply code (for a desk whose mail program breaks the link), as its SHA-256,
    # and the wrong codes tried against it: past CODE_TRIES the code is refused (the link still works).
    Column("code_hash", String(64), nullable=True),
    Column("code_failures", Integer, nullable=False, server_default="0"),
)

# One row per assistance request sent to an organisation: the notice to its duty desk (recorded in
# the transaction that sent the request, so a restart neither loses nor repeats it) and when the
# addressee acknowledged the request (its reachability record counts it).
notices = Table(
    "contact_assistance_notices",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("request_id", String(100), nullable=False, unique=True),
    Column("requester_org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("addressee_org_id", Integer, ForeignKey("organisations.id"), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("urgency", String(40), nullable=False),
    Column("sent_at", BigInteger, nullable=False),  # when the request was sent (microseconds)
    Column("acknowledged_at", BigInteger, nullable=True),  # when the addressee acknowledged it
    Column("status", String(16), nullable=False, index=True),
    Column("contact_id", Integer, ForeignKey("contacts.id"), nullable=True),
    Column("channel", String(16), nullable=True),
    Column("delivered_at", BigInteger, nullable=True),
    Column("problem", String(300), nullable=True),
)

"""Telling an organisation something through its points of contact of given roles: an e-mail to each
contact that has an address and a signed webhook POST to each that has a webhook.

For other domains' notices (an escalated case clock): the caller says what to say and to whom, this
module knows how to reach them. Webhook bodies are signed as checks are (``X-Gotong-Signature``,
HMAC-SHA256 under the contact's secret) and go through the outbound policy; mail goes through the
node's SMTP server (as PGP/MIME to the contact's key when that key is sound). Nothing is queued or
retried: the caller records what was handed over.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
from sqlalchemy import Engine, select

from gotong.contacts.catalogue import roles as known_roles
from gotong.contacts.encryption import mail_contact
from gotong.contacts.models import Channel, contacts
from gotong.contacts.signing import SIGNATURE_HEADER, sign
from gotong.core.outbound import outbound_client
from gotong.db.engine import read_connection
from gotong.settings import Settings

__all__ = ["Delivery", "contact_roles", "notify_org"]


@dataclass(frozen=True)
class Delivery:
    """One notice handed to one contact on one channel, or the reason it could not be."""

    contact_id: int
    role: str
    channel: Channel
    problem: str | None = None


def contact_roles() -> frozenset[str]:
    """The roles a point of contact may have (data/contacts/roles.toml)."""
    return frozenset(known_roles())


def notify_org(
    engine: Engine,
    *,
    settings: Settings,
    org_id: int,
    roles: tuple[str, ...],
    subject: str,
    text: str,
    body: dict[str, Any],
    channels: frozenset[Channel] = frozenset({Channel.EMAIL, Channel.WEBHOOK}),
) -> list[Delivery]:
    """Send ``text`` by e-mail and ``body`` (JSON) by webhook to each of the organisation's contacts
    whose role is one of ``roles`` (on the ``channels`` given); one :class:`Delivery` per attempt,
    none if it has no such contact."""
    with read_connection(engine) as conn:
        rows = conn.execute(
            select(contacts)
            .where(contacts.c.org_id == org_id, contacts.c.role.in_(roles))
            .order_by(contacts.c.id)
        ).all()
    done: list[Delivery] = []
    for row in rows:
        fields = row.document["fields"]
        if fields.get("email") and Channel.EMAIL in channels:
            send = partial(_mail, settings, fields, subject, text)
            done.append(_attempt(row.id, row.role, Channel.EMAIL, send))
        if fields.get("webhook_url") and Channel.WEBHOOK in channels:
            send = partial(_post, settings, row.webhook_secret, fields, body)
            done.append(_attempt(row.id, row.role, Channel.WEBHOOK, send))
    return done


def _attempt(contact_id: int, role: str, channel: Channel, send: Callable[[], None]) -> Delivery:
    try:
        send()
    except (httpx.HTTPError, OSError, smtplib.SMTPException, _Refused) as exc:
        return Delivery(contact_id, role, channel, (str(exc) or type(exc).__name__)[:300])
    return Delivery(contact_id, role, channel)


class _Refused(Exception):
    pass


def _mail(settings: Settings, fields: dict[str, Any], subject: str, text: str) -> None:
    if not settings.smtp_host:
        raise _Refused("no SMTP server is configured (GOTONG_SMTP_HOST)")
    mail_contact(settings, fields, subject=subject, text=text)  # encrypted to its key when sound


def _post(settings: Settings, secret: str, fields: dict[str, Any], body: dict[str, Any]) -> None:
    content, signature = sign(secret, body)
    with outbound_client(settings, timeout=10.0) as client:
        response = client.post(
            fields["webhook_url"],
            content=content,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
        )
    if response.status_code >= 300:
        raise _Refused(f"the webhook answered {response.status_code}")

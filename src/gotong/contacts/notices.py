"""Telling an addressee's 24/7 duty desk that an assistance request was sent to it, and counting how
fast the addressee acknowledged it.

:func:`record` subscribes (in ``gotong.wiring``) to :class:`gotong.core.events.AssistanceRequestMoved`
in the transaction that stored the request: a request sent records a notice; a request acknowledged
records the time on its notice. :func:`deliver_notices` is a job of the node's runner (woken after
each commit, and run when the node starts): it takes each pending notice — marking it sent in its own
transaction before handing it over, so a restart never sends one twice — and sends it to the
organisation's first duty desk by webhook (signed as checks are) or e-mail. The notice says what kind
of request came from whom and links to it; the request itself stays behind its markings.
"""

from __future__ import annotations

import smtplib
import threading
from typing import Any

import httpx
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.engine import Row

from gotong.audit.service import record as record_audit
from gotong.contacts.encryption import MailSent, mail_contact
from gotong.contacts.models import NoticeStatus, contacts, notices
from gotong.contacts.service import contact_row
from gotong.contacts.signing import SIGNATURE_HEADER, sign
from gotong.core.events import AssistanceRequestMoved
from gotong.core.jobs import JobRunner
from gotong.core.outbound import outbound_client
from gotong.db.engine import write_transaction
from gotong.orgs.service import get_org
from gotong.settings import Settings
from gotong.stix.timestamps import format_micros, now_micros

__all__ = ["JOB", "deliver_notices", "record", "register"]

JOB = "contact-assistance-notices"
_DESK = "duty-desk"


def record(conn: Connection, event: AssistanceRequestMoved) -> None:
    """In the request's own transaction: a notice for a request sent, the time of its acknowledgement."""
    if event.status == "sent":
        known = conn.execute(select(notices.c.id).where(notices.c.request_id == event.request_id)).first()
        if known is None:
            conn.execute(
                insert(notices).values(
                    request_id=event.request_id,
                    requester_org_id=event.requester_org_id,
                    addressee_org_id=event.addressee_org_id,
                    kind=event.kind,
                    urgency=event.urgency,
                    sent_at=event.at,
                    status=str(NoticeStatus.PENDING),
                )
            )
    elif event.status == "acknowledged":
        conn.execute(
            update(notices)
            .where(notices.c.request_id == event.request_id, notices.c.acknowledged_at.is_(None))
            .values(acknowledged_at=event.at)
        )


def deliver_notices(engine: Engine, *, settings: Settings, now: int | None = None) -> list[str]:
    """Send every pending notice once; returns the request ids whose notice was handed over."""
    at = now if now is not None else now_micros()
    taken: list[tuple[Row[Any], Row[Any] | None, str, str]] = []
    with write_transaction(engine) as conn:
        for notice in conn.execute(
            select(notices).where(notices.c.status == str(NoticeStatus.PENDING)).order_by(notices.c.id)
        ).all():
            desk = _desk(conn, notice.addressee_org_id)
            channel = _channel(desk)
            requester = get_org(conn, org_id=notice.requester_org_id).short_name
            addressee = get_org(conn, org_id=notice.addressee_org_id).short_name
            conn.execute(
                update(notices)
                .where(notices.c.id == notice.id)
                .values(
                    status=str(NoticeStatus.SENT if channel else NoticeStatus.NO_DESK),
                    contact_id=desk.id if desk is not None else None,
                    channel=channel,
                    delivered_at=at if channel else None,
                )
            )
            if channel is not None:
                taken.append((notice, desk, requester, addressee))
    handed: list[str] = []
    for notice, desk, requester, addressee in taken:
        assert desk is not None
        try:
            mailed = _send(settings, notice, desk, requester=requester, addressee=addressee)
            handed.append(notice.request_id)
            if mailed.in_clear_because:
                with write_transaction(engine) as conn:
                    record_audit(
                        conn,
                        action="contact.notice.sent-in-clear",
                        actor="notices",
                        actor_org_id=notice.addressee_org_id,
                        subject=f"contact:{desk.id}",
                        details={"request": notice.request_id, "reason": mailed.in_clear_because},
                    )
        except (httpx.HTTPError, OSError, smtplib.SMTPException, _Refused) as exc:
            with write_transaction(engine) as conn:
                conn.execute(
                    update(notices)
                    .where(notices.c.id == notice.id)
                    .values(status=str(NoticeStatus.FAILED), problem=(str(exc) or type(exc).__name__)[:300])
                )
    return handed


class _Refused(Exception):
    pass


def _desk(conn: Connection, org_id: int) -> Row[Any] | None:
    ids = conn.execute(
        select(contacts.c.id)
        .where(contacts.c.org_id == org_id, contacts.c.role == _DESK)
        .order_by(contacts.c.id)
    ).scalars()
    for contact_id in ids:
        row = contact_row(conn, contact_id)
        if _channel(row):
            return row
    return None


def _channel(desk: Row[Any] | None) -> str | None:
    if desk is None:
        return None
    fields = desk.document["fields"]
    return "webhook" if fields.get("webhook_url") else "email" if fields.get("email") else None


def _send(
    settings: Settings, notice: Row[Any], desk: Row[Any], *, requester: str, addressee: str
) -> MailSent:
    """Hand the notice to the desk's webhook or mail it (encrypted to the desk's key when sound)."""
    if not settings.base_url:
        raise _Refused("the node does not know its public URL for the link: set GOTONG_BASE_URL")
    link = f"{settings.base_url.rstrip('/')}/assistance/{notice.request_id}"
    body = {
        "type": "gotong-assistance-request",
        "request": notice.request_id,
        "kind": notice.kind,
        "urgency": notice.urgency,
        "from": requester,
        "to": addressee,
        "sent_at": format_micros(notice.sent_at),
        "url": link,
    }
    fields = desk.document["fields"]
    if fields.get("webhook_url"):
        content, signature = sign(desk.webhook_secret, body)
        with outbound_client(settings, timeout=10.0) as client:
            response = client.post(
                fields["webhook_url"],
                content=content,
                headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
            )
        if response.status_code >= 300:
            raise _Refused(f"the webhook answered {response.status_code}")
        return MailSent()
    if not settings.smtp_host:
        raise _Refused("no SMTP server is configured (GOTONG_SMTP_HOST)")
    return mail_contact(
        settings,
        fields,
        subject=f"Gotong: a {notice.urgency} {notice.kind} request from {requester}",
        text=(
            f"{requester} sent {addressee} a {notice.urgency} request for {notice.kind} "
            f"through the Gotong network at {body['sent_at']}.\n\n"
            f"Sign in to read it and acknowledge it:\n\n{link}\n"
        ),
    )


def register(runner: JobRunner, engine: Engine, settings: Settings) -> None:
    """Send pending notices when woken (after a request is stored), every ``contact_checks_minutes``,
    and when the node starts (a notice recorded before a restart goes out then, once)."""

    def run(_stopping: threading.Event) -> None:
        deliver_notices(engine, settings=settings)

    runner.register(JOB, run, every=settings.contact_checks_minutes * 60, wake_on=JOB, run_at_start=True)

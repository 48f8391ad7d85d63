"""Reachability checks: a challenge sent on one channel, its one-time acknowledgement, and the sweep.

* **webhook**: a JSON body POSTed to the contact's URL through the outbound policy
  (:func:`gotong.core.outbound.outbound_client`), signed ``X-Gotong-Signature: sha256=<hex>``
  (HMAC-SHA256 of the body with the contact's ``webhook_secret``), holding the acknowledgement URL;
* **email**: a mail through the node's SMTP server holding the acknowledgement link and a reply code
  (:func:`reply_code`) that a person can type on the page ``/ack`` when the link is broken;
* **phone**: made by a person, who records here whether the desk answered and how fast.

The acknowledgement token is random, stored only as its SHA-256, good once and only until the
check's window (``answer_within_minutes`` of the role) ends. Times are microseconds since the epoch,
so the response time is ``acknowledged_at - sent_at`` exactly. :func:`sweep` marks unanswered
checks past their window, escalates each to the hub and sends the next alternate a check.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import smtplib
import threading
from typing import Any

import httpx
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.engine import Row

from gotong.audit.service import record
from gotong.contacts.catalogue import role
from gotong.contacts.encryption import MailSent, mail_contact
from gotong.contacts.models import Channel, CheckStatus, checks, contacts
from gotong.contacts.notify import notify_org
from gotong.contacts.policy import require_editor
from gotong.contacts.schemas import AckPublic, CheckCreate, CheckPublic, PendingCheck
from gotong.contacts.service import contact_row, hub_org_id
from gotong.contacts.signing import SIGNATURE_HEADER, sign
from gotong.core.auth import Principal
from gotong.core.jobs import JobRunner
from gotong.core.outbound import outbound_client
from gotong.core.permissions import require_member
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Conflict, Invalid, NotFound
from gotong.settings import Settings
from gotong.stix.timestamps import format_micros, now_micros

__all__ = [
    "CODE_TRIES",
    "JOB",
    "acknowledge",
    "acknowledge_code",
    "check_public",
    "deliver",
    "issue",
    "list_checks",
    "pending_check",
    "register",
    "reply_code",
    "run_check",
    "sign",
    "sweep",
]


def run_check(
    engine: Engine,
    *,
    actor: Principal,
    contact_id: int,
    check: CheckCreate,
    settings: Settings,
    base_url: str,
    now: int | None = None,
) -> CheckPublic:
    """Send one challenge (or record a phone check) to the contact; the actor must be its editor."""
    require_member(actor)
    with write_transaction(engine) as conn:
        row = contact_row(conn, contact_id)
        require_editor(actor, owner_org_id=row.org_id, hub_org_id=hub_org_id(conn))
        if check.channel == Channel.PHONE:
            return _record_phone(conn, row, check, actor=actor, now=now or now_micros())
        if check.answered is not None or check.response_seconds is not None:
            raise Invalid("answered and response_seconds are for a phone check only")
        check_id, token = issue(conn, row, check.channel, now=now)
    return deliver(engine, check_id, token, settings=settings, base_url=base_url)


def issue(
    conn: Connection,
    row: Row[Any],
    channel: Channel,
    *,
    now: int | None = None,
    fallback_of: int | None = None,
) -> tuple[int, str]:
    """Store a new check of ``channel`` waiting for its acknowledgement; its id and one-time token."""
    fields = row.document["fields"]
    needed = {Channel.WEBHOOK: "webhook_url", Channel.EMAIL: "email"}[channel]
    if not fields.get(needed):
        raise Invalid(f"contact {row.id} has no {needed} to check by {channel}")
    token = secrets.token_urlsafe(32)
    sent = now if now is not None else now_micros()
    window = role(row.role).answer_within_minutes * 60_000_000
    check_id = conn.execute(
        insert(checks)
        .values(
            contact_id=row.id,
            channel=str(channel),
            token_hash=_hash(token),
            status=str(CheckStatus.SENT),
            sent_at=sent,
            expires_at=sent + window,
            fallback_of=fallback_of,
            code_hash=_hash(_plain(reply_code(token))) if channel == Channel.EMAIL else None,
        )
        .returning(checks.c.id)
    ).scalar_one()
    return int(check_id), token


def acknowledge(engine: Engine, *, token: str, now: int | None = None) -> AckPublic:
    """The acknowledgement: good once, until the check's window ends; no other credential."""
    with write_transaction(engine) as conn:
        row = conn.execute(select(checks).where(checks.c.token_hash == _hash(token))).first()
        if row is None:
            raise NotFound("no check has this acknowledgement token")
        return _acknowledge(conn, row, at=now if now is not None else now_micros(), what="token")


# Wrong reply codes a check takes before its code is refused: five guesses at a 40-bit code.
CODE_TRIES = 5
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols: no 0/O, no 1/I


def reply_code(token: str) -> str:
    """The reply code of the check whose token is ``token``: 8 symbols (40 bits), shown ``ABCD-EFGH``.

    Drawn from the token, so whoever has the link has the code too, and the node keeps neither."""
    digest = hmac.new(token.encode(), b"gotong reply code", hashlib.sha256).digest()
    symbols = "".join(_CODE_ALPHABET[byte % 32] for byte in digest[:8])  # 256 = 8 x 32: uniform
    return f"{symbols[:4]}-{symbols[4:]}"


def acknowledge_code(engine: Engine, *, check_id: int, code: str, now: int | None = None) -> AckPublic:
    """The acknowledgement by the reply code of an e-mail check, typed by a person: good once, until the
    window ends, and refused after :data:`CODE_TRIES` wrong codes (which are counted, and say how many
    tries are left). Nothing about the check is said before its code is right but whether it exists."""
    at = now if now is not None else now_micros()
    with write_transaction(engine) as conn:
        row = conn.execute(select(checks).where(checks.c.id == check_id)).first()
        if row is None or row.code_hash is None:
            raise NotFound(
                f"check: no e-mail check {check_id} takes a reply code; see the number in the mail"
            )
        if row.code_failures >= CODE_TRIES:
            raise Conflict(
                f"code: {CODE_TRIES} wrong codes were tried for check {check_id}, so its code is no longer "
                "taken; use the link in the mail, or ask the hub for a new check"
            )
        if not hmac.compare_digest(_hash(_plain(code)), row.code_hash):
            conn.execute(
                update(checks).where(checks.c.id == row.id).values(code_failures=checks.c.code_failures + 1)
            )
            problem = _wrong_code(row.id, CODE_TRIES - row.code_failures - 1)
        else:
            return _acknowledge(conn, row, at=at, what="code")
    raise Invalid(problem)  # after the commit: the wrong code stays counted


def _wrong_code(check_id: int, left: int) -> str:
    tries = f"{left} more tries" if left != 1 else "1 more try"
    after = f"{tries} before the code is refused" if left else "the code is now refused; use the link"
    return f"code: this is not the reply code of check {check_id} ({after})"


def _acknowledge(conn: Connection, row: Row[Any], *, at: int, what: str) -> AckPublic:
    if row.acknowledged_at is not None:
        raise Conflict(f"this check was already acknowledged: a {what} is good once")
    if row.status != CheckStatus.SENT or at > row.expires_at:
        raise Conflict("this check's window has passed: it was counted unanswered")
    conn.execute(
        update(checks)
        .where(checks.c.id == row.id)
        .values(status=str(CheckStatus.ACKNOWLEDGED), acknowledged_at=at)
    )
    return AckPublic(check_id=row.id, acknowledged_at=format_micros(at), response_micros=at - row.sent_at)


def pending_check(engine: Engine, *, token: str, now: int | None = None) -> PendingCheck:
    """What the acknowledgement page shows before the desk acknowledges: whose check, until when.

    An unknown token or one whose window has passed is NotFound (the page says the link is not, or
    no longer, good); one already acknowledged is a Conflict. Nothing is changed.
    """
    with read_connection(engine) as conn:
        row = conn.execute(select(checks).where(checks.c.token_hash == _hash(token))).first()
        if row is None:
            raise NotFound("this acknowledgement link is not one this node sent")
        if row.acknowledged_at is not None:
            raise Conflict(
                f"this check was already acknowledged at {format_micros(row.acknowledged_at)}: "
                "a link is good once, and nothing more is needed"
            )
        at = now if now is not None else now_micros()
        if row.status != CheckStatus.SENT or at > row.expires_at:
            raise NotFound(
                f"this acknowledgement link expired at {format_micros(row.expires_at)}: "
                "the check was counted unanswered"
            )
        contact = contact_row(conn, row.contact_id)
    return PendingCheck(
        check_id=row.id,
        org=contact.short_name,
        role=contact.role,
        name=contact.document["fields"].get("name"),
        channel=Channel(row.channel),
        sent_at=format_micros(row.sent_at),
        expires_at=format_micros(row.expires_at),
    )


def list_checks(engine: Engine, *, actor: Principal, contact_id: int) -> list[CheckPublic]:
    require_member(actor)
    with read_connection(engine) as conn:
        contact_row(conn, contact_id)
        rows = conn.execute(select(checks).where(checks.c.contact_id == contact_id).order_by(checks.c.id))
        return [check_public(r) for r in rows]


def sweep(
    engine: Engine, *, settings: Settings, now: int | None = None, base_url: str = ""
) -> list[CheckPublic]:
    """Count checks past their window unanswered, escalate each to the hub, and check the next alternate.

    Returns the checks sent to alternates. A contact without a further alternate is escalated only.
    """
    at = now if now is not None else now_micros()
    sent: list[tuple[int, str]] = []
    escalated: list[dict[str, Any]] = []
    hub: int | None = None
    with write_transaction(engine) as conn:
        hub = hub_org_id(conn)
        overdue = conn.execute(
            select(checks).where(checks.c.status == str(CheckStatus.SENT), checks.c.expires_at < at)
        ).all()
        for check in overdue:
            conn.execute(
                update(checks)
                .where(checks.c.id == check.id)
                .values(status=str(CheckStatus.UNANSWERED), escalated_at=at)
            )
            owner = contact_row(conn, check.contact_id)
            record(
                conn,
                action="contact.check.escalated",
                actor="sweep",
                actor_org_id=hub_org_id(conn),
                subject=f"contact:{owner.id}",
                details={"check": check.id, "channel": check.channel, "org": owner.short_name},
            )
            escalated.append(
                {
                    "kind": "contact-check-unanswered",
                    "check": check.id,
                    "org": owner.short_name,
                    "role": owner.role,
                    "channel": check.channel,
                    "sent_at": format_micros(check.sent_at),
                    "escalated_at": format_micros(at),
                }
            )
            following = _next_alternate(conn, check)
            if following is not None:
                sent.append(issue(conn, following[0], following[1], now=at, fallback_of=check.id))
    if hub is not None:
        for notice in escalated:
            _tell_the_hub(engine, settings, hub, notice)
    url = base_url or settings.base_url
    return [deliver(engine, check_id, token, settings=settings, base_url=url) for check_id, token in sent]


def _tell_the_hub(engine: Engine, settings: Settings, hub: int, notice: dict[str, Any]) -> None:
    """The hub's 24/7 desk is told of an unanswered check by e-mail and signed webhook; a delivery
    that fails is recorded in the audit log (the escalation itself is already recorded)."""
    text = (
        f"A reachability check of {notice['org']}'s {notice['role']} contact ({notice['channel']}, sent "
        f"{notice['sent_at']}) was not answered in its window. The next alternate, if any, has been "
        "checked. The reachability record on /contacts shows the organisation's figures."
    )
    subject = f"Gotong: {notice['org']}'s {notice['role']} did not answer a reachability check"
    deliveries = notify_org(
        engine, settings=settings, org_id=hub, roles=("duty-desk",), subject=subject, text=text, body=notice
    )
    failed = [d for d in deliveries if d.problem]
    if failed:
        with write_transaction(engine) as conn:
            record(
                conn,
                action="contact.check.escalation-undelivered",
                actor="sweep",
                actor_org_id=hub,
                subject=f"check:{notice['check']}",
                details={"problems": [f"{d.channel}: {d.problem}" for d in failed]},
            )


def check_public(row: Row[Any]) -> CheckPublic:
    return CheckPublic(
        id=row.id,
        contact_id=row.contact_id,
        channel=Channel(row.channel),
        status=CheckStatus(row.status),
        sent_at=format_micros(row.sent_at),
        expires_at=format_micros(row.expires_at),
        acknowledged_at=format_micros(row.acknowledged_at) if row.acknowledged_at is not None else None,
        response_micros=row.acknowledged_at - row.sent_at if row.acknowledged_at is not None else None,
        escalated_at=format_micros(row.escalated_at) if row.escalated_at is not None else None,
        fallback_of=row.fallback_of,
        problem=row.problem,
        recorded_by=row.recorded_by,
        encrypted_to=row.encrypted_to,
        in_clear_because=row.in_clear_because,
    )


def _next_alternate(conn: Connection, check: Row[Any]) -> tuple[Row[Any], Channel] | None:
    """The alternate after the contacts this chain of fallbacks has tried, and a channel it has."""
    tried = [check.contact_id]
    origin = check
    while origin.fallback_of is not None:
        origin = conn.execute(select(checks).where(checks.c.id == origin.fallback_of)).one()
        tried.append(origin.contact_id)
    first = contact_row(conn, origin.contact_id)
    for alternate in first.document["fields"].get("alternates") or []:
        if alternate in tried:
            continue
        try:
            row = contact_row(conn, alternate)
        except NotFound:
            continue
        fields = row.document["fields"]
        if fields.get("webhook_url"):
            return row, Channel.WEBHOOK
        if fields.get("email"):
            return row, Channel.EMAIL
    return None


def _record_phone(
    conn: Connection, row: Row[Any], check: CheckCreate, *, actor: Principal, now: int
) -> CheckPublic:
    if check.answered is None:
        raise Invalid("answered: say whether the desk answered the phone check")
    if check.answered and check.response_seconds is None:
        raise Invalid("response_seconds: how long the desk took to answer")
    answered_at = now + round((check.response_seconds or 0) * 1_000_000) if check.answered else None
    check_id = conn.execute(
        insert(checks)
        .values(
            contact_id=row.id,
            channel=str(Channel.PHONE),
            token_hash=_hash(secrets.token_urlsafe(32)),  # never sent: nothing acknowledges a phone check
            status=str(CheckStatus.ACKNOWLEDGED if check.answered else CheckStatus.UNANSWERED),
            sent_at=now,
            expires_at=now,
            acknowledged_at=answered_at,
            recorded_by=actor.org_short or "cli",
        )
        .returning(checks.c.id)
    ).scalar_one()
    return check_public(conn.execute(select(checks).where(checks.c.id == check_id)).one())


def deliver(engine: Engine, check_id: int, token: str, *, settings: Settings, base_url: str) -> CheckPublic:
    """Send the challenge outside any transaction (the answer may come before the send returns)."""
    with read_connection(engine) as conn:
        check = conn.execute(select(checks).where(checks.c.id == check_id)).one()
        row = contact_row(conn, check.contact_id)
    ack_url = f"{base_url.rstrip('/')}/api/v1/checks/{token}/ack"
    ack_page = f"{base_url.rstrip('/')}/checks/{token}"
    body = {
        "type": "gotong-reachability-check",
        "check": check_id,
        "contact": row.id,
        "org": row.short_name,
        "sent_at": format_micros(check.sent_at),
        "expires_at": format_micros(check.expires_at),
        "ack_url": ack_url,
        "ack_page": ack_page,
    }
    if check.channel == Channel.EMAIL:
        body |= {"code": reply_code(token), "code_page": f"{base_url.rstrip('/')}/ack"}
    problem = None
    mailed = MailSent()
    try:
        if not base_url:
            raise _Refused("the node does not know its public URL for the link: set GOTONG_BASE_URL")
        if check.channel == Channel.WEBHOOK:
            _post(settings, row, body)
        else:
            mailed = _mail(settings, row, body)
    except (httpx.HTTPError, OSError, smtplib.SMTPException, _Refused) as exc:
        problem = str(exc)[:300] or type(exc).__name__
    with write_transaction(engine) as conn:
        if problem is not None:
            conn.execute(
                update(checks)
                .where(checks.c.id == check_id, checks.c.status == str(CheckStatus.SENT))
                .values(status=str(CheckStatus.FAILED), problem=problem)
            )
        elif mailed.encrypted_to or mailed.in_clear_because:
            conn.execute(
                update(checks)
                .where(checks.c.id == check_id)
                .values(encrypted_to=mailed.encrypted_to, in_clear_because=_cut(mailed.in_clear_because))
            )
        if mailed.in_clear_because:
            record(
                conn,
                action="contact.check.sent-in-clear",
                actor="checks",
                actor_org_id=row.org_id,
                subject=f"contact:{row.id}",
                details={"check": check_id, "reason": mailed.in_clear_because},
            )
        return check_public(conn.execute(select(checks).where(checks.c.id == check_id)).one())


class _Refused(Exception):
    pass


def _post(settings: Settings, row: Row[Any], body: dict[str, Any]) -> None:
    content, signature = sign(row.webhook_secret, body)
    with outbound_client(settings, timeout=10.0) as client:
        response = client.post(
            row.document["fields"]["webhook_url"],
            content=content,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
        )
    if response.status_code >= 300:
        raise _Refused(f"the webhook answered {response.status_code}")


def _mail(settings: Settings, row: Row[Any], body: dict[str, Any]) -> MailSent:
    if not settings.smtp_host:
        raise _Refused("no SMTP server is configured (GOTONG_SMTP_HOST)")
    return mail_contact(
        settings,
        row.document["fields"],
        subject=f"Gotong reachability check {body['check']} for {row.short_name}",
        text=(
            "This is a reachability check of the Gotong network.\n"
            f"Please acknowledge it before {body['expires_at']}: open this page and press its button\n\n"
            f"{body['ack_page']}\n\n"
            "or, from a script, send one POST to this link (no other credential is needed):\n\n"
            f"curl -X POST {body['ack_url']}\n\n"
            f"If the links do not work, open {body['code_page']} and enter\n\n"
            f"    check number: {body['check']}\n"
            f"    reply code:   {body['code']}\n"
        ),
    )


def _plain(code: str) -> str:
    """A typed code as compared: upper case, without the spaces and dashes a person adds."""
    return "".join(c for c in code.upper() if c.isalnum())


def _cut(text: str | None) -> str | None:
    return text[:300] if text is not None else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def contact_ids_of(conn: Connection, org_id: int) -> list[int]:
    return list(conn.execute(select(contacts.c.id).where(contacts.c.org_id == org_id)).scalars())


JOB = "contact-checks-sweep"


def register(runner: JobRunner, engine: Engine, settings: Settings) -> None:
    """Sweep unanswered checks every ``contact_checks_minutes`` on ``runner``."""

    def run(_stopping: threading.Event) -> None:
        sweep(engine, settings=settings)

    runner.register(JOB, run, every=settings.contact_checks_minutes * 60)

"""Reminders of an assessment cycle that has run out: an organisation whose last published assessment
of a framework is older than the framework's cycle (``[cycle] every_months`` in its data file) gets
one e-mail to its coordinators and admins, as a job of ``core.jobs`` (the shape of the training
reminders).

Each organisation's history is read as that organisation, so nothing is read past the sharing
policy. A reminder sent is recorded in the audit log (action ``maturity.reminder``, subject
``<org>/<framework>/<due day>``) once the mail went out, and looked up before sending: a failed mail
is tried again at the next run, one that went out is not sent again. An organisation that never
published an assessment is not reminded (starting a first cycle is the hub's conversation, not a
timer's).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine, select

from gotong.audit import audit_log, record
from gotong.core.auth import Principal
from gotong.core.jobs import HealthLog, JobRunner
from gotong.core.mail import send_mail
from gotong.core.permissions import MANAGERS
from gotong.db.engine import read_connection, write_transaction
from gotong.maturity.models import frameworks
from gotong.maturity.service import history
from gotong.orgs.service import list_orgs, user_emails
from gotong.settings import Settings
from gotong.stix.timestamps import now_micros

__all__ = ["ACTION", "JOB", "CycleReminder", "register", "send_reminders"]

JOB = "maturity-reminders"
ACTION = "maturity.reminder"
_log = logging.getLogger("gotong.maturity")


@dataclass(frozen=True)
class CycleReminder:
    org: str
    framework: str
    due_on: date
    to: tuple[str, ...]


def send_reminders(engine: Engine, *, settings: Settings, now: int | None = None) -> list[CycleReminder]:
    """Send the reminders of run-out cycles not sent yet; returns those sent by this run."""
    today = datetime.fromtimestamp((now if now is not None else now_micros()) / 1_000_000, UTC).date()
    with read_connection(engine) as conn:
        orgs = list_orgs(conn)
    sent = []
    for org in orgs:
        as_org = Principal(org_id=org.id, org_short=org.short_name)
        with read_connection(engine) as conn:
            to = user_emails(conn, org_id=org.id, roles=MANAGERS)
        if not to:
            continue
        for framework in frameworks().values():
            published = history(engine, actor=as_org, org=org.short_name, framework=framework.id)
            if not published:
                continue
            last = date.fromisoformat(published[-1].assessed_on)
            due = _add_months(last, framework.cycle_months)
            subject = f"{org.short_name}/{framework.id}/{due}"
            if today < due or _recorded(engine, subject):
                continue
            send_mail(
                settings,
                to=to,
                subject=f"Gotong: {framework.name} assessment due",
                text=(
                    f"{org.short_name}: your last {framework.name} assessment was of {last}; "
                    f"the cycle is {framework.cycle_months} months, so the next was due on {due}.\n"
                    "See /maturity on the Gotong node to start a new cycle.\n"
                ),
            )
            with write_transaction(engine) as conn:
                record(
                    conn,
                    action=ACTION,
                    actor="gotong",
                    actor_org_id=None,
                    subject=subject,
                    details={"to": to},
                )
            sent.append(CycleReminder(org.short_name, framework.id, due, tuple(to)))
    return sent


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):  # the same day, or the month's last
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _recorded(engine: Engine, subject: str) -> bool:
    with read_connection(engine) as conn:
        query = select(audit_log.c.seq).where(audit_log.c.action == ACTION, audit_log.c.subject == subject)
        return conn.execute(query.limit(1)).first() is not None


def register(runner: JobRunner, engine: Engine, settings: Settings, *, interval: float = 3600.0) -> None:
    """Send the due reminders every ``interval`` seconds on ``runner`` (when mail is configured)."""
    health = HealthLog(_log)

    def run(_stopping: threading.Event) -> None:
        if not settings.smtp_host:
            return
        try:
            send_reminders(engine, settings=settings)
        except Exception as exc:  # a job keeps running; the log says what failed
            health.failed(JOB, str(exc), exc_info=exc)
        else:
            health.succeeded(JOB)

    runner.register(JOB, run, every=interval, wake_on=JOB)

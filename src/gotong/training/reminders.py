"""Reminders of training that is due soon or overdue: one e-mail per organisation, requirement, due
day and status, to the organisation's coordinators and admins, as a job of ``core.jobs``.

Each organisation's compliance is computed as that organisation (what it may see of its own
enrolments), so nothing is read past the sharing policy. A reminder sent is recorded in the audit
log (action ``training.reminder``, subject ``<org>/<requirement>/<due day>/<status>``) once the mail
went out, and looked up before sending: a mail that failed is tried again at the next run, one that
went out is not sent again (the job runs in one thread, so two runs do not race).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from sqlalchemy import Engine, select

from gotong.audit import audit_log, record
from gotong.core.auth import Principal
from gotong.core.jobs import HealthLog, JobRunner
from gotong.core.mail import send_mail
from gotong.core.permissions import MANAGERS
from gotong.db.engine import read_connection, write_transaction
from gotong.orgs.service import list_orgs, user_emails
from gotong.settings import Settings
from gotong.training.compliance import compliance_for
from gotong.training.models import DEFAULT_NETWORK
from gotong.training.rules import ComplianceStatus

__all__ = ["ACTION", "JOB", "Reminder", "register", "send_reminders"]

JOB = "training-reminders"
ACTION = "training.reminder"
_log = logging.getLogger("gotong.training")


@dataclass(frozen=True)
class Reminder:
    org: str
    requirement: str
    status: ComplianceStatus
    to: tuple[str, ...]


def send_reminders(
    engine: Engine, *, settings: Settings, now: int | None = None, network: str = DEFAULT_NETWORK
) -> list[Reminder]:
    """Send the reminders not sent yet; returns those sent by this run."""
    with read_connection(engine) as conn:
        orgs = list_orgs(conn)
    sent = []
    for org in orgs:
        as_org = Principal(org_id=org.id, org_short=org.short_name)
        with read_connection(engine) as conn:
            rows = compliance_for(conn, actor=as_org, org=org.short_name, now=now, network=network)
            to = user_emails(conn, org_id=org.id, roles=MANAGERS)
        for row in rows:
            if row.status == ComplianceStatus.MET or not to:
                continue
            subject = f"{org.short_name}/{row.requirement}/{row.due_on or 'never'}/{row.status}"
            if _recorded(engine, subject):
                continue
            due = (
                f"was due on {row.due_on}"
                if row.status == ComplianceStatus.OVERDUE
                else f"is due on {row.due_on}"
            )
            if row.due_on is None:
                due = "is not met yet"
            send_mail(
                settings,
                to=to,
                subject=f"Gotong training {row.status}: {row.title}",
                text=(
                    f'{org.short_name}: the compulsory training "{row.title}" {due}.\n'
                    f"{row.counted} of {row.needed} needed completions count now.\n"
                    "See /training on the Gotong node to enrol in a session.\n"
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
            sent.append(Reminder(org.short_name, row.requirement, row.status, tuple(to)))
    return sent


def _recorded(engine: Engine, subject: str) -> bool:
    with read_connection(engine) as conn:
        query = select(audit_log.c.seq).where(audit_log.c.action == ACTION, audit_log.c.subject == subject)
        return conn.execute(query.limit(1)).first() is not None


def register(runner: JobRunner, engine: Engine, settings: Settings, *, interval: float = 3600.0) -> None:
    """Send the due reminders every ``interval`` seconds on ``runner``, and when woken with ``JOB``
    (when mail is configured)."""
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

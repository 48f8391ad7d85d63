"""Reminders to each organisation's managers, once: the loop the domains' reminder jobs share (the
training compliance and the maturity cycle reminders).

A domain says what it has to remind an organisation of (:class:`Notice`, read as that organisation,
so nothing is read past the sharing policy); this module mails it to the organisation's active
coordinators and admins and records it in the audit log under the domain's action, with the notice's
subject. The log is looked up before sending: a notice whose mail went out is never sent again, one
whose mail failed is tried again at the next run (the jobs run in one thread, so two runs do not race).
An organisation without a manager is not asked for its notices. :func:`register_reminders` runs a
domain's reminders as a job of ``core.jobs`` while mail is configured.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Engine, select

from gotong.audit import audit_log, record
from gotong.core.jobs import HealthLog, JobRunner
from gotong.core.mail import send_mail
from gotong.core.permissions import MANAGERS
from gotong.db.engine import read_connection, write_transaction
from gotong.orgs.service import Organisation, list_orgs, user_emails
from gotong.settings import Settings

__all__ = ["Notice", "Sent", "register_reminders", "remind_managers"]

About = TypeVar("About")


@dataclass(frozen=True)
class Notice(Generic[About]):
    """One thing to remind an organisation of."""

    about: About  # what the domain reminds of, handed back with the mail sent
    subject: str  # the audit log's subject: one mail per action and subject, ever
    title: str  # the mail's subject line
    text: str


@dataclass(frozen=True)
class Sent(Generic[About]):
    org: str
    about: About
    to: tuple[str, ...]


def remind_managers(
    engine: Engine,
    *,
    settings: Settings,
    action: str,
    notices: Callable[[Organisation], Iterable[Notice[About]]],
) -> list[Sent[About]]:
    """Mail each organisation's managers the notices not sent yet; returns those sent by this run."""
    with read_connection(engine) as conn:
        orgs = list_orgs(conn)
    sent: list[Sent[About]] = []
    for org in orgs:
        with read_connection(engine) as conn:
            to = tuple(user_emails(conn, org_id=org.id, roles=MANAGERS))
        if not to:
            continue
        for notice in notices(org):
            if _recorded(engine, action, notice.subject):
                continue
            send_mail(settings, to=list(to), subject=notice.title, text=notice.text)
            with write_transaction(engine) as conn:
                record(
                    conn,
                    action=action,
                    actor="gotong",
                    actor_org_id=None,
                    subject=notice.subject,
                    details={"to": list(to)},
                )
            sent.append(Sent(org.short_name, notice.about, to))
    return sent


def register_reminders(
    runner: JobRunner,
    job: str,
    send: Callable[[], object],
    *,
    settings: Settings,
    log: logging.Logger,
    interval: float,
) -> None:
    """Run ``send`` (one run of a domain's reminders) every ``interval`` seconds on ``runner`` and
    when woken with ``job``, when mail is configured; a failed run is logged and the job goes on."""
    health = HealthLog(log)

    def run(_stopping: threading.Event) -> None:
        if not settings.smtp_host:
            return
        try:
            send()
        except Exception as exc:  # a job keeps running; the log says what failed
            health.failed(job, str(exc), exc_info=exc)
        else:
            health.succeeded(job)

    runner.register(job, run, every=interval, wake_on=job)


def _recorded(engine: Engine, action: str, subject: str) -> bool:
    with read_connection(engine) as conn:
        query = select(audit_log.c.seq).where(audit_log.c.action == action, audit_log.c.subject == subject)
        return conn.execute(query.limit(1)).first() is not None

"""Reminders of training that is due soon or overdue: one e-mail per organisation, requirement, due
day and status, to the organisation's coordinators and admins, as a job of ``core.jobs``.

Each organisation's compliance is computed as that organisation (what it may see of its own
enrolments), so nothing is read past the sharing policy. The mail goes out once, through
:func:`gotong.orgs.reminders.remind_managers`: it is recorded in the audit log (action
``training.reminder``, subject ``<org>/<requirement>/<due day>/<status>``) once sent, and a mail that
failed is tried again at the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.core.jobs import JobRunner
from gotong.db.engine import read_connection
from gotong.orgs.reminders import Notice, register_reminders, remind_managers
from gotong.orgs.service import Organisation
from gotong.settings import Settings
from gotong.training.compliance import compliance_for
from gotong.training.models import DEFAULT_NETWORK
from gotong.training.rules import ComplianceStatus
from gotong.training.service import moved_sessions

__all__ = ["ACTION", "JOB", "MOVED", "Moved", "Reminder", "register", "send_moved_sessions", "send_reminders"]

JOB = "training-reminders"
ACTION = "training.reminder"
MOVED = "training.session-moved"
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

    def notices(org: Organisation) -> Iterator[Notice[tuple[str, ComplianceStatus]]]:
        as_org = Principal(org_id=org.id, org_short=org.short_name)
        with read_connection(engine) as conn:
            rows = compliance_for(conn, actor=as_org, org=org.short_name, now=now, network=network)
        for row in rows:
            if row.status == ComplianceStatus.MET:
                continue
            if row.due_on is None:
                due = "is not met yet"
            elif row.status == ComplianceStatus.OVERDUE:
                due = f"was due on {row.due_on}"
            else:
                due = f"is due on {row.due_on}"
            yield Notice(
                about=(row.requirement, row.status),
                subject=f"{org.short_name}/{row.requirement}/{row.due_on or 'never'}/{row.status}",
                title=f"Gotong training {row.status}: {row.title}",
                text=(
                    f'{org.short_name}: the compulsory training "{row.title}" {due}.\n'
                    f"{row.counted} of {row.needed} needed completions count now.\n"
                    "See /training on the Gotong node to enrol in a session.\n"
                ),
            )

    sent = remind_managers(engine, settings=settings, action=ACTION, notices=notices)
    return [Reminder(s.org, s.about[0], s.about[1], s.to) for s in sent]


@dataclass(frozen=True)
class Moved:
    org: str
    enrolment: str
    starts: str
    ends: str
    to: tuple[str, ...]


def send_moved_sessions(engine: Engine, *, settings: Settings) -> list[Moved]:
    """Tell each organisation's coordinators and admins, once per new dates, that a session one of
    its people is enrolled in moved (the provider or the hub edited the course); audited as
    ``training.session-moved`` with the subject ``<org>/<enrolment>/<starts>/<ends>``."""

    def notices(org: Organisation) -> Iterator[Notice[tuple[str, str, str]]]:
        as_org = Principal(org_id=org.id, org_short=org.short_name)
        with read_connection(engine) as conn:
            moved = moved_sessions(conn, as_org)
        for enrolment, title, session in moved:
            starts, ends = session["starts"], session["ends"]
            yield Notice(
                about=(enrolment["id"], starts, ends),
                subject=f"{org.short_name}/{enrolment['id']}/{starts}/{ends}",
                title=f"Gotong training: new dates for {title}",
                text=(
                    f'{org.short_name}: session {session["id"]} of "{title}", in which '
                    f"{enrolment['participant']} is enrolled, now runs from {starts} to {ends} "
                    f"(it was {enrolment['session_starts']} to {enrolment['session_ends']}).\n"
                    "See /training on the Gotong node (cancel the enrolment there if they do not suit).\n"
                ),
            )

    sent = remind_managers(engine, settings=settings, action=MOVED, notices=notices)
    return [Moved(s.org, s.about[0], s.about[1], s.about[2], s.to) for s in sent]


def register(runner: JobRunner, engine: Engine, settings: Settings, *, interval: float = 3600.0) -> None:
    """Send the due reminders every ``interval`` seconds on ``runner``, and when woken with ``JOB``
    (when mail is configured)."""

    def send() -> None:
        send_reminders(engine, settings=settings)
        send_moved_sessions(engine, settings=settings)

    register_reminders(runner, JOB, send, settings=settings, log=_log, interval=interval)

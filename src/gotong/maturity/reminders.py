"""Reminders of an assessment cycle that has run out: an organisation whose last published assessment
of a framework is older than the framework's cycle (``[cycle] every_months`` in its data file) gets
one e-mail to its coordinators and admins, as a job of ``core.jobs`` (the shape of the training
reminders).

Each organisation's history is read as that organisation, so nothing is read past the sharing
policy. The mail goes out once, through :func:`gotong.orgs.reminders.remind_managers`: it is
recorded in the audit log (action ``maturity.reminder``, subject ``<org>/<framework>/<due day>``) once
sent, and a failed mail is tried again at the next run. An organisation that never
published an assessment is not reminded (starting a first cycle is the hub's conversation, not a
timer's).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.core.jobs import JobRunner
from gotong.maturity.models import frameworks
from gotong.maturity.service import history
from gotong.orgs.reminders import Notice, register_reminders, remind_managers
from gotong.orgs.service import Organisation
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

    def notices(org: Organisation) -> Iterator[Notice[tuple[str, date]]]:
        as_org = Principal(org_id=org.id, org_short=org.short_name)
        for framework in frameworks().values():
            published = history(engine, actor=as_org, org=org.short_name, framework=framework.id)
            if not published:
                continue
            last = date.fromisoformat(published[-1].assessed_on)
            due = _add_months(last, framework.cycle_months)
            if today < due:
                continue
            yield Notice(
                about=(framework.id, due),
                subject=f"{org.short_name}/{framework.id}/{due}",
                title=f"Gotong: {framework.name} assessment due",
                text=(
                    f"{org.short_name}: your last {framework.name} assessment was of {last}; "
                    f"the cycle is {framework.cycle_months} months, so the next was due on {due}.\n"
                    "See /maturity on the Gotong node to start a new cycle.\n"
                ),
            )

    sent = remind_managers(engine, settings=settings, action=ACTION, notices=notices)
    return [CycleReminder(s.org, s.about[0], s.about[1], s.to) for s in sent]


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):  # the same day, or the month's last
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def register(runner: JobRunner, engine: Engine, settings: Settings, *, interval: float = 3600.0) -> None:
    """Send the due reminders every ``interval`` seconds on ``runner``, and when woken with ``JOB``
    (when mail is configured)."""

    def send() -> None:
        send_reminders(engine, settings=settings)

    register_reminders(runner, JOB, send, settings=settings, log=_log, interval=interval)

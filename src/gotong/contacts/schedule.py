"""The schedule of reachability checks per role: every ``check_every_days`` of the contact's role
(``data/contacts/roles.toml``), at a random time of the day after the interval ends, outside the
contact's business hours for the role's ``out_of_hours_share`` of the checks.

The schedule keeps no state of its own: a contact's next check is a function of its last check
(or, before any, of when it was added), and the "random" time is drawn from a generator seeded by
the contact and that instant. So a node that restarts computes the same times again, and one that
was down when a check fell due sends it at its first run. Any check, on demand too, restarts the
interval. A contact is checked by webhook if it has one, else by e-mail; one with neither is
left to a person's phone check.

:func:`register` makes it a job of the node's one :class:`~gotong.core.jobs.JobRunner`.
"""

from __future__ import annotations

import random
import threading
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.engine import Row

from gotong.audit.service import record
from gotong.contacts.catalogue import role
from gotong.contacts.checks import deliver, issue
from gotong.contacts.models import Channel, checks, contacts
from gotong.contacts.reachability import in_business_hours
from gotong.contacts.schemas import CheckPublic
from gotong.contacts.service import contact_row, hub_org_id
from gotong.core.jobs import JobRunner
from gotong.db.engine import read_connection, write_transaction
from gotong.settings import Settings
from gotong.stix.timestamps import now_micros

__all__ = ["JOB", "due_at", "next_check", "register", "run_schedule"]

JOB = "contact-checks-schedule"
_DAY = 24 * 3600 * 1_000_000
_MINUTE = 60_000_000


def due_at(fields: dict[str, Any], *, role_name: str, contact_id: int, anchor: int) -> int:
    """When the check after the one at ``anchor`` (microseconds) falls due: a minute of the day after
    the role's interval, inside or outside the contact's business hours as the role's share draws."""
    spec = role(role_name)
    start = anchor + spec.check_every_days * _DAY
    draw = random.Random(f"{contact_id}:{anchor}")
    outside = draw.random() < spec.out_of_hours_share
    minutes = list(range(24 * 60))
    draw.shuffle(minutes)
    for minute in minutes:
        at = start + minute * _MINUTE
        if in_business_hours(fields, at) != outside:
            return at
    return start + minutes[0] * _MINUTE  # the day has no such minute (a desk staffed all day)


def _channel(fields: dict[str, Any]) -> Channel | None:
    if fields.get("webhook_url"):
        return Channel.WEBHOOK
    if fields.get("email"):
        return Channel.EMAIL
    return None


def _anchor(conn: Connection, row: Row[Any]) -> int:
    last = conn.execute(select(func.max(checks.c.sent_at)).where(checks.c.contact_id == row.id)).scalar()
    return int(last) if last is not None else int(row.created_at)


def next_check(engine: Engine, *, contact_id: int) -> tuple[int, Channel] | None:
    """When and by which channel the schedule checks the contact next (None: no webhook or e-mail)."""
    with read_connection(engine) as conn:
        row = contact_row(conn, contact_id)
        channel = _channel(row.document["fields"])
        if channel is None:
            return None
        anchor = _anchor(conn, row)
    return due_at(row.document["fields"], role_name=row.role, contact_id=row.id, anchor=anchor), channel


def run_schedule(
    engine: Engine, *, settings: Settings, now: int | None = None, base_url: str = ""
) -> list[CheckPublic]:
    """Send every check that has fallen due by ``now``; returns them (sent, or failed with a reason)."""
    at = now if now is not None else now_micros()
    issued: list[tuple[int, str]] = []
    with write_transaction(engine) as conn:
        for contact_id in conn.execute(select(contacts.c.id).order_by(contacts.c.id)).scalars():
            row = contact_row(conn, contact_id)
            fields = row.document["fields"]
            channel = _channel(fields)
            if channel is None:
                continue
            due = due_at(fields, role_name=row.role, contact_id=row.id, anchor=_anchor(conn, row))
            if due > at:
                continue
            check_id, token = issue(conn, row, channel, now=at)
            issued.append((check_id, token))
            record(
                conn,
                action="contact.check.scheduled",
                actor="schedule",
                actor_org_id=hub_org_id(conn),
                subject=f"contact:{row.id}",
                details={"check": check_id, "channel": str(channel), "due": due},
            )
    url = base_url or settings.base_url
    return [deliver(engine, check_id, token, settings=settings, base_url=url) for check_id, token in issued]


def register(runner: JobRunner, engine: Engine, settings: Settings) -> None:
    """Send the checks that fell due every ``contact_checks_minutes``, and at once when the node starts
    (a check that fell due while it was down goes out then)."""

    def run(_stopping: threading.Event) -> None:
        run_schedule(engine, settings=settings)

    runner.register(JOB, run, every=settings.contact_checks_minutes * 60, run_at_start=True)

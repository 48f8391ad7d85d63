"""The schedule of checks per role, run by the node's job runner, with a real SMTP server on loopback:
a desk falls due one interval (roles.toml) after its last check, at a time drawn inside or outside its
business hours by the role's share; a restarted runner sends an overdue check once and no other."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import update

from gotong import contacts
from gotong.contacts import schedule
from gotong.contacts.catalogue import role
from gotong.contacts.models import contacts as contacts_table
from gotong.contacts.reachability import in_business_hours
from gotong.core.auth import Role
from gotong.core.jobs import ThreadRunner
from gotong.db.engine import write_transaction
from gotong.stix.timestamps import micros_of, now_micros
from tests.conftest import RunningServer
from tests.contacts.conftest import Api

DAY = 24 * 3600 * 1_000_000
FIELDS = {
    "timezone": "Asia/Bangkok",
    "business_hours": {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"},
}


def test_a_check_falls_due_a_day_after_the_roles_interval_inside_or_outside_hours_by_its_share() -> None:
    spec = role("duty-desk")
    assert spec.check_every_days == 7 and spec.out_of_hours_share == 0.5
    anchor = micros_of("2026-12-01T02:00:00Z")
    outside = 0
    for contact_id in range(1, 401):
        due = schedule.due_at(FIELDS, role_name="duty-desk", contact_id=contact_id, anchor=anchor)
        assert anchor + 7 * DAY <= due < anchor + 8 * DAY
        outside += not in_business_hours(FIELDS, due)
        # The same contact and last check give the same time: a restart recomputes it.
        assert due == schedule.due_at(FIELDS, role_name="duty-desk", contact_id=contact_id, anchor=anchor)
    assert 150 <= outside <= 250, outside  # half of 400, drawn
    # Management's share is 0: every one of its checks is inside business hours (8 Dec 2026 is a Tuesday).
    for contact_id in range(1, 101):
        due = schedule.due_at(FIELDS, role_name="management", contact_id=contact_id, anchor=anchor)
        assert in_business_hours(FIELDS, due)


def test_the_job_sends_an_overdue_check_by_mail_once_and_a_restart_sends_no_other(
    mail_server: tuple[RunningServer, list[Any]],
) -> None:
    server, received = mail_server
    settings = server.settings.model_copy(update={"base_url": server.url, "contact_checks_minutes": 0.01})
    thai = Api(server, "ThaiCERT", Role.COORDINATOR)
    desk = thai.ok(
        "POST",
        "/api/v1/contacts",
        201,
        json={"role": "duty-desk", "name": "Thai desk", "email": "desk@thaicert.example", **FIELDS},
    )
    quiet = thai.ok("POST", "/api/v1/contacts", 201, json={"role": "press", "name": "Press, by phone only"})
    thai.http.close()
    assert contacts.run_schedule(server.engine, settings=settings) == []  # just added: not due
    due, channel = contacts.next_check(server.engine, contact_id=desk["id"]) or (0, None)
    assert channel == contacts.Channel.EMAIL and due > now_micros() + 7 * DAY - 60_000_000
    assert contacts.next_check(server.engine, contact_id=quiet["id"]) is None  # nothing to send on

    # The desk was added ten days ago: its check fell due while the node was down.
    with write_transaction(server.engine) as conn:
        conn.execute(
            update(contacts_table)
            .where(contacts_table.c.id == desk["id"])
            .values(created_at=now_micros() - 10 * DAY)
        )
    for _restart in range(2):
        runner = ThreadRunner()
        schedule.register(runner, server.engine, settings)
        runner.start()
        deadline = time.monotonic() + 20
        while not received and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)  # the job runs again and again (every 0.6 s): it must send nothing more
        runner.stop()
    assert len(received) == 1 and received[0].rcpt_tos == ["desk@thaicert.example"]
    (sent,) = [c for c in _checks(server, desk["id"])]
    assert sent.status == contacts.CheckStatus.SENT and sent.channel == contacts.Channel.EMAIL
    following = contacts.next_check(server.engine, contact_id=desk["id"])
    assert following is not None and following[0] >= micros_of(sent.sent_at) + 7 * DAY


def _checks(server: RunningServer, contact_id: int) -> list[contacts.CheckPublic]:
    from gotong.db.engine import read_connection
    from gotong.orgs.service import operator_for

    with read_connection(server.engine) as conn:
        hub = operator_for(conn, org="ASEAN-CERT")
    return contacts.list_checks(server.engine, actor=hub, contact_id=contact_id)

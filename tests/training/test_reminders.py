"""The reminders job: one mail through a real SMTP server (aiosmtpd on loopback) per organisation,
requirement, due day and status, and never the same one twice."""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine

from gotong import training
from gotong.core.auth import Role
from gotong.core.jobs import ThreadRunner
from gotong.db.engine import write_transaction
from gotong.orgs.service import add_user
from gotong.settings import Settings
from gotong.training import reminders
from tests.contacts.conftest import smtp_sink
from tests.training.conftest import actor, at, complete, course, enrol


@pytest.fixture
def smtp() -> Iterator[tuple[Settings, list[Any]]]:
    with smtp_sink() as (port, received):
        yield Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="gotong@hub.example"), received


def _thaicert_nearly_due(engine: Engine) -> None:
    """ThaiCERT: two staff completed on 2026-03-11, so incident handling is due on 2027-03-11."""
    made = course(engine)
    for who in ("a@thaicert.example", "b@thaicert.example"):
        complete(engine, enrol(engine, made, "ThaiCERT", who))
    with write_transaction(engine) as conn:
        add_user(conn, email="coord@thaicert.example", org="ThaiCERT", role=Role.COORDINATOR)
        add_user(conn, email="analyst@thaicert.example", org="ThaiCERT", role=Role.ANALYST)


def test_a_due_soon_requirement_is_mailed_once_to_the_coordinators(
    engine: Engine, smtp: tuple[Settings, list[Any]]
) -> None:
    settings, received = smtp
    _thaicert_nearly_due(engine)
    assert training.send_reminders(engine, settings=settings, now=at(date(2027, 2, 8))) == [
        # the analyst has no information-sharing completion: overdue at once; incident handling is met
        training.Reminder(
            "ThaiCERT", "sharing-practice", training.ComplianceStatus.OVERDUE, ("coord@thaicert.example",)
        )
    ]
    received.clear()
    sent = training.send_reminders(engine, settings=settings, now=at(date(2027, 2, 9)))
    assert [(r.org, r.requirement, r.status) for r in sent] == [("ThaiCERT", "incident-handling", "due-soon")]
    assert len(received) == 1
    envelope = received[0]
    assert envelope.rcpt_tos == ["coord@thaicert.example"]  # the coordinator, not the analyst
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == (
        "Gotong training due-soon: Each national CERT: at least two staff complete incident-handling "
        "training every 12 months"
    )
    assert "is due on 2027-03-11" in str(message)
    # the next run, and a later day with the same status and due day: nothing new
    assert training.send_reminders(engine, settings=settings, now=at(date(2027, 2, 10))) == []
    assert training.send_reminders(engine, settings=settings, now=at(date(2027, 3, 1))) == []
    assert len(received) == 1
    # overdue is a new status: one more mail
    later = training.send_reminders(engine, settings=settings, now=at(date(2027, 3, 11)))
    assert [(r.requirement, r.status) for r in later] == [("incident-handling", "overdue")]
    assert len(received) == 2


def test_the_job_runs_the_reminders_on_the_runner(engine: Engine, smtp: tuple[Settings, list[Any]]) -> None:
    settings, received = smtp
    _thaicert_nearly_due(engine)
    runner = ThreadRunner()
    reminders.register(runner, engine, settings, interval=3600)
    assert reminders.JOB in runner.names()
    runner.start()
    try:
        runner.wake(reminders.JOB)
        deadline = time.monotonic() + 60
        while not received and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        runner.stop()
    # today the analyst's information-sharing practice is missing: one mail, to the coordinator
    assert [e.rcpt_tos for e in received] == [["coord@thaicert.example"]]


def test_a_session_moved_after_enrolment_is_mailed_once_to_the_enrolled_organisation(
    engine: Engine, smtp: tuple[Settings, list[Any]]
) -> None:
    """The provider moves a session: the coordinators of the organisation whose participant holds a
    seat in it are told once of the new dates; an organisation with no enrolment is told nothing, and
    a further edit that keeps the dates sends nothing."""
    settings, received = smtp
    made = course(engine)
    enrol(engine, made, "ThaiCERT", "a@thaicert.example")
    with write_transaction(engine) as conn:
        add_user(conn, email="coord@thaicert.example", org="ThaiCERT", role=Role.COORDINATOR)
        add_user(conn, email="coord@mycert.example", org="MyCERT", role=Role.COORDINATOR)
    assert training.send_moved_sessions(engine, settings=settings) == []  # nothing moved yet
    update = training.CourseUpdate(
        sessions=[training.SessionUpdate(id="s1", starts=date(2026, 3, 17), ends=date(2026, 3, 18))]
    )
    training.update_course(engine, actor=actor(engine, "ASEAN-CERT"), course_id=made.id, update=update)
    [moved] = training.send_moved_sessions(engine, settings=settings)
    assert (moved.org, moved.starts, moved.ends, moved.to) == (
        "ThaiCERT",
        "2026-03-17",
        "2026-03-18",
        ("coord@thaicert.example",),
    )
    [envelope] = received
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "Gotong training: new dates for Incident handling essentials"
    body = message.get_body(("plain",))
    assert body is not None
    assert "now runs from 2026-03-17 to 2026-03-18 (it was 2026-03-10 to 2026-03-11)" in body.get_content()
    training.update_course(
        engine,
        actor=actor(engine, "ASEAN-CERT"),
        course_id=made.id,
        update=training.CourseUpdate(title="Renamed"),
    )
    assert training.send_moved_sessions(engine, settings=settings) == []
    assert len(received) == 1

"""Editing a published course: its provider or the hub changes the title, level, language, SIM3
parameters and a session's dates and seats; another member is refused; a session never drops below
the seats its enrolments hold (a 4xx naming it); the edit is a new version in the audit log."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from gotong import training
from gotong.audit import audit_log
from gotong.db.engine import read_connection
from gotong.errors import Forbidden, Invalid
from tests.training.conftest import HUB, actor, at, course, enrol


def _edit(engine: Engine, org: str, course_id: str, **fields: object) -> training.CoursePublic:
    update = training.CourseUpdate.model_validate(fields)
    return training.update_course(
        engine, actor=actor(engine, org), course_id=course_id, update=update, now=at(date(2026, 1, 7))
    )


def test_the_provider_edits_its_course_and_every_reader_sees_the_new_version(engine: Engine) -> None:
    made = course(engine, provider="ThaiCERT")
    edited = _edit(
        engine,
        "ThaiCERT",
        made.id,
        title="Incident handling, second edition",
        level="intermediate",
        language="th",
        sim3=["H-3", "P-1"],
        sessions=[{"id": "s1", "starts": "2026-03-17", "ends": "2026-03-18", "seats": 5}],
    )
    assert (edited.title, edited.level, edited.language, edited.sim3) == (
        "Incident handling, second edition",
        "intermediate",
        "th",
        ["H-3", "P-1"],
    )
    [s1] = edited.sessions
    assert (s1.starts, s1.ends, s1.seats, s1.location) == (date(2026, 3, 17), date(2026, 3, 18), 5, "Jakarta")
    assert s1.reserve_until == date(2026, 3, 17) - (made.sessions[0].starts - made.sessions[0].reserve_until)
    assert edited.modified > made.modified and edited.created == made.created
    # Another member reads the new version, and the hub may edit too.
    seen = training.get_course(engine, actor=actor(engine, "MyCERT"), course_id=made.id)
    assert seen.title == "Incident handling, second edition"
    assert _edit(engine, HUB, made.id, description="Run by the hub now").description == "Run by the hub now"
    with read_connection(engine) as conn:
        rows = conn.execute(
            select(audit_log.c.actor).where(audit_log.c.details.contains(made.id)).order_by(audit_log.c.seq)
        )
        actors = [r.actor for r in rows]
    assert actors == ["ThaiCERT", "ThaiCERT", HUB]  # published, edited by the provider, by the hub


def test_only_the_provider_or_the_hub_edits(engine: Engine) -> None:
    made = course(engine, provider="ThaiCERT")
    with pytest.raises(Forbidden, match="only the course's provider or the hub edits a course"):
        _edit(engine, "MyCERT", made.id, title="Hijacked")
    assert training.get_course(engine, actor=actor(engine, "MyCERT"), course_id=made.id).title == made.title


def test_seats_never_drop_below_those_held(engine: Engine) -> None:
    made = course(engine, provider="ThaiCERT")
    enrol(engine, made, "MyCERT", "a@mycert.example")
    enrol(engine, made, "BSSN", "b@bssn.example")
    with pytest.raises(Invalid, match=r"sessions\.0\.seats: session s1 has 2 seats held by enrolments"):
        _edit(engine, "ThaiCERT", made.id, sessions=[{"id": "s1", "seats": 1}])
    assert _edit(engine, "ThaiCERT", made.id, sessions=[{"id": "s1", "seats": 2}]).sessions[0].seats_left == 0
    with pytest.raises(Invalid, match=r"sessions\.0\.id: the course has no session 's9'; it has s1"):
        _edit(engine, "ThaiCERT", made.id, sessions=[{"id": "s9", "seats": 4}])
    with pytest.raises(Invalid, match=r"sessions\.0\.ends: a session ends on or after the day it starts"):
        _edit(engine, "ThaiCERT", made.id, sessions=[{"id": "s1", "ends": "2026-03-01"}])
    with pytest.raises(Invalid, match="nothing to change"):
        _edit(engine, "ThaiCERT", made.id)

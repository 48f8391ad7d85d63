"""Helpers for the training tests: operators acting for organisations, a clock in days, and a course
with sessions made through the domain's verbs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine

from gotong import training
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.orgs.service import operator_for

HUB = "ASEAN-CERT"


def actor(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return operator_for(conn, org=org)


def at(day: date) -> int:
    """Noon UTC of ``day``, in microseconds: the clock the verbs are given."""
    return int(datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp() * 1_000_000)


def course(engine: Engine, provider: str = HUB, **fields: Any) -> training.CoursePublic:
    body = {
        "title": "Incident handling essentials",
        "format": "in-person",
        "duration_hours": 16,
        "level": "basic",
        "topics": ["incident-handling"],
        "roles": ["analyst"],
        "sessions": [{"starts": "2026-03-10", "ends": "2026-03-11", "seats": 3, "location": "Jakarta"}],
        **fields,
    }
    return training.add_course(
        engine, actor=actor(engine, provider), course=training.CourseCreate(**body), now=at(date(2026, 1, 5))
    )


def enrol(
    engine: Engine,
    made: training.CoursePublic,
    org: str,
    who: str,
    *,
    on: date = date(2026, 1, 6),
    **fields: Any,
) -> training.EnrolmentPublic:
    body = training.EnrolmentCreate(
        course=made.id, session=fields.pop("session", "s1"), participant=who, **fields
    )
    return training.enrol(engine, actor=actor(engine, org), enrolment=body, now=at(on))


def complete(
    engine: Engine, enrolment: training.EnrolmentPublic, provider: str = HUB, *, on: date | None = None
) -> training.EnrolmentPublic:
    return training.attest(
        engine,
        actor=actor(engine, provider),
        enrolment_id=enrolment.id,
        attestation=training.Attestation(status=training.EnrolmentStatus.COMPLETED, completed_on=on),
        now=at(date(2026, 3, 12)),
    )

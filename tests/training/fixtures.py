"""Training records for the REST resource tests (tests/api): made through the domain's verbs, with
the clock set back where a record needs a session that has already begun."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from gotong import training
from tests.training.conftest import actor, at

LONG_AGO = date(2025, 12, 1)


def _course(
    engine: Engine, provider: str, *, starts: str, tlp: str = "green", group: str | None = None
) -> str:
    body = training.CourseCreate(
        title=f"{provider} course",
        format="online-live",
        duration_hours=4,
        level="basic",
        topics=["information-sharing"],
        sessions=[{"starts": starts, "ends": starts, "seats": 10_000, "reserve_until": "2025-11-01"}],
        tlp=tlp,
        sharing_group=group,
    )
    return training.add_course(engine, actor=actor(engine, provider), course=body, now=at(LONG_AGO)).id


def enrol_long_ago(engine: Engine, course: str, org: str, who: str) -> str:
    """An enrolment made before the session of 2026-01-10 began (so it may be completed today)."""
    body = training.EnrolmentCreate(course=course, session="s1", participant=who)
    return training.enrol(engine, actor=actor(engine, org), enrolment=body, now=at(LONG_AGO)).id


def make_training(engine: Engine, hidden_group: str) -> dict[str, str]:
    """ThaiCERT's course with an enrolment of MyCERT (ThaiCERT attests it), a course ThaiCERT may not
    see (TLP:AMBER to ``hidden_group``), and an enrolment between MyCERT and the hub it may not see."""
    course = _course(engine, "ThaiCERT", starts="2026-01-10")
    hub_course = _course(engine, "ASEAN-CERT", starts="2026-01-10")
    return {
        "training_course": course,
        "open_course": _course(engine, "ASEAN-CERT", starts="2027-06-01"),
        "hidden_course": _course(engine, "MyCERT", starts="2027-06-01", tlp="amber", group=hidden_group),
        "training_enrolment": enrol_long_ago(engine, course, "MyCERT", "desk@mycert.example"),
        "hidden_enrolment": enrol_long_ago(engine, hub_course, "MyCERT", "analyst@mycert.example"),
    }

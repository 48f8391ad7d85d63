"""Compliance per organisation and requirement, against a clock the test controls: met, due soon,
overdue on exactly the right day; evidence for SIM3; who is shown whose compliance."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from gotong import training
from gotong.db.engine import read_connection
from gotong.errors import NotFound
from gotong.training.rules import add_months
from tests.training.conftest import HUB, actor, complete, course, enrol


def _status(engine: Engine, org: str, on: date, viewer: str | None = None) -> training.CompliancePublic:
    with read_connection(engine) as conn:
        rows = training.compliance_for(conn, actor=actor(engine, viewer or org), org=org, on=on)
    return next(r for r in rows if r.requirement == "incident-handling")


def test_incident_handling_flips_from_met_to_overdue_on_the_anniversary(engine: Engine) -> None:
    made = course(engine)
    # ThaiCERT: two staff complete on 11 March 2026 (the session's last day, the default)
    for who in ("a@thaicert.example", "b@thaicert.example"):
        complete(engine, enrol(engine, made, "ThaiCERT", who))
    assert _status(engine, "ThaiCERT", date(2026, 1, 1)).due_on == date(2027, 3, 11)
    met = _status(engine, "ThaiCERT", date(2027, 2, 8))
    assert (met.status, met.counted, met.needed) == ("met", 2, 2)
    # data/training/requirements.toml: due soon from 30 days before
    assert _status(engine, "ThaiCERT", date(2027, 2, 9)).status == "due-soon"
    assert _status(engine, "ThaiCERT", date(2027, 3, 10)).status == "due-soon"
    overdue = _status(engine, "ThaiCERT", date(2027, 3, 11))
    assert (overdue.status, overdue.counted) == ("overdue", 0)


def test_one_completion_is_not_enough_for_two_staff(engine: Engine) -> None:
    made = course(engine)
    complete(engine, enrol(engine, made, "MyCERT", "a@mycert.example"))
    found = _status(engine, "MyCERT", date(2026, 4, 1))
    assert (found.status, found.due_on, found.counted, found.needed) == ("overdue", None, 1, 2)
    # an enrolment that is not (yet) completed counts for nothing
    enrol(engine, made, "MyCERT", "b@mycert.example")
    assert _status(engine, "MyCERT", date(2026, 4, 1)).counted == 1


def test_months_end_on_the_last_day_of_a_shorter_month() -> None:
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_a_member_is_shown_its_own_compliance_and_the_hub_every_members(engine: Engine) -> None:
    made = course(engine)
    for who in ("a@thaicert.example", "b@thaicert.example"):
        complete(engine, enrol(engine, made, "ThaiCERT", who))
    with read_connection(engine) as conn:
        mine = training.compliance_for(conn, actor=actor(engine, "MyCERT"), on=date(2026, 4, 1))
        regional = training.compliance_for(conn, actor=actor(engine, HUB), on=date(2026, 4, 1))
        with pytest.raises(NotFound, match="not shown to you"):
            training.compliance_for(conn, actor=actor(engine, "MyCERT"), org="ThaiCERT")
    assert {r.org for r in mine} == {"MyCERT"}
    assert {"ThaiCERT", "MyCERT", "LaoCERT", HUB} <= {r.org for r in regional}
    assert "ASEAN-TF" not in {r.org for r in regional}  # the requirements apply to CERTs, not the taskforce
    # the hub sees ThaiCERT's completions (it is in every enrolment's audience): met, not overdue
    assert _status(engine, "ThaiCERT", date(2026, 4, 1), viewer=HUB).status == "met"


def test_completions_are_evidence_for_the_sim3_human_parameters(engine: Engine) -> None:
    made = course(engine, topics=["incident-handling", "communication"])
    assert made.sim3 == ["H-5", "H-6"]  # from the topics in data/training/catalogue.toml
    done = complete(engine, enrol(engine, made, "ThaiCERT", "a@thaicert.example"))
    enrol(engine, made, "ThaiCERT", "b@thaicert.example")  # not completed: no evidence
    with read_connection(engine) as conn:
        rows = training.evidence_for(conn, actor=actor(engine, "ThaiCERT"), org="ThaiCERT")
        others = training.evidence_for(conn, actor=actor(engine, "MyCERT"), org="ThaiCERT")
    assert [(r.parameter, r.enrolment, r.attested_by, r.completed_on) for r in rows] == [
        ("H-5", done.id, HUB, date(2026, 3, 11)),
        ("H-6", done.id, HUB, date(2026, 3, 11)),
    ]
    assert others == []  # MyCERT may not see ThaiCERT's enrolments

"""The demo shows the training domain: courses with sessions, enrolments and completions so that some
members are met, one is due soon and others are overdue; a second load adds nothing."""

from __future__ import annotations

from sqlalchemy import Engine

from gotong import training
from gotong.db.engine import read_connection
from gotong.demo import load_demo
from tests.training.conftest import HUB, actor


def test_the_demo_training_is_made_once_with_met_due_soon_and_overdue_members(engine: Engine) -> None:
    first = load_demo(engine)
    assert "demo training: 2 courses, 11 enrolments" in first
    hub = actor(engine, HUB)
    with read_connection(engine) as conn:
        rows = training.compliance_for(conn, actor=hub)
    status = {r.org: r.status for r in rows if r.requirement == "incident-handling"}
    assert status["ThaiCERT"] == status["SingCERT"] == "met"
    assert status["MyCERT"] == "due-soon"
    assert status["VNCERT"] == status["LaoCERT"] == "overdue"
    before = len(training.list_enrolments(engine, actor=hub))
    assert before == 11
    second = load_demo(engine)
    assert "demo training" not in second
    assert len(training.list_enrolments(engine, actor=hub)) == before
    assert len(training.list_courses(engine, actor=hub)) == 2

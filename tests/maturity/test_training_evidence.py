"""Completed compulsory training is evidence for the SIM3 Human parameters in a self-assessment's gap
analysis: an attested completion shows under the H parameter its course serves, as the reader may
see it; a completion nobody attested, or a reader who may not see it, shows nothing."""

from __future__ import annotations

from sqlalchemy import Engine

from gotong import maturity
from tests.maturity.conftest import as_org, levels, published
from tests.training.conftest import complete, course, enrol


def test_a_completed_course_is_evidence_for_its_h_parameter_in_the_gaps(engine: Engine) -> None:
    made = course(engine, topics=["incident-handling"])  # serves H-5 (data/training/catalogue.toml)
    done = complete(engine, enrol(engine, made, "ThaiCERT", "a@thaicert.example"))
    enrol(engine, made, "ThaiCERT", "b@thaicert.example")  # not completed: no evidence
    found = published(engine, "ThaiCERT", levels(0))
    report = maturity.assessment_gaps(engine, actor=as_org(engine, "ThaiCERT"), assessment_id=found.id)
    by_parameter = {g.parameter: g for g in report.gaps}
    assert [(t.enrolment, t.completed_on) for t in by_parameter["H-5"].training] == [(done.id, "2026-03-11")]
    assert all(not g.training for p, g in by_parameter.items() if p != "H-5")
    # The hub (the assessment's default audience) sees the completion too; the evidence is per reader.
    hub = maturity.assessment_gaps(engine, actor=as_org(engine, "ASEAN-CERT"), assessment_id=found.id)
    assert [t.enrolment for g in hub.gaps for t in g.training] == [done.id]


def test_a_reader_who_may_not_see_the_training_sees_the_gaps_without_it(engine: Engine) -> None:
    made = course(engine, topics=["incident-handling"])
    complete(engine, enrol(engine, made, "ThaiCERT", "a@thaicert.example"))
    found = published(engine, "ThaiCERT", levels(0), whole_network=True)
    mine = maturity.assessment_gaps(engine, actor=as_org(engine, "ThaiCERT"), assessment_id=found.id)
    other = maturity.assessment_gaps(engine, actor=as_org(engine, "MyCERT"), assessment_id=found.id)
    assert [g.parameter for g in mine.gaps] == [g.parameter for g in other.gaps]  # the same gaps
    assert any(g.training for g in mine.gaps)  # positive control: the owner sees its evidence
    assert not any(g.training for g in other.gaps)  # MyCERT may not see ThaiCERT's enrolments

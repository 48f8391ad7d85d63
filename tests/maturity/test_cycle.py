"""The assessment cycle on a real node: a draft only its organisation sees, a review that changes a
level with a recorded reason and keeps both values, publication to the chosen audience, the gaps and
tier of known levels, and the history in date order."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine

from gotong import maturity
from gotong.errors import Forbidden, Invalid, NotFound
from gotong.maturity import AssessmentCreate, AssessmentStatus, AssessmentUpdate, Review, ReviewChange
from tests.maturity.conftest import SIM3, as_org, entries, levels, published


def test_known_levels_give_the_exact_gaps_in_priority_order_and_the_tier(engine: Engine) -> None:
    # Basic needs every parameter at 1 and O-1, O-2, T-4, P-9 at 2: met. Intermediate needs 2 everywhere.
    mine = levels(1, O_1=2, O_2=2, T_4=2, P_9=2, H_3=0)
    mine["H-3"] = 1  # back to 1: every Basic minimum met
    found = published(engine, "LaoCERT", mine)
    report = maturity.assessment_gaps(engine, actor=as_org(engine, "LaoCERT"), assessment_id=found.id)
    assert report.tier == "basic"
    # The ASEAN minimum: 1 everywhere, 2 for O-1, O-2, O-5, T-4, P-6, P-9, P-11: three gaps of 1,
    # Organisation before Processes, then the framework's order.
    assert [(g.parameter, g.level, g.target, g.gap) for g in report.gaps] == [
        ("O-5", 1, 2, 1),
        ("P-6", 1, 2, 1),
        ("P-11", 1, 2, 1),
    ]
    assert (report.met, report.total, report.previous, report.changes) == (41, 44, None, {})

    intermediate = maturity.assessment_gaps(
        engine, actor=as_org(engine, "LaoCERT"), assessment_id=found.id, profile="intermediate"
    )
    gaps = [(g.parameter, g.gap) for g in intermediate.gaps]
    # The gaps of 2 first (Organisation before Processes), then those of 1 in the same order.
    assert gaps[:6] == [("O-3", 2), ("O-5", 2), ("P-6", 2), ("P-11", 2), ("O-1", 1), ("O-2", 1)]
    assert len(gaps) == 44  # every parameter is below Intermediate's minimum
    assert intermediate.own_choice is True


def test_a_zero_anywhere_reaches_no_tier_and_the_biggest_gap_comes_first(engine: Engine) -> None:
    found = published(engine, "CamCERT", levels(1, O_1=2, O_2=2, T_4=2, P_9=2, T_5=0))
    report = maturity.assessment_gaps(engine, actor=as_org(engine, "CamCERT"), assessment_id=found.id)
    assert report.tier is None
    assert report.gaps[0].parameter == "O-5"  # a gap of 1 in Organisation ...
    assert ("T-5", 1) in [(g.parameter, g.gap) for g in report.gaps]  # ... and T-5's gap of 1 from 0


def test_a_draft_is_seen_only_by_its_organisation_until_published(engine: Engine) -> None:
    thai = as_org(engine, "ThaiCERT")
    draft = maturity.create_assessment(
        engine, actor=thai, assessment=AssessmentCreate(entries=entries({"O-1": 2}))
    )
    assert draft.status == AssessmentStatus.DRAFT and draft.tlp == "red"
    with pytest.raises(NotFound):
        maturity.get_assessment(engine, actor=as_org(engine, "ASEAN-CERT"), assessment_id=draft.id)
    with pytest.raises(Invalid, match="missing O-2"):
        maturity.publish_assessment(engine, actor=thai, assessment_id=draft.id)
    maturity.update_assessment(
        engine, actor=thai, assessment_id=draft.id, update=AssessmentUpdate(entries=entries(levels(2)))
    )
    done = maturity.publish_assessment(engine, actor=thai, assessment_id=draft.id)
    assert (done.status, done.tlp, done.audience) == (
        "published",
        "amber+strict",
        "maturity ASEAN-CERT+ThaiCERT",
    )
    assert (
        maturity.get_assessment(engine, actor=as_org(engine, "ASEAN-CERT"), assessment_id=draft.id).id
        == draft.id
    )
    with pytest.raises(NotFound):  # another member: not in the audience
        maturity.get_assessment(engine, actor=as_org(engine, "MyCERT"), assessment_id=draft.id)
    with pytest.raises(Invalid, match="no longer filled in"):
        maturity.update_assessment(
            engine, actor=thai, assessment_id=draft.id, update=AssessmentUpdate(entries=entries({"O-1": 4}))
        )


def test_a_review_changes_a_level_with_a_reason_and_keeps_both_values(engine: Engine) -> None:
    thai, sing = as_org(engine, "ThaiCERT"), as_org(engine, "SingCERT")
    draft = maturity.create_assessment(
        engine, actor=thai, assessment=AssessmentCreate(entries=entries(levels(2)))
    )
    asked = maturity.update_assessment(
        engine, actor=thai, assessment_id=draft.id, update=AssessmentUpdate(reviewer="SingCERT")
    )
    assert asked.status == AssessmentStatus.IN_REVIEW and asked.reviewer == "SingCERT"
    with pytest.raises(NotFound):  # in review, only the organisation and its reviewer see it
        maturity.get_assessment(engine, actor=as_org(engine, "ASEAN-CERT"), assessment_id=draft.id)
    with pytest.raises(Forbidden):  # only the reviewer named reviews, not the assessed organisation
        maturity.review_assessment(engine, actor=thai, assessment_id=draft.id, review=Review(done=True))
    change = ReviewChange(parameter="T-4", level=1, reason="The tracker is a shared spreadsheet")
    reviewed = maturity.review_assessment(
        engine, actor=sing, assessment_id=draft.id, review=Review(changes=[change], done=True)
    )
    t4 = next(e for e in reviewed.entries if e.parameter == "T-4")
    assert (t4.level, t4.self_level, t4.review_reason, t4.reviewed_by) == (
        1,
        2,
        "The tracker is a shared spreadsheet",
        "SingCERT",
    )
    assert reviewed.status == AssessmentStatus.REVIEWED
    assert any(h.event == "level changed" and "T-4: 2 -> 1" in h.reason for h in reviewed.history)
    with pytest.raises(ValidationError, match="reason"):
        ReviewChange(parameter="T-4", level=1, reason="")
    published_one = maturity.publish_assessment(engine, actor=thai, assessment_id=draft.id)
    t4 = next(e for e in published_one.entries if e.parameter == "T-4")
    assert (t4.level, t4.self_level) == (1, 2)  # both kept once published


def test_history_is_in_date_order_and_gaps_show_the_change_since_the_previous(engine: Engine) -> None:
    # Published out of date order on purpose: the history follows the dates assessed.
    late = published(engine, "VNCERT", levels(2, O_5=3), on="2026-09-01")
    early = published(engine, "VNCERT", levels(2), on="2025-09-01")
    middle = published(engine, "VNCERT", levels(2, P_6=1), on="2026-01-15")
    found = maturity.history(engine, actor=as_org(engine, "VNCERT"), org="VNCERT")
    assert [a.id for a in found] == [early.id, middle.id, late.id]
    report = maturity.assessment_gaps(engine, actor=as_org(engine, "VNCERT"), assessment_id=late.id)
    assert report.previous == middle.id
    assert report.changes == {"O-5": 1, "P-6": 1}


def test_levels_and_parameters_outside_the_framework_are_refused(engine: Engine) -> None:
    thai = as_org(engine, "ThaiCERT")
    with pytest.raises(Invalid, match="O-6"):
        maturity.create_assessment(
            engine, actor=thai, assessment=AssessmentCreate(entries=entries({"O-6": 1}))
        )
    with pytest.raises(Invalid, match="0 to 4"):
        maturity.create_assessment(
            engine, actor=thai, assessment=AssessmentCreate(entries=entries({"O-1": 5}))
        )


def test_the_framework_data_holds_the_44_sim3_parameters() -> None:
    ids = [p.id for p in SIM3.parameters]
    assert len(ids) == 44 and "O-6" not in ids
    assert [len(SIM3.in_category(c)) for c in "OHTP"] == [10, 7, 10, 17]
    assert ids[:5] == ["O-1", "O-2", "O-3", "O-4", "O-5"] and ids[-1] == "P-17"
    assert all(p.own_choice for p in SIM3.profiles.values())
    assert [t.id for t in SIM3.tiers()] == ["advanced", "intermediate", "basic"]

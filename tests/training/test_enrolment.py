"""Enrolment with the seat allocation rule, attestation by the provider only, and who sees an
enrolment (the sharing policy, through the intel read path)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from gotong import training
from gotong.db.engine import write_transaction
from gotong.errors import Conflict, Forbidden, Invalid
from gotong.sharing.service import add_group
from tests.training.conftest import HUB, actor, at, complete, course, enrol


def test_seats_are_held_at_most_two_per_organisation_until_the_reserve_day_then_first_come(
    engine: Engine,
) -> None:
    made = course(engine)  # 3 seats, starts 2026-03-10: reserved until 2026-02-24 (14 days before)
    assert made.sessions[0].reserve_until == date(2026, 2, 24)
    enrol(engine, made, "ThaiCERT", "a@thaicert.example")
    enrol(engine, made, "ThaiCERT", "b@thaicert.example")
    with pytest.raises(Conflict, match=r"at most 2 seats and ThaiCERT holds 2.*first come from 2026-02-25"):
        enrol(engine, made, "ThaiCERT", "c@thaicert.example", on=date(2026, 2, 24))
    third = enrol(engine, made, "ThaiCERT", "c@thaicert.example", on=date(2026, 2, 25))
    assert third.status == "enrolled"
    with pytest.raises(Conflict, match="session s1 is full: all 3 seats are held"):
        enrol(engine, made, "MyCERT", "a@mycert.example", on=date(2026, 2, 25))
    assert (
        training.get_course(engine, actor=actor(engine, "MyCERT"), course_id=made.id).sessions[0].seats_left
        == 0
    )
    # a cancellation gives the seat back
    training.attest(
        engine,
        actor=actor(engine, "ThaiCERT"),
        enrolment_id=third.id,
        attestation=training.Attestation(status="cancelled"),
        now=at(date(2026, 2, 26)),
    )
    assert enrol(engine, made, "MyCERT", "a@mycert.example", on=date(2026, 2, 26)).org == "MyCERT"


def test_the_same_participant_is_not_enrolled_twice_and_a_started_session_is_closed(engine: Engine) -> None:
    made = course(engine)
    enrol(engine, made, "ThaiCERT", "a@thaicert.example")
    with pytest.raises(Conflict, match="already enrolled"):
        enrol(engine, made, "ThaiCERT", "A@ThaiCERT.example")
    with pytest.raises(Invalid, match="started on 2026-03-10"):
        enrol(engine, made, "MyCERT", "a@mycert.example", on=date(2026, 3, 11))


def test_only_the_provider_attests_and_only_the_enrolled_organisation_cancels(engine: Engine) -> None:
    made = course(engine, provider="SingCERT")
    mine = enrol(engine, made, "ThaiCERT", "a@thaicert.example")
    with pytest.raises(Forbidden, match="only the course's provider attests"):
        complete(engine, mine, provider="ThaiCERT")
    with pytest.raises(Forbidden, match="only the course's provider attests"):
        complete(engine, mine, provider=HUB)  # the hub sees it, but did not give the course
    with pytest.raises(Forbidden, match="only the enrolled organisation may cancel"):
        training.attest(
            engine,
            actor=actor(engine, "SingCERT"),
            enrolment_id=mine.id,
            attestation=training.Attestation(status="cancelled"),
        )
    with pytest.raises(Invalid, match="after today"):
        complete(engine, mine, provider="SingCERT", on=date(2026, 3, 13))
    done = complete(engine, mine, provider="SingCERT")
    assert (done.status, done.attested_by, done.completed_on) == ("completed", "SingCERT", date(2026, 3, 11))
    assert [(h.status, h.by) for h in done.history] == [("enrolled", "ThaiCERT"), ("completed", "SingCERT")]
    with pytest.raises(Invalid, match="cannot become completed"):
        complete(engine, done, provider="SingCERT")


def test_a_member_does_not_see_another_members_enrolment_unless_its_audience_holds_it(engine: Engine) -> None:
    made = course(engine)
    hidden = enrol(engine, made, "ThaiCERT", "a@thaicert.example")
    assert hidden.audience == f"training ThaiCERT+{HUB}" and hidden.tlp == "amber+strict"

    def seen_by(org: str) -> set[str]:
        return {e.id for e in training.list_enrolments(engine, actor=actor(engine, org))}

    assert hidden.id in seen_by("ThaiCERT") and hidden.id in seen_by(HUB)
    assert hidden.id not in seen_by("MyCERT")
    # positive control: an enrolment whose audience holds MyCERT is seen by MyCERT
    with write_transaction(engine) as conn:
        add_group(conn, name="th-my-training", members=["ThaiCERT", "MyCERT", HUB], owner="ThaiCERT")
    shared = enrol(
        engine, made, "ThaiCERT", "b@thaicert.example", sharing_group="th-my-training", tlp="green"
    )
    assert shared.id in seen_by("MyCERT") and hidden.id not in seen_by("MyCERT")
    # a chosen audience must hold the provider and the hub
    with write_transaction(engine) as conn:
        add_group(conn, name="th-only", members=["ThaiCERT"], owner="ThaiCERT")
    with pytest.raises(Invalid, match=f"does not include {HUB}"):
        enrol(engine, made, "ThaiCERT", "c@thaicert.example", sharing_group="th-only", on=date(2026, 2, 25))


def test_the_provider_sees_the_enrolments_of_its_course(engine: Engine) -> None:
    made = course(engine, provider="SingCERT")
    mine = enrol(engine, made, "ThaiCERT", "a@thaicert.example")
    assert mine.audience == f"training ThaiCERT+{HUB}+SingCERT"
    seen = training.list_enrolments(engine, actor=actor(engine, "SingCERT"))
    assert [e.id for e in seen] == [mine.id]
    assert training.list_enrolments(engine, actor=actor(engine, "MyCERT")) == []


def test_a_course_names_known_topics_and_sessions_in_order(engine: Engine) -> None:
    with pytest.raises(Invalid, match="topics: cooking not in the catalogue"):
        course(engine, topics=["cooking"])
    with pytest.raises(Invalid, match="ends on or after"):
        course(engine, sessions=[{"starts": "2026-03-10", "ends": "2026-03-09", "seats": 3}])
    made = course(engine)
    assert (made.provider, made.tlp, made.audience) == (HUB, "green", None)
    assert [c.id for c in training.list_courses(engine, actor=actor(engine, "LaoCERT"))] == [made.id]


def test_a_refusal_names_nothing_of_another_members_enrolments(engine: Engine) -> None:
    made = course(engine)
    enrol(engine, made, "ThaiCERT", "shared@partner.example")
    # the same address enrolled by another member is not reported as "already enrolled"
    assert enrol(engine, made, "MyCERT", "shared@partner.example").org == "MyCERT"

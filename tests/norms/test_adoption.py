"""A proposed regional norm is adopted when the taskforce passes a motion to adopt it (the taskforce's
MotionDecided event, wired as the app and the CLI wire it): not while the motion is open, not when it
is rejected; once adopted, the catalogue names the day and the signed decision."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from gotong import norms, taskforce
from gotong.errors import Invalid
from gotong.settings import Settings
from gotong.stix.timestamps import micros_of
from gotong.taskforce import service as taskforce_service
from gotong.wiring import wire
from tests.taskforce.conftest import STATES, seat_principal, seat_roster


@pytest.fixture
def seated(engine: Engine) -> Engine:
    wire(Settings(warninglists=""), engine=lambda: engine)
    seat_roster(engine)
    return engine


def _r1(engine: Engine) -> norms.NormPublic:
    return next(n for n in norms.list_norms(engine) if n.id == "r1")


def _motion(engine: Engine, choices: dict[str, str]) -> taskforce.MotionPublic:
    body = taskforce.MotionCreate(
        kind=taskforce.DecisionKind.ADOPT_NORM,
        norm="r1",
        text="The taskforce adopts the regional norm (r1).",
        seconder="SG",
    )
    motion = taskforce.table_motion(engine, actor=seat_principal(engine, "TH"), motion=body)
    for state, choice in choices.items():
        vote = taskforce.VoteCast(choice=taskforce.Choice(choice))
        taskforce.cast_vote(engine, actor=seat_principal(engine, state), motion_id=motion.id, vote=vote)
    return motion


def test_a_regional_norm_is_adopted_only_by_a_passed_motion(seated: Engine) -> None:
    key = Ed25519PrivateKey.generate()
    assert (_r1(seated).status, _r1(seated).adopted, _r1(seated).decision) == ("proposed", "", "")
    assert "r1" not in {n.id for n in norms.list_norms()}  # reports answer the data's catalogue only

    # Open: nothing adopted. Rejected (one seat votes no under consensus minus one): still proposed.
    rejected = _motion(seated, {s: "no" if s == "KH" else "yes" for s in STATES})
    assert _r1(seated).status == "proposed"
    [closed] = taskforce.close_due(seated, key=key, now=micros_of(rejected.closes_at))
    assert closed.status == "rejected"
    assert _r1(seated).status == "proposed"

    # Passed: adopted, naming the day and the decision.
    passed = _motion(seated, dict.fromkeys(STATES, "yes"))
    [closed] = taskforce.close_due(seated, key=key, now=micros_of(passed.closes_at))
    assert closed.status == "adopted" and closed.decision is not None
    r1 = _r1(seated)
    assert (r1.status, r1.origin, r1.decision) == ("adopted", "regional", closed.decision)
    assert r1.adopted == passed.closes_at[:10]
    # The decision again changes nothing.
    assert closed.statement is not None
    again = norms.adopt_norm(
        seated, norm_id="r1", decision_id=closed.decision, decided_at=closed.statement["decided_at"]
    )
    assert (again.adopted, again.decision) == (r1.adopted, r1.decision)


def test_a_motion_to_adopt_names_a_proposed_regional_norm(seated: Engine) -> None:
    body = taskforce.MotionCreate(
        kind=taskforce.DecisionKind.ADOPT_NORM, norm="g", text="Adopt (g) again.", seconder="SG"
    )
    with pytest.raises(Invalid, match="names a proposed regional norm \\(r1\\) or a proposal's id, not 'g'"):
        taskforce.table_motion(seated, actor=seat_principal(seated, "TH"), motion=body)


def test_an_adoption_lost_after_the_decision_arrives_with_the_clock_s_next_run(
    seated: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decision and its event are two transactions, and a failed after-commit reaction is only
    logged: a process that stops between them, or an adoption that fails, must not lose the norm."""
    key = Ed25519PrivateKey.generate()
    passed = _motion(seated, dict.fromkeys(STATES, "yes"))
    # The process stops after the decision is stored: the first MotionDecided never goes out.
    monkeypatch.setattr("gotong.core.events.publish", lambda conn, event: None)
    [closed] = taskforce.close_due(seated, key=key, now=micros_of(passed.closes_at))
    monkeypatch.undo()
    assert closed.status == "adopted"
    assert _r1(seated).status == "proposed", "the reaction was lost"

    assert taskforce_service.redeliver_decisions(seated) == 1

    r1 = _r1(seated)
    assert (r1.status, r1.decision, r1.adopted) == ("adopted", closed.decision, passed.closes_at[:10])
    assert taskforce_service.redeliver_decisions(seated) == 1, "every run publishes it again"
    assert _r1(seated) == r1, "and the same decision again changes nothing"

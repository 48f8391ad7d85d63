"""Proposing a regional norm through Gotong (issue 18): a member proposes a new version of the
regional norm (r1) with its text and items; the proposal is TLP:AMBER to the taskforce (the proposer
sees its own, nobody else does); a motion to adopt names the proposal; once passed, the catalogue
lists version 2 with its adoption day and the signed decision, the earlier version stays in its
history, and implementation reports answer the new items."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from gotong import norms, taskforce
from gotong.audit import public_key_b64
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Invalid, NotFound
from gotong.orgs.service import get_org
from gotong.settings import Settings
from gotong.stix.timestamps import micros_of
from gotong.wiring import wire
from tests.taskforce.conftest import STATES, seat_principal, seat_roster

R1_V2 = norms.ProposalCreate(
    norm="r1",
    title="Acknowledge a request for assistance within twelve hours",
    summary="A national CERT acknowledges another member's request for assistance within 12 hours.",
    items=[
        norms.ProposalItem(id="r1-1", text="The duty desk is told of an incoming request at any hour."),
        norms.ProposalItem(
            id="r1-3", text="Requests received in the cycle were acknowledged within 12 hours."
        ),
    ],
)


@pytest.fixture
def seated(engine: Engine) -> Engine:
    wire(Settings(warninglists=""), engine=lambda: engine)
    seat_roster(engine)
    return engine


def _as(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org)


def _adopt(engine: Engine, key: Ed25519PrivateKey, what: str) -> taskforce.MotionPublic:
    body = taskforce.MotionCreate(
        kind=taskforce.DecisionKind.ADOPT_NORM, norm=what, text=f"Adopt {what}.", seconder="SG"
    )
    motion = taskforce.table_motion(engine, actor=seat_principal(engine, "TH"), motion=body)
    for state in STATES:
        vote = taskforce.VoteCast(choice=taskforce.Choice.YES)
        taskforce.cast_vote(engine, actor=seat_principal(engine, state), motion_id=motion.id, vote=vote)
    [closed] = taskforce.close_due(engine, key=key, now=micros_of(motion.closes_at))
    return closed


def test_a_new_version_is_proposed_confidentially_adopted_by_motion_and_keeps_its_history(
    seated: Engine,
) -> None:
    key = Ed25519PrivateKey.generate()
    first = _adopt(seated, key, "r1")  # version 1, from the data
    made = norms.propose_norm(seated, actor=_as(seated, "ThaiCERT"), proposal=R1_V2)
    assert (made.norm, made.version, made.proposed_by, made.tlp) == ("r1", 2, "ThaiCERT", "amber")
    # TLP:AMBER to the taskforce: the taskforce and the proposer see it, another member does not.
    for reader in ("ASEAN-TF", "ThaiCERT"):
        assert [p.id for p in norms.list_proposals(seated, actor=_as(seated, reader))] == [made.id]
    for other in ("MyCERT", "ASEAN-CERT"):
        assert norms.list_proposals(seated, actor=_as(seated, other)) == []
        with pytest.raises(NotFound, match=f"no proposal {made.id} is visible to you"):
            norms.get_proposal(seated, actor=_as(seated, other), proposal_id=made.id)
    # While proposed, the public catalogue still lists version 1.
    r1 = next(n for n in norms.list_norms(seated) if n.id == "r1")
    assert (r1.version, r1.decision, r1.history) == (1, first.decision, [])
    # The motion names the proposal; passed, version 2 enters the catalogue with its day and decision.
    second = _adopt(seated, key, made.id)
    assert second.status == "adopted" and second.statement is not None
    assert second.statement["norm"] == made.id
    assert taskforce.verify_decision(second.statement, public_key=public_key_b64(key))
    r1 = next(n for n in norms.list_norms(seated) if n.id == "r1")
    assert (r1.version, r1.status, r1.title) == (2, "adopted", R1_V2.title)
    assert (r1.adopted, r1.decision) == (second.closes_at[:10], second.decision)
    assert [i.id for i in r1.items] == ["r1-1", "r1-3"]
    assert [(h.version, h.decision) for h in r1.history] == [(1, first.decision)]
    # Reports answer the adopted version's items.
    answered = {i.id for n in norms.answered_norms(seated) for i in n.items}
    assert "r1-3" in answered and "r1-2" not in answered


def test_a_new_regional_norm_and_what_a_proposal_may_not_be(seated: Engine) -> None:
    key = Ed25519PrivateKey.generate()
    new = norms.ProposalCreate(
        norm="r2",
        title="Share indicators of a cross-border campaign within a day",
        summary="A member shares what it knows of a campaign that targets more than one member state.",
        items=[norms.ProposalItem(id="r2-1", text="Indicators were shared within a day of detection.")],
    )
    made = norms.propose_norm(seated, actor=_as(seated, "VNCERT"), proposal=new)
    assert (made.norm, made.version) == ("r2", 1)
    assert "r2" not in {n.id for n in norms.list_norms(seated)}
    _adopt(seated, key, made.id)
    r2 = next(n for n in norms.list_norms(seated) if n.id == "r2")
    assert (r2.version, r2.status, r2.origin) == (1, "adopted", "regional")
    # Once adopted, a member's implementation of it may be reviewed, as of the data's norms.
    review = taskforce.ReviewCreate(
        state="VN", norm="r2", rapporteurs=["SG", "MY"], draft_rating="largely", findings="shared late twice"
    )
    opened = taskforce.open_review(seated, actor=seat_principal(seated, "TH"), review=review)
    assert (opened.norm, opened.norm_title) == ("r2", r2.title)
    assert [r.norm for r in taskforce.list_reviews(seated, actor=seat_principal(seated, "TH"))] == ["r2"]
    with pytest.raises(NotFound, match="no norm 'r9'"):
        taskforce.open_review(
            seated, actor=seat_principal(seated, "TH"), review=review.model_copy(update={"norm": "r9"})
        )
    bad: list[tuple[dict[str, Any], str]] = [
        ({"norm": "h1"}, "norm: a regional norm's id is r and a number"),
        ({"items": [{"id": "x-1", "text": "t"}]}, "items.0.id: an item of \\(r3\\) is named r3-<n>"),
        ({"items": [{"id": "r3-1", "text": "t"}, {"id": "r3-1", "text": "u"}]}, "each implementation item"),
    ]
    for change, message in bad:
        body = norms.ProposalCreate.model_validate(
            {**new.model_dump(), "norm": "r3", "items": [{"id": "r3-1", "text": "t"}], **change}
        )
        with pytest.raises(Invalid, match=message):
            norms.propose_norm(seated, actor=_as(seated, "VNCERT"), proposal=body)
    # A motion naming a proposal that does not exist is refused as not found.
    missing = f"{norms.PROPOSAL_TYPE}--00000000-0000-4000-8000-000000000000"
    motion = taskforce.MotionCreate(
        kind=taskforce.DecisionKind.ADOPT_NORM, norm=missing, text="x", seconder="SG"
    )
    with pytest.raises(NotFound, match="no proposal"):
        taskforce.table_motion(seated, actor=seat_principal(seated, "TH"), motion=motion)

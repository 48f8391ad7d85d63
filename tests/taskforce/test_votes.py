"""The proof of issue 18 for the taskforce, on a real node over REST: a rating motion on Viet Nam's
implementation of norm (g) under the two-thirds rule, with Viet Nam recused; every vote and the
outcome in the audit log, the decision signed with the node's key; a vote after the window refused;
who may read the deliberations and who the decision."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import select

from gotong import taskforce
from gotong.audit import audit_log, public_key_b64, verify
from gotong.db.engine import read_connection
from gotong.errors import Conflict
from gotong.node import node_key
from gotong.stix.timestamps import micros_of
from tests.conftest import RunningServer
from tests.taskforce.conftest import TF, seat_principal

DAY = 24 * 3600 * 1_000_000
OTHERS = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH"]


def _review_and_motion(client: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    th = client("TH")
    review = th.ok(
        "POST",
        f"{TF}/reviews",
        201,
        json={
            "state": "VN",
            "norm": "g",
            "rapporteurs": ["SG", "MY"],
            "draft_rating": "partially",
            "findings": "The critical infrastructure list exists but has not been reviewed since 2022.",
        },
    )
    assert review["tlp"] == "amber" and review["status"] == "draft"
    vn = client("VN")
    responded = vn.ok(
        "POST", f"{TF}/reviews/{review['id']}/response", json={"text": "A new list is before cabinet."}
    )
    assert responded["status"] == "responded" and responded["response"] == "A new list is before cabinet."
    motion = th.ok(
        "POST",
        f"{TF}/motions",
        201,
        json={
            "kind": "adopt-rating",
            "text": "The taskforce adopts the rating 'partially compliant' for Viet Nam on norm (g).",
            "seconder": "SG",
            "review": review["id"],
        },
    )
    assert (motion["concerned"], motion["norm"], motion["status"]) == ("VN", "g", "open")
    assert motion["recused"] == ["VN"] and motion["rule"]["majority"] == "two-thirds"
    return review, motion


def _audit(server: RunningServer, motion_id: str) -> list[Any]:
    with read_connection(server.engine) as conn:
        rows = conn.execute(
            select(audit_log).where(audit_log.c.subject == motion_id).order_by(audit_log.c.seq)
        )
        return list(rows)


def test_six_of_nine_adopt_the_rating_with_viet_nam_recused_and_signed(
    seated: RunningServer, client: Any
) -> None:
    review, motion = _review_and_motion(client)
    url = f"{TF}/motions/{motion['id']}/votes"
    reason = client("VN").refused("POST", url, 403, json={"choice": "no"})
    assert "Viet Nam's seat is recused" in reason and "concerns Viet Nam" in reason
    for state in OTHERS[:6]:
        client(state).ok("POST", url, 201, json={"choice": "yes"})
    for state in OTHERS[6:]:
        client(state).ok("POST", url, 201, json={"choice": "no"})
    open_now = client("TH").ok("GET", f"{TF}/motions/{motion['id']}")
    assert open_now["tally"]["cast"] == 9 and open_now["status"] == "open"

    key = node_key(seated.settings)
    closes = micros_of(motion["closes_at"])
    assert taskforce.close_due(seated.engine, key=key, now=closes - 1) == []  # the window is still open
    [decided] = taskforce.close_due(seated.engine, key=key, now=closes)
    assert decided.status == "adopted" and decided.tally is not None
    assert (decided.tally.yes, decided.tally.no, decided.tally.eligible) == (6, 3, 9)
    assert decided.statement is not None  # a by-name ballot: the decision names each seat's vote
    assert decided.statement["votes"]["BN"] == "yes" and decided.statement["votes"]["TH"] == "no"
    assert "VN" not in decided.statement["votes"] and decided.statement["recused"] == ["VN"]

    # Signed with the node's key (the audit checkpoints' key); a changed statement no longer verifies.
    public = public_key_b64(key)
    assert taskforce.verify_decision(decided.statement, public_key=public)
    forged = {**decided.statement, "outcome": "rejected"}
    assert not taskforce.verify_decision(forged, public_key=public)

    # Every vote and the outcome are in the audit log, and the chain verifies.
    records = _audit(seated, motion["id"])
    votes = [r for r in records if r.action == taskforce.VOTE_ACTION]
    assert sorted(orjson.loads(r.details)["seat"] for r in votes) == sorted(OTHERS)
    assert {orjson.loads(r.details)["seat"]: orjson.loads(r.details)["choice"] for r in votes} == dict(
        decided.statement["votes"]
    )
    [outcome] = [r for r in records if r.action == taskforce.DECISION_ACTION]
    assert '"outcome":"adopted"' in outcome.details
    with read_connection(seated.engine) as conn:
        assert verify(conn).ok

    # The review now carries the outcome; the vote after the window is refused.
    assert client("TH").ok("GET", f"{TF}/reviews")[0]["status"] == "adopted"
    assert "closed" in client("TH").refused("POST", url, 409, json={"choice": "no"})
    assert review["id"]


def test_five_four_is_rejected_under_two_thirds(seated: RunningServer, client: Any) -> None:
    _review, motion = _review_and_motion(client)
    url = f"{TF}/motions/{motion['id']}/votes"
    for state in OTHERS[:5]:
        client(state).ok("POST", url, 201, json={"choice": "yes"})
    for state in OTHERS[5:]:
        client(state).ok("POST", url, 201, json={"choice": "no"})
    [decided] = taskforce.close_due(
        seated.engine, key=node_key(seated.settings), now=micros_of(motion["closes_at"])
    )
    assert decided.status == "rejected" and "two thirds is 6 yes" in (decided.reason or "")


def test_a_vote_after_the_window_is_refused_and_a_vote_inside_it_counts(
    seated: RunningServer, client: Any
) -> None:
    _review, motion = _review_and_motion(client)
    closes = micros_of(motion["closes_at"])
    th = seat_principal(seated.engine, "TH")
    yes = taskforce.VoteCast(choice=taskforce.Choice.YES)
    with pytest.raises(Conflict, match="closed at"):
        taskforce.cast_vote(seated.engine, actor=th, motion_id=motion["id"], vote=yes, now=closes)
    cast = taskforce.cast_vote(seated.engine, actor=th, motion_id=motion["id"], vote=yes, now=closes - 1)
    assert cast.seat == "TH"  # positive control: a second before the close it counts


def test_a_cert_analyst_reads_the_decision_but_not_the_deliberations(
    seated: RunningServer, client: Any
) -> None:
    review, motion = _review_and_motion(client)
    analyst = client(org="MyCERT")
    assert analyst.ok("GET", f"{TF}/reviews") == []
    assert analyst.ok("GET", f"{TF}/motions") == []
    analyst.refused("GET", f"{TF}/motions/{motion['id']}", 404)
    assert "seat" in analyst.refused(
        "POST", f"{TF}/motions/{motion['id']}/votes", 403, json={"choice": "yes"}
    )
    for state in OTHERS:
        client(state).ok("POST", f"{TF}/motions/{motion['id']}/votes", 201, json={"choice": "yes"})
    taskforce.close_due(seated.engine, key=node_key(seated.settings), now=micros_of(motion["closes_at"]))
    published = analyst.ok("GET", f"{TF}/motions/{motion['id']}")
    assert published["status"] == "adopted" and published["tlp"] == "green"
    assert published["votes"] and published["statement"]["outcome"] == "adopted"
    assert analyst.ok("GET", f"{TF}/reviews") == []  # the review stays with the taskforce
    assert [m["id"] for m in analyst.ok("GET", f"{TF}/motions")] == [motion["id"]]
    assert client("TH").ok("GET", f"{TF}/reviews")[0]["id"] == review["id"]  # positive control

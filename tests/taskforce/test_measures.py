"""Measures on the ladder of data/taskforce/rules.toml: imposed by vote, moved one rung up when the
follow-up deadline passes without a remedy (a clock the test controls), stopped by a remedy reported,
lifted by vote; the last rung takes the seat out of the chair rotation."""

from __future__ import annotations

from datetime import date
from typing import Any

from gotong import taskforce
from gotong.node import node_key
from gotong.stix.timestamps import micros_of
from tests.conftest import RunningServer
from tests.taskforce.conftest import STATES, TF

DAY = 24 * 3600 * 1_000_000


def _decide(seated: RunningServer, client: Any, body: dict[str, Any], concerned: str) -> dict[str, Any]:
    motion: dict[str, Any] = client("TH" if concerned != "TH" else "SG").ok(
        "POST", f"{TF}/motions", 201, json={"seconder": "BN", **body}
    )
    for state in STATES:
        if state != concerned:
            client(state).ok("POST", f"{TF}/motions/{motion['id']}/votes", 201, json={"choice": "yes"})
    [done] = taskforce.close_due(
        seated.engine, key=node_key(seated.settings), now=micros_of(motion["closes_at"])
    )
    assert done.status == "adopted", done.reason
    return motion


def test_a_measure_past_its_deadline_moves_to_enhanced_follow_up(seated: RunningServer, client: Any) -> None:
    text = "Lao PDR names its critical infrastructure within 180 days."
    _decide(seated, client, {"kind": "impose-measure", "text": text, "concerned": "LA"}, "LA")
    [measure] = client(org="MyCERT").ok("GET", f"{TF}/measures")  # published to every member
    assert (measure["state"], measure["rung"], measure["status"]) == ("LA", "recommendation", "in-force")
    deadline = micros_of(measure["deadline"])
    assert taskforce.escalate_measures(seated.engine, now=deadline - 1) == []  # not yet
    [moved] = taskforce.escalate_measures(seated.engine, now=deadline)
    assert moved.rung == "enhanced-follow-up" and micros_of(moved.deadline) == deadline + 180 * DAY
    assert [h["event"] for h in moved.history] == ["imposed", "escalated"]
    assert taskforce.escalate_measures(seated.engine, now=deadline + 1) == []  # once per deadline

    # A remedy reported by Lao PDR's own seat stops the ladder; another seat may not report it.
    url = f"{TF}/measures/{measure['id']}/remedy"
    assert "only Lao PDR's seat" in client("TH").refused("POST", url, 403, json={"text": "done"})
    client("LA").ok("POST", url, json={"text": "The list was adopted on 1 March."})
    assert taskforce.escalate_measures(seated.engine, now=deadline + 200 * DAY) == []

    lift = {"kind": "lift-measure", "text": "The measure on Lao PDR is lifted.", "measure": measure["id"]}
    _decide(seated, client, lift, "LA")
    [lifted] = client("TH").ok("GET", f"{TF}/measures")
    assert lifted["status"] == "lifted" and lifted["history"][-1]["event"] == "lifted"
    assert taskforce.measures_in_force(seated.engine, actor=_analyst(seated)) == []


def test_suspension_passes_the_seat_over_in_the_chair_rotation(seated: RunningServer, client: Any) -> None:
    # data/taskforce/rules.toml: chair by the states' names from 2026-01 for 12 months each:
    # Brunei Darussalam chairs in 2026, Cambodia in 2027, Indonesia in 2028.
    seats = taskforce.list_seats(seated.engine, actor=_analyst(seated), on=date(2027, 6, 1))
    assert [s.state for s in seats if s.chair] == ["KH"]
    body = {"kind": "impose-measure", "text": "Cambodia's turn to chair is suspended.", "concerned": "KH"}
    _decide(seated, client, {**body, "rung": "suspension"}, "KH")
    seats = taskforce.list_seats(seated.engine, actor=_analyst(seated), on=date(2027, 6, 1))
    assert [s.state for s in seats if s.chair] == ["ID"]
    assert [s.state for s in seats if s.chair_suspended] == ["KH"]


def _analyst(seated: RunningServer) -> Any:
    from tests.taskforce.conftest import operator

    return operator(seated.engine, "MyCERT")

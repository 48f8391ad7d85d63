"""The taskforce section on a real node: decisions of the period with their tallies, each seat's vote
only where the ballot was by name (never a vote of a secret ballot, not even the reader's own), the
measures in force; the decisions are TLP:GREEN, so a TLP:CLEAR report has no taskforce section while
a TLP:GREEN one has it (the positive control)."""

from __future__ import annotations

from typing import Any

from gotong import reports, taskforce
from gotong.node import node_key
from gotong.stix.timestamps import micros_of
from tests.conftest import RunningServer
from tests.reports.test_domain_sections import _as
from tests.taskforce.conftest import STATES, TF, client, seated

__all__ = ["client", "seated"]  # the taskforce's fixtures, used here
PERIOD = "2026-01-01..2027-12-31"


def _decide(seated: RunningServer, client: Any, body: dict[str, Any], votes: dict[str, str]) -> None:
    motion = client("TH").ok("POST", f"{TF}/motions", 201, json={"seconder": "BN", **body})
    for state, choice in votes.items():
        client(state).ok("POST", f"{TF}/motions/{motion['id']}/votes", 201, json={"choice": choice})
    taskforce.close_due(seated.engine, key=node_key(seated.settings), now=micros_of(motion["closes_at"]))


def test_the_taskforce_section_lists_by_name_votes_only(seated: RunningServer, client: Any) -> None:
    measure = {"kind": "impose-measure", "text": "Lao PDR names its CII within 180 days.", "concerned": "LA"}
    _decide(seated, client, measure, {s: "yes" for s in STATES if s != "LA"})
    mandate = {"kind": "adopt-budget-mandate", "text": "The budget mandate of 2027 is adopted."}
    _decide(seated, client, mandate, {s: ("no" if s == "MY" else "yes") for s in STATES})
    engine = seated.engine
    for reader in ("ASEAN-TF", "MyCERT"):
        made = reports.generate_report(engine, actor=_as(engine, reader), period=PERIOD)
        section = next(s for s in made.sections if s.key == "taskforce")
        decisions, votes, measures = section.tables
        assert sorted(r[4] for r in decisions.rows) == ["by name", "secret"]
        assert {r[0] for r in votes.rows} == {measure["text"]}  # the secret ballot's votes: none
        assert len(votes.rows) == 9 and {r[2] for r in votes.rows} == {"yes"}
        assert [(r[0], r[2]) for r in measures.rows] == [("LA", "in-force")]
        assert "9 yes, 1 no, 0 abstain" in [r[3] for r in decisions.rows]
        assert "The taskforce decided 2 motions (2 adopted, 0 rejected)" in made.summary[-1]
    green = reports.generate_report(engine, actor=_as(engine, "MyCERT"), period=PERIOD, tlp="green")
    assert "taskforce" in [s.key for s in green.sections]
    clear = reports.generate_report(engine, actor=_as(engine, "MyCERT"), period=PERIOD, tlp="clear")
    assert "taskforce" not in [s.key for s in clear.sections]
    assert all("Lao PDR" not in s.model_dump_json() for s in clear.sections)

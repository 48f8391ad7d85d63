"""The rules of data/taskforce/rules.toml as the code reads them, and the public verbs pinned."""

from __future__ import annotations

from gotong import taskforce
from gotong.taskforce.models import DECISIONS, RUNGS, Tally, next_rung, outcome


def test_the_public_verbs_are_pinned() -> None:
    assert {n for n in taskforce.__all__ if n[0].islower()} == {
        "assign_seat",
        "cast_vote",
        "close_due",
        "decisions_in_period",
        "escalate_measures",
        "get_motion",
        "get_review",
        "list_agenda",
        "list_measures",
        "list_motions",
        "list_reviews",
        "list_seats",
        "measures_in_force",
        "open_review",
        "record_stored",
        "report_remedy",
        "respond_review",
        "table_budget_shortfall",
        "table_motion",
        "verify_decision",
    }
    assert all(hasattr(taskforce, name) for name in taskforce.__all__)


def test_each_kind_of_decision_has_its_rule() -> None:
    rating = DECISIONS[taskforce.DecisionKind.ADOPT_RATING]
    assert (rating.majority, rating.recuse_concerned, rating.ballot) == ("two-thirds", True, "by-name")
    assert DECISIONS[taskforce.DecisionKind.ADOPT_BUDGET_MANDATE].ballot == "secret"
    assert set(taskforce.RATINGS) == {"compliant", "largely", "partially", "non-compliant"}
    assert [r.id for r in RUNGS] == ["recommendation", "enhanced-follow-up", "public-statement", "suspension"]
    assert next_rung("suspension") is None


def test_outcomes_by_majority_and_quorum() -> None:
    two_thirds = DECISIONS[taskforce.DecisionKind.ADOPT_RATING]
    assert outcome(two_thirds, Tally(yes=6, no=3, abstain=0, eligible=9))[0]
    assert not outcome(two_thirds, Tally(yes=5, no=4, abstain=0, eligible=9))[0]
    no_quorum = outcome(two_thirds, Tally(yes=6, no=0, abstain=0, eligible=9))
    assert no_quorum == (False, "no quorum: 6 of 9 seats voted, 7 needed")
    consensus = DECISIONS[taskforce.DecisionKind.ADOPT_NORM]
    assert outcome(consensus, Tally(yes=9, no=0, abstain=1, eligible=10))[0]
    assert not outcome(consensus, Tally(yes=9, no=1, abstain=0, eligible=10))[0]
    simple = DECISIONS[taskforce.DecisionKind.LIFT_MEASURE]
    assert outcome(simple, Tally(yes=3, no=2, abstain=0, eligible=9))[0]
    assert not outcome(simple, Tally(yes=3, no=3, abstain=0, eligible=9))[0]

"""The taskforce's rules, read once from ``data/taskforce/rules.toml``: the roster (seats, terms, the
chair's rotation), the rule of each kind of decision, the rating scale of reviews and the ladder of
measures. Pure: the outcome of a vote and the chair of a date are computed here from the data.

The domain owns no tables: seats, reviews, motions, votes, decisions and measures are STIX objects of
Gotong's own types in the taskforce collection (``objects.py``). The enums name what the data holds;
the import fails if the two disagree.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from importlib import resources
from typing import Any

__all__ = [
    "DECISIONS",
    "RATINGS",
    "RUNGS",
    "Ballot",
    "Choice",
    "DecisionKind",
    "Majority",
    "Rule",
    "Tally",
    "chair_of",
    "next_rung",
    "outcome",
]

_DATA: dict[str, Any] = tomllib.loads(
    resources.files("gotong").joinpath("data/taskforce/rules.toml").read_text("utf-8")
)


class DecisionKind(StrEnum):
    ADOPT_NORM = "adopt-norm"
    ADOPT_RATING = "adopt-rating"
    IMPOSE_MEASURE = "impose-measure"
    LIFT_MEASURE = "lift-measure"
    ADOPT_BUDGET_MANDATE = "adopt-budget-mandate"


class Majority(StrEnum):
    SIMPLE = "simple"
    TWO_THIRDS = "two-thirds"
    CONSENSUS_MINUS_ONE = "consensus-minus-one"


class Ballot(StrEnum):
    BY_NAME = "by-name"
    SECRET = "secret"


class Choice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


if set(DecisionKind) != set(_DATA["decision"]):
    raise RuntimeError(f"data/taskforce: decisions {sorted(_DATA['decision'])} differ from the code's")


@dataclass(frozen=True)
class Rule:
    """How one kind of decision is taken."""

    kind: DecisionKind
    name: str
    quorum: float
    majority: Majority
    recuse_concerned: bool
    voting_days: int
    ballot: Ballot

    def describe(self) -> str:
        """The rule in words, as a page or a decision states it."""
        recusal = "; the member concerned does not vote" if self.recuse_concerned else ""
        return (
            f"quorum {round(self.quorum * 100)}% of the seats that vote, {self.majority} majority, "
            f"{self.voting_days} days to vote, {self.ballot} ballot{recusal}"
        )

    def as_data(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "quorum": self.quorum,
            "majority": str(self.majority),
            "recuse_concerned": self.recuse_concerned,
            "voting_days": self.voting_days,
            "ballot": str(self.ballot),
        }


DECISIONS: dict[DecisionKind, Rule] = {
    DecisionKind(k): Rule(
        kind=DecisionKind(k),
        name=v["name"],
        quorum=float(v["quorum"]),
        majority=Majority(v["majority"]),
        recuse_concerned=bool(v["recuse_concerned"]),
        voting_days=int(v["voting_days"]),
        ballot=Ballot(v["ballot"]),
    )
    for k, v in _DATA["decision"].items()
}


@dataclass(frozen=True)
class Rating:
    id: str
    name: str
    meaning: str


@dataclass(frozen=True)
class Rung:
    id: str
    name: str
    follow_up_days: int
    suspends: str | None


RATINGS: dict[str, Rating] = {r["id"]: Rating(r["id"], r["name"], r["meaning"]) for r in _DATA["rating"]}
RUNGS: tuple[Rung, ...] = tuple(
    Rung(r["id"], r["name"], int(r["follow_up_days"]), r.get("suspends")) for r in _DATA["rung"]
)
RAPPORTEURS = int(_DATA["review"]["rapporteurs"])
STATES: dict[str, str] = dict(_DATA["states"])
SEAT_PER = str(_DATA["roster"]["seat_per"])
TERM_MONTHS = int(_DATA["roster"]["term_months"])
CHAIR_TERM_MONTHS = int(_DATA["roster"]["chair_term_months"])
ROTATION_START = date.fromisoformat(_DATA["roster"]["rotation_start"])


def rung(rung_id: str) -> Rung:
    for r in RUNGS:
        if r.id == rung_id:
            return r
    raise KeyError(rung_id)


def next_rung(rung_id: str) -> Rung | None:
    """The rung above ``rung_id`` on the ladder (None on the last)."""
    ids = [r.id for r in RUNGS]
    at = ids.index(rung_id)
    return RUNGS[at + 1] if at + 1 < len(RUNGS) else None


@dataclass(frozen=True)
class Tally:
    yes: int
    no: int
    abstain: int
    eligible: int  # the seats allowed to vote

    @property
    def cast(self) -> int:
        return self.yes + self.no + self.abstain


def outcome(rule: Rule, tally: Tally) -> tuple[bool, str]:
    """Whether the motion is adopted under ``rule``, and why in words."""
    needed = math.ceil(rule.quorum * tally.eligible)
    if tally.cast < needed:
        return False, f"no quorum: {tally.cast} of {tally.eligible} seats voted, {needed} needed"
    counts = f"{tally.yes} yes, {tally.no} no, {tally.abstain} abstaining of {tally.eligible} seats"
    if rule.majority == Majority.SIMPLE:
        adopted = tally.yes > tally.no
        return adopted, f"{counts}: {'more' if adopted else 'not more'} yes than no"
    if rule.majority == Majority.TWO_THIRDS:
        needed_yes = math.ceil(tally.eligible * 2 / 3)
        adopted = tally.yes >= needed_yes
        return adopted, f"{counts}: two thirds is {needed_yes} yes"
    adopted = tally.no == 0 and tally.yes > 0
    return adopted, f"{counts}: consensus {'reached' if adopted else 'not reached'}"


def chair_of(states_in_order: list[str], suspended: set[str], on: date) -> str | None:
    """The state that chairs on ``on``: the rotation in the order given, one chair term each from the
    rotation's start, passing over the seats whose turn is suspended."""
    turn = [s for s in states_in_order if s not in suspended]
    if not turn:
        return None
    months = (on.year - ROTATION_START.year) * 12 + on.month - ROTATION_START.month
    return turn[max(months, 0) // CHAIR_TERM_MONTHS % len(turn)]

"""The request and response bodies of the taskforce: seats, reviews, motions, votes, measures."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gotong.taskforce.models import Choice, DecisionKind


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SeatAssign(_Body):
    state: str = Field(description="The member state's two-letter code, e.g. VN")
    holder: str = Field(description="E-mail of the seat holder, a taskforce user")
    alternate: str = Field(description="E-mail of the alternate, a taskforce user")
    term_start: str | None = Field(default=None, description="YYYY-MM-DD; today by default")


class SeatPublic(BaseModel):
    state: str
    state_name: str
    member: str = Field(description="The member's national CERT")
    holder: str | None
    alternate: str | None
    term_start: str | None
    term_end: str | None
    chair: bool
    chair_suspended: bool


class ReviewCreate(_Body):
    state: str = Field(description="The member state under review")
    norm: str = Field(description="The norm's id in the catalogue, e.g. g")
    rapporteurs: list[str] = Field(description="The states of the rapporteurs (two, other than the reviewed)")
    draft_rating: str = Field(description="compliant, largely, partially or non-compliant")
    findings: str = Field(min_length=1, max_length=20_000)


class ReviewResponse(_Body):
    text: str = Field(min_length=1, max_length=20_000)


class ReviewPublic(BaseModel):
    id: str
    state: str
    norm: str
    norm_title: str
    rapporteurs: list[str]
    draft_rating: str
    findings: str
    response: str | None
    responded_at: str | None
    status: str = Field(description="draft, responded, adopted or rejected")
    tlp: str
    created: str


class AgendaItemPublic(BaseModel):
    """A matter tabled for the taskforce by a finding of another domain (a budget below its mandate)."""

    id: str
    subject: str = Field(description="what the matter is: budget-below-mandate")
    state: str | None
    member: str
    mandate: str
    years: list[int] = Field(description="the consecutive years the member was below, oldest first")
    source: str = Field(description="the record that tabled it (the budget report)")
    status: str = Field(description="tabled")
    tlp: str
    created: str
    modified: str


class MotionCreate(_Body):
    kind: DecisionKind
    text: str = Field(min_length=1, max_length=20_000)
    seconder: str = Field(description="The seconding seat's state")
    concerned: str | None = Field(default=None, description="The member state the motion is about")
    review: str | None = Field(default=None, description="adopt-rating: the review to adopt")
    measure: str | None = Field(default=None, description="lift-measure: the measure to lift")
    rung: str | None = Field(default=None, description="impose-measure: the rung of the ladder to start on")
    norm: str | None = Field(default=None, description="The norm the motion is about, if any")


class VoteCast(_Body):
    choice: Choice


class VotePublic(BaseModel):
    motion: str
    seat: str
    choice: Choice | None = Field(description="Shown to its own seat, and to all when the ballot is by name")
    at: str


class TallyPublic(BaseModel):
    yes: int
    no: int
    abstain: int
    eligible: int
    cast: int


class MotionPublic(BaseModel):
    id: str
    kind: DecisionKind
    kind_name: str
    text: str
    proposer: str
    seconder: str
    concerned: str | None
    norm: str | None
    review: str | None
    measure: str | None
    rule: dict[str, Any]
    rule_text: str
    opens_at: str
    closes_at: str
    status: str = Field(description="open, adopted or rejected")
    reason: str | None = Field(description="Why the rule gave this outcome")
    tally: TallyPublic | None = Field(description="Counts once decided (and to the taskforce while open)")
    votes: list[VotePublic] = Field(description="By-name ballots: each seat's vote; secret: only your own")
    recused: list[str]
    decision: str | None = Field(description="The published decision's id once decided")
    statement: dict[str, Any] | None = Field(description="The decision signed by the node (its Ed25519 key)")
    tlp: str


class MeasurePublic(BaseModel):
    id: str
    state: str
    rung: str
    rung_name: str
    text: str
    status: str = Field(description="in-force, remedy-reported or lifted")
    deadline: str
    history: list[dict[str, str]]
    decision: str | None
    tlp: str


class RemedyReport(_Body):
    text: str = Field(min_length=1, max_length=20_000)

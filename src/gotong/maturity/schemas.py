"""Request and response shapes of maturity assessments and capacity plans (Create, Update, Public).

Requests forbid unknown fields, so a misspelt field is a 400 that names it, never silently ignored.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AssessmentCreate",
    "AssessmentPublic",
    "AssessmentStatus",
    "AssessmentUpdate",
    "EntryInput",
    "EntryPublic",
    "FrameworkPublic",
    "GapPublic",
    "GapReport",
    "HistoryEntry",
    "ItemStatus",
    "PlanCreate",
    "PlanItemCreate",
    "PlanItemPublic",
    "PlanItemUpdate",
    "PlanPublic",
    "PlanUpdate",
    "Publication",
    "RegionMember",
    "RegionPublic",
    "Review",
    "ReviewChange",
    "TierPublic",
]

_DATE = r"^\d{4}-\d{2}-\d{2}$"


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssessmentStatus(StrEnum):
    DRAFT = "draft"  # the organisation fills it in; only it sees it
    IN_REVIEW = "in-review"  # a reviewer (the hub or another member) may change levels, with reasons
    REVIEWED = "reviewed"  # the reviewer is done; the organisation publishes it
    PUBLISHED = "published"  # final; seen by the audience the organisation chose


class ItemStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


# ----------------------------------------------------------------- frameworks
class LevelPublic(BaseModel):
    value: int
    name: str
    meaning: str


class CategoryPublic(BaseModel):
    id: str
    name: str
    priority: int


class ParameterPublic(BaseModel):
    id: str
    name: str
    category: str
    description: str


class ProfilePublic(BaseModel):
    id: str
    name: str
    kind: str
    rank: int
    own_choice: bool = Field(description="true: the values are Gotong's choice, not a published threshold")
    levels: dict[str, int]


class FrameworkPublic(BaseModel):
    id: str
    name: str
    owner: str
    levels: list[LevelPublic]
    categories: list[CategoryPublic]
    parameters: list[ParameterPublic]
    profiles: list[ProfilePublic]
    default_profile: str
    cycle_months: int


# ----------------------------------------------------------------- assessments
class EntryInput(_Request):
    parameter: str = Field(min_length=1, max_length=16, description="e.g. O-1")
    level: int | None = Field(default=None, ge=0, le=9, description="on the framework's scale; null: not yet")
    justification: str = Field(default="", max_length=5000)
    evidence: list[str] = Field(
        default_factory=list, max_length=50, description="links, document names or text"
    )


class AssessmentCreate(_Request):
    framework: str = Field(default="sim3-v1", max_length=40)
    assessed_on: str | None = Field(default=None, pattern=_DATE, description="YYYY-MM-DD; default: today")
    entries: list[EntryInput] = Field(default_factory=list, max_length=200)
    tlp: str = Field(default="amber+strict", description="once published: amber+strict, amber, green or red")
    sharing_group: str | None = Field(
        default=None, max_length=100, description="once published; default: your organisation and the hub"
    )
    whole_network: bool = Field(default=False, description="once published: every member, not a group")


class AssessmentUpdate(_Request):
    """The organisation's changes to its draft, or its request for a review."""

    entries: list[EntryInput] | None = Field(default=None, max_length=200)
    assessed_on: str | None = Field(default=None, pattern=_DATE)
    reviewer: str | None = Field(default=None, max_length=32, description="ask this organisation to review")


class ReviewChange(_Request):
    parameter: str = Field(min_length=1, max_length=16)
    level: int = Field(ge=0, le=9)
    reason: str = Field(min_length=1, max_length=5000, description="why the reviewer changes the level")


class Review(_Request):
    changes: list[ReviewChange] = Field(default_factory=list, max_length=200)
    done: bool = Field(default=False, description="the review is finished: hand it back to be published")


class Publication(_Request):
    tlp: str | None = Field(default=None, description="default: the TLP chosen when it was created")
    sharing_group: str | None = Field(default=None, max_length=100)
    whole_network: bool | None = Field(
        default=None, description="every member of the network (the collection's audience), not a group"
    )


class EntryPublic(BaseModel):
    parameter: str
    name: str
    category: str
    level: int | None = Field(
        description="the level in force: the reviewer's if changed, else the self-assessed"
    )
    self_level: int | None
    justification: str
    evidence: list[str]
    review_reason: str = ""
    reviewed_by: str | None = None


class HistoryEntry(BaseModel):
    event: str
    at: str
    by: str
    reason: str = ""


class AssessmentPublic(BaseModel):
    id: str
    org: str
    framework: str
    assessed_on: str
    status: AssessmentStatus
    reviewer: str | None
    entries: list[EntryPublic]
    history: list[HistoryEntry]
    tlp: str
    audience: str | None
    collection: str
    created: str
    modified: str


# ----------------------------------------------------------------- gaps, tiers, region
class TrainingEvidence(BaseModel):
    """An attested completion of compulsory training, offered as evidence for a Human parameter."""

    course_title: str
    participant: str
    completed_on: str
    enrolment: str
    attested_by: str


class GapPublic(BaseModel):
    parameter: str
    name: str
    category: str
    level: int | None
    target: int
    gap: int
    training: list[TrainingEvidence] = Field(
        default_factory=list,
        description="attested training completions you may see that serve this parameter (H parameters)",
    )


class GapReport(BaseModel):
    assessment: str
    org: str
    assessed_on: str
    profile: str
    profile_name: str
    own_choice: bool
    tier: str | None = Field(description="the highest tier whose every minimum is met; null: none")
    gaps: list[GapPublic] = Field(description="below target, biggest first, then by category priority")
    met: int
    total: int
    previous: str | None = Field(description="the previous published assessment you may see")
    changes: dict[str, int] = Field(description="level changes since the previous one, by parameter")


class TierPublic(BaseModel):
    org: str
    assessment: str
    assessed_on: str
    tier: str | None


class RegionMember(BaseModel):
    org: str
    assessment: str
    assessed_on: str
    tier: str | None
    levels: dict[str, int | None]
    below_target: int


class RegionPublic(BaseModel):
    framework: str
    profile: str
    members: list[RegionMember] = Field(description="each member's latest published assessment you may see")
    distribution: dict[str, dict[str, int]] = Field(
        description="per parameter: how many members at each level"
    )
    tiers: dict[str, int] = Field(description="how many members reached each tier ('none' for none)")


# ----------------------------------------------------------------- capacity plans
class PlanItemCreate(_Request):
    parameters: list[str] = Field(min_length=1, max_length=20)
    action: str = Field(min_length=1, max_length=2000)
    owner: str = Field(default="", max_length=200, description="who in the organisation carries it")
    provider: str = Field(default="", max_length=200, description="a member, the hub, or a partner")
    start: str | None = Field(default=None, pattern=_DATE)
    due: str | None = Field(default=None, pattern=_DATE)


class PlanItemUpdate(_Request):
    item: int = Field(ge=1)
    status: ItemStatus | None = None
    evidence: str | None = Field(default=None, max_length=5000, description="what shows it was done")
    provider: str | None = Field(default=None, max_length=200)
    owner: str | None = Field(default=None, max_length=200)
    due: str | None = Field(default=None, pattern=_DATE)


class PlanCreate(_Request):
    assessment: str = Field(min_length=1, max_length=100, description="a published assessment of yours")
    profile: str | None = Field(default=None, max_length=40, description="default: the framework's target")
    items: list[PlanItemCreate] | None = Field(
        default=None, max_length=200, description="default: one item per gap"
    )
    tlp: str = "amber+strict"
    sharing_group: str | None = Field(default=None, max_length=100)


class PlanUpdate(_Request):
    items: list[PlanItemUpdate] = Field(default_factory=list, max_length=200)
    add: list[PlanItemCreate] = Field(default_factory=list, max_length=200)


class PlanItemPublic(BaseModel):
    item: int
    parameters: list[str]
    action: str
    owner: str
    provider: str
    start: str | None
    due: str | None
    status: ItemStatus
    evidence: str
    rose: bool | None = Field(
        description="for a completed item once a newer assessment is published: did a parameter rise"
    )


class PlanPublic(BaseModel):
    id: str
    org: str
    assessment: str
    framework: str
    profile: str
    items: list[PlanItemPublic]
    newer_assessment: str | None
    tlp: str
    audience: str | None
    created: str
    modified: str

"""Request and response shapes of exercises (Create, Public per entity). Requests forbid unknown fields."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from gotong.exercises.scenarios import Channel, ExpectationKind, Objective, Scenario, ScenarioKind

__all__ = [
    "ActionItemCreate",
    "ActionItemPublic",
    "ActionItemUpdate",
    "ActionStatus",
    "AppealCreate",
    "AppealDecision",
    "AppealOutcome",
    "AppealPublic",
    "CapacityLink",
    "EvaluationCreate",
    "ExerciseCreate",
    "ExercisePublic",
    "ExerciseStatus",
    "ExpectationPublic",
    "HistoryEntry",
    "InjectPublic",
    "ResultPublic",
    "ResultStatus",
    "ScenarioSummary",
    "ScheduleItem",
    "ScorePublic",
    "ScoresPublic",
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExerciseStatus(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class ResultStatus(StrEnum):
    """How one expectation of one participant stands. Only ``met`` and ``evaluated`` earn points; an
    inject without expectations is ``unscored``: reported, never counted as a success."""

    MET = "met"
    LATE = "late"
    MISSED = "missed"
    PENDING = "pending"
    AWAITING_EVALUATION = "awaiting-evaluation"
    EVALUATED = "evaluated"
    UNSCORED = "unscored"


class ActionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class AppealOutcome(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REJECTED = "rejected"


class ExerciseCreate(_Request):
    scenario: str = Field(description="the id of a shipped or imported scenario")
    name: str = Field(min_length=1, max_length=200)
    participants: list[str] = Field(min_length=1, max_length=50, description="short names")


class EvaluationCreate(_Request):
    """The hub's evaluator scores a manual expectation of one participant against its rubric."""

    participant: str
    inject: str
    expectation: str
    points: int = Field(ge=0)
    note: str = Field(default="", max_length=2000)


class AppealCreate(_Request):
    inject: str
    expectation: str
    reason: str = Field(min_length=1, max_length=4000)


class AppealDecision(_Request):
    outcome: AppealOutcome = Field(description="upheld or rejected")
    points: int | None = Field(default=None, ge=0, description="upheld: the points the expectation now earns")
    reason: str = Field(min_length=1, max_length=4000)


class HistoryEntry(BaseModel):
    event: str
    at: str
    by: str


class ExpectationPublic(BaseModel):
    id: str
    kind: ExpectationKind
    within_minutes: int
    points: int
    rubric: str
    pattern_contains: str | None = None
    deadline: str | None = None


class ScheduleItem(BaseModel):
    """One inject of the scenario as the rubric publishes it before the start (its content is withheld
    until it is delivered)."""

    inject: str
    title: str
    offset_minutes: int
    channel: Channel
    targets: list[str]
    objective: str | None
    due_at: str | None = Field(description="when it is sent, once the exercise runs")
    delivered_at: str | None
    expectations: list[ExpectationPublic]


class ScenarioSummary(BaseModel):
    id: str
    title: str
    version: str
    kind: ScenarioKind
    severity: int | None = Field(description="the regional severity level (0-4) the story plays at")
    objectives: int
    injects: int
    max_points: int
    shipped: bool

    @classmethod
    def of(cls, scenario: Scenario, *, shipped: bool) -> ScenarioSummary:
        return cls(
            id=scenario.id,
            title=scenario.title,
            version=scenario.version,
            kind=scenario.kind,
            severity=scenario.severity,
            objectives=len(scenario.objectives),
            injects=len(scenario.injects),
            max_points=scenario.max_points(),
            shipped=shipped,
        )


class ExercisePublic(BaseModel):
    id: str
    name: str
    scenario: str
    title: str
    narrative: str
    objectives: list[Objective]
    status: ExerciseStatus
    controller: str
    participants: list[str]
    schedule: list[ScheduleItem]
    history: list[HistoryEntry]
    started_at: str | None
    stopped_at: str | None
    distribution: list[float] = Field(description="every participant's percentage, sorted, without names")
    collection: str
    tlp: str
    audience: str | None
    created: str
    modified: str


class InjectPublic(BaseModel):
    id: str
    exercise: str
    inject: str
    participant: str
    title: str
    content: str
    channel: Channel
    delivered_at: str
    expectations: list[ExpectationPublic]
    acknowledged_at: str | None
    checks: list[int]
    problem: str | None
    collection: str
    tlp: str
    audience: str | None


class ResultPublic(BaseModel):
    inject: str
    expectation: str | None
    kind: ExpectationKind | None
    status: ResultStatus
    points: int
    max_points: int
    delivered_at: str
    deadline: str | None
    observed_at: str | None
    evidence: str | None
    note: str | None
    appeal: AppealOutcome | None


class ScorePublic(BaseModel):
    id: str
    participant: str
    total: int
    max_points: int
    percent: float | None
    unscored: int = Field(description="injects without an expectation: reported, never counted")
    results: list[ResultPublic]
    scored_at: str
    tlp: str
    audience: str | None


class ScoresPublic(BaseModel):
    exercise: str
    status: ExerciseStatus
    scores: list[ScorePublic] = Field(description="the scores you may see: your own, or all for the hub")
    distribution: list[float]


class AppealPublic(BaseModel):
    id: str
    exercise: str
    participant: str
    inject: str
    expectation: str
    reason: str
    filed_at: str
    outcome: AppealOutcome
    decision: str | None
    decided_at: str | None
    points_before: int | None
    points_after: int | None
    tlp: str
    audience: str | None


_DATE = r"^\d{4}-\d{2}-\d{2}$"


class ActionItemCreate(_Request):
    """A lesson of a drill turned into work: what is to be done, who carries it and by when."""

    participant: str | None = Field(
        default=None, description="the participant that carries it (short name); default: your organisation"
    )
    action: str = Field(min_length=1, max_length=2000)
    owner: str = Field(min_length=1, max_length=200, description="who in the organisation carries it")
    due: str = Field(pattern=_DATE, description="YYYY-MM-DD")
    objective: str | None = Field(default=None, max_length=64, description="the scenario objective it serves")
    inject: str | None = Field(default=None, max_length=64, description="the result that raised it")
    expectation: str | None = Field(default=None, max_length=64)
    capacity_plan: str | None = Field(
        default=None, max_length=100, description="a capacity-building plan of the participant"
    )
    capacity_item: int | None = Field(default=None, ge=1, description="the plan's item number")


class ActionItemUpdate(_Request):
    """Close an item (with evidence), reopen it, or change its owner, due date or plan link."""

    status: ActionStatus | None = None
    evidence: str | None = Field(default=None, max_length=5000, description="what shows it was done")
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    due: str | None = Field(default=None, pattern=_DATE)
    capacity_plan: str | None = Field(default=None, max_length=100)
    capacity_item: int | None = Field(default=None, ge=1)


class CapacityLink(BaseModel):
    """The capacity-building plan item an action item serves, as the reader may see it."""

    plan: str
    item: int
    action: str | None = Field(description="the plan item's action; null when the plan is not visible to you")
    status: str | None = Field(description="the plan item's status; null when the plan is not visible to you")


class ActionItemPublic(BaseModel):
    id: str
    exercise: str
    exercise_name: str
    participant: str
    action: str
    owner: str
    due: str
    status: ActionStatus
    overdue: bool = Field(description="open after its due date")
    evidence: str
    objective: str | None
    inject: str | None
    expectation: str | None
    capacity: CapacityLink | None
    history: list[HistoryEntry]
    closed_at: str | None
    created: str
    modified: str
    tlp: str
    audience: str | None

"""Request and response shapes of the incidents domain: one family per entity (Create, Update, Public).

Requests forbid unknown fields, so a misspelt field is a 400 that names it, never silently ignored.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gotong.incidents.models import (
    CaseStatus,
    ClockState,
    Determination,
    EventKind,
    ImpactCategory,
    ParticipantRole,
    TaskOutcome,
)

__all__ = [
    "Acknowledgement",
    "CaseCreate",
    "CaseFilter",
    "CasePublic",
    "CaseUpdate",
    "ClockCounts",
    "ClockPublic",
    "EntryPublic",
    "EventCreate",
    "ImpactCreate",
    "LeadChange",
    "NationalSeverity",
    "Participant",
    "StatusChange",
    "TaskCreate",
    "TaskUpdate",
]

_Title = Field(min_length=1, max_length=300)
_Text = Field(default="", max_length=20_000)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Participant(_Request):
    """An organisation taking part in a case, by short name, and its role."""

    org: str = Field(min_length=1, max_length=32)
    role: ParticipantRole


class NationalSeverity(_Request):
    """A severity as a member reports it: a level on a scale of ``data/incidents/severity.toml``."""

    level: str = Field(min_length=1, max_length=20)
    scale: str | None = Field(default=None, max_length=40, description="default: the lead's country's scale")


class CaseCreate(_Request):
    title: str = _Title
    description: str = _Text
    collection: str = Field(min_length=1, max_length=100, description="collection id or alias")
    tlp: str = "amber"
    sharing_group: str | None = Field(default=None, max_length=100)
    pap: str = "amber"
    severity: int | None = Field(default=None, ge=0, le=4, description="regional level 0-4")
    national_severity: NationalSeverity | None = None
    rsit: str | None = Field(default=None, max_length=100, description="classification[/type]")
    sectors: list[str] = Field(default_factory=list, max_length=30)
    critical_infrastructure: bool = False
    determination: str = "suspected"
    participants: list[Participant] = Field(default_factory=list, max_length=50)
    related_refs: list[str] = Field(default_factory=list, max_length=500)


class CaseUpdate(_Request):
    """What may change on a case; absent fields stay as they are."""

    status: CaseStatus | None = None
    lead: str | None = Field(default=None, min_length=1, max_length=32)
    participants: list[Participant] | None = Field(default=None, max_length=50)
    severity: int | None = Field(default=None, ge=0, le=4)
    determination: str | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    reason: str = Field(default="", max_length=2_000, description="recorded with a status or lead change")


class CaseFilter(_Request):
    status: CaseStatus | None = None
    lead: str | None = None
    min_severity: int | None = Field(default=None, ge=0, le=4)


class StatusChange(BaseModel):
    status: CaseStatus
    at: str
    by: str
    reason: str = ""


class LeadChange(BaseModel):
    lead: str
    at: str
    by: str
    reason: str = ""


class EntryPublic(BaseModel):
    """One entry of a case as the reader may see it: the STIX object, plus what Gotong adds."""

    id: str
    type: str
    name: str
    tlp: str
    created: str
    modified: str
    object: dict[str, Any]


class CasePublic(BaseModel):
    id: str
    title: str
    description: str
    collection: str
    lead: str
    participants: list[Participant]
    status: CaseStatus
    status_history: list[StatusChange]
    lead_history: list[LeadChange]
    severity: int
    severity_name: str
    national_severity: NationalSeverity | None
    rsit: str | None
    sectors: list[str]
    critical_infrastructure: bool
    determination: Determination
    tlp: str
    pap: str
    related_refs: list[str]
    created: str
    modified: str
    events: list[EntryPublic] = Field(default_factory=list)
    tasks: list[EntryPublic] = Field(default_factory=list)
    impacts: list[EntryPublic] = Field(default_factory=list)


class Acknowledgement(_Request):
    """A party's acknowledgement of a case, with an optional note for the timeline."""

    note: str = Field(default="", max_length=2_000)


class ClockPublic(BaseModel):
    """One party's SLA clock on a case, derived from the case as the reader sees it."""

    party: str = Field(description="organisation short name")
    role: str = Field(description="lead, affected, assisting or informed")
    clock: str = Field(description="acknowledge, first_update, containment or update_interval")
    name: str
    hours: float = Field(description="the target, in working hours when business_hours")
    business_hours: bool = Field(description="runs only in the party's working hours (else 24/7)")
    timezone: str = Field(description="the party's time zone when business_hours, else UTC")
    state: ClockState
    started: str
    due: str
    met: str | None = Field(description="when the party met it (also when late)")
    remaining_seconds: int | None = Field(description="wall-clock seconds to the due time while waiting")
    breach_recorded: bool = Field(description="the clock job recorded the breach on the timeline")
    escalation_step: int | None = Field(
        default=None, description="the last step of the escalation ladder taken for this breach"
    )


class ClockCounts(BaseModel):
    """Clocks due in a period, counted over the cases the asker may see."""

    since: str
    until: str
    met: int
    breached: int


class _EntryCreate(_Request):
    name: str = _Title
    description: str = _Text
    tlp: str | None = Field(default=None, description="default: the case's TLP")
    sharing_group: str | None = Field(default=None, max_length=100, description="default: the case's")


class EventCreate(_EntryCreate):
    kind: EventKind = EventKind.OBSERVED
    start_time: str | None = None


class TaskCreate(_EntryCreate):
    assigned_to: str = Field(min_length=1, max_length=32, description="organisation short name")
    due: str | None = Field(default=None, description="STIX timestamp")


class TaskUpdate(_Request):
    outcome: TaskOutcome
    note: str = Field(default="", max_length=2_000)


class ImpactCreate(_EntryCreate):
    category: ImpactCategory
    details: dict[str, Any] = Field(description="the category's properties, as Incident Core defines them")
    criticality: int | None = Field(default=None, ge=0, le=100)

"""Request and response shapes of the training domain: one family per entity (Create, Update,
Public). Requests forbid unknown fields, so a misspelt field is a 400 that names it."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from gotong.training.models import CourseFormat, EnrolmentStatus, Level
from gotong.training.rules import ComplianceStatus

__all__ = [
    "Attestation",
    "CompletionCreate",
    "ComplianceFilter",
    "CompliancePublic",
    "CourseCreate",
    "CoursePublic",
    "CourseUpdate",
    "EnrolmentCreate",
    "EnrolmentFilter",
    "EnrolmentPublic",
    "EvidencePublic",
    "HistoryEntry",
    "RequirementPublic",
    "SessionCreate",
    "SessionPublic",
    "SessionUpdate",
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SessionCreate(_Request):
    starts: date
    ends: date
    seats: int = Field(ge=1, le=10_000)
    location: str = Field(default="", max_length=300, description="a city, or 'online'")
    reserve_until: date | None = Field(
        default=None, description="until this day each organisation holds at most the per-organisation seats"
    )


class CourseCreate(_Request):
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20_000)
    format: CourseFormat
    duration_hours: float = Field(gt=0, le=2_000)
    language: str = Field(default="en", min_length=2, max_length=35, description="a BCP 47 tag")
    level: Level
    topics: list[str] = Field(min_length=1, max_length=10, description="the catalogue's topics it serves")
    sim3: list[str] = Field(default_factory=list, description="SIM3 parameters; default: its topics'")
    roles: list[str] = Field(default_factory=list, max_length=10, description="e.g. analyst, coordinator")
    sessions: list[SessionCreate] = Field(default_factory=list, max_length=100)
    tlp: str = Field(default="green", description="clear, green or amber")
    sharing_group: str | None = Field(default=None, max_length=100, description="default: the community")


class SessionUpdate(_Request):
    id: str = Field(min_length=1, max_length=20, description="the session to change, e.g. s1")
    starts: date | None = None
    ends: date | None = None
    seats: int | None = Field(default=None, ge=1, le=10_000, description="never fewer than those held")
    location: str | None = Field(default=None, max_length=300)


class CourseUpdate(_Request):
    """What the provider (or the hub) may change after publishing; what is left out stays."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    duration_hours: float | None = Field(default=None, gt=0, le=2_000)
    language: str | None = Field(default=None, min_length=2, max_length=35, description="a BCP 47 tag")
    level: Level | None = None
    sim3: list[str] | None = Field(default=None, max_length=44, description="SIM3 parameters")
    roles: list[str] | None = Field(default=None, max_length=10)
    sessions: list[SessionUpdate] = Field(default_factory=list, max_length=100)


class SessionPublic(BaseModel):
    id: str
    starts: date
    ends: date
    seats: int
    location: str
    reserve_until: date
    seats_left: int = Field(description="seats not yet held by an enrolment (as the provider counts them)")


class CoursePublic(BaseModel):
    id: str
    title: str
    description: str
    provider: str
    format: CourseFormat
    duration_hours: float
    language: str
    level: Level
    topics: list[str]
    sim3: list[str]
    roles: list[str]
    sessions: list[SessionPublic]
    tlp: str
    audience: str | None
    created: str
    modified: str


class EnrolmentCreate(_Request):
    course: str = Field(min_length=1, max_length=100, description="a course id")
    session: str = Field(min_length=1, max_length=20, description="the session's id in the course, e.g. s1")
    participant: str = Field(min_length=3, max_length=254, description="the participant's e-mail")
    participant_name: str = Field(default="", max_length=200)
    participant_role: str = Field(default="analyst", max_length=40)
    tlp: str = Field(default="amber+strict", description="amber+strict, amber or green")
    sharing_group: str | None = Field(
        default=None,
        max_length=100,
        description="default: your organisation, the provider and the hub; a chosen one must hold all three",
    )


class Attestation(_Request):
    """A change of an enrolment: attended, no-show or completed (by the provider), cancelled (by the
    enrolled organisation)."""

    status: EnrolmentStatus
    completed_on: date | None = Field(default=None, description="default: the session's last day")
    note: str = Field(default="", max_length=2_000)


class CompletionCreate(_Request):
    enrolment: str = Field(min_length=1, max_length=100)
    completed_on: date | None = None
    note: str = Field(default="", max_length=2_000)


class EnrolmentFilter(_Request):
    course: str | None = Field(default=None, max_length=100)
    org: str | None = Field(default=None, max_length=32)
    status: EnrolmentStatus | None = None


class HistoryEntry(BaseModel):
    status: EnrolmentStatus
    at: str
    by: str
    note: str = ""


class EnrolmentPublic(BaseModel):
    id: str
    course: str
    course_title: str
    topics: list[str]
    session: str
    session_starts: date
    provider: str
    org: str
    participant: str
    participant_name: str
    participant_role: str
    status: EnrolmentStatus
    history: list[HistoryEntry]
    completed_on: date | None
    attested_by: str | None
    tlp: str
    audience: str | None
    created: str
    modified: str


class RequirementPublic(BaseModel):
    key: str
    network: str
    title: str
    kind: str
    applies_to: list[str]
    topic: str
    staff: int
    role: str | None
    every_months: int
    due_soon_days: int


class ComplianceFilter(_Request):
    org: str | None = Field(default=None, max_length=32)
    on: date | None = Field(default=None, description="the day to judge on; default: today")


class CompliancePublic(BaseModel):
    org: str
    requirement: str
    title: str
    status: ComplianceStatus
    due_on: date | None = Field(description="the day it becomes overdue; empty: never met")
    counted: int
    needed: int


class EvidencePublic(BaseModel):
    """One completion, as evidence for the SIM3 parameters its course serves."""

    parameter: str
    org: str
    course: str
    course_title: str
    participant: str
    completed_on: date
    enrolment: str
    attested_by: str

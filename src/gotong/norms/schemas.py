"""Request and response shapes of the norms catalogue and implementation reports.

Requests forbid unknown fields, so a misspelt field is a 400 that names it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from gotong.norms.models import ItemStatus

__all__ = [
    "EntryPublic",
    "EntryUpdate",
    "NormPublic",
    "NormStatus",
    "NormVersionPublic",
    "OfferedEvidence",
    "ProposalCreate",
    "ProposalItem",
    "ProposalPublic",
    "ReportCreate",
    "ReportFilter",
    "ReportPublic",
    "ReportUpdate",
    "SummaryPublic",
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NormItemPublic(BaseModel):
    id: str
    text: str


class NormVersionPublic(BaseModel):
    """An earlier adopted version of a regional norm, kept in its history."""

    version: int
    adopted: str
    decision: str
    title: str


class NormPublic(BaseModel):
    id: str
    origin: str
    version: int
    status: str = Field(description="adopted, or proposed (a regional norm the taskforce has not adopted)")
    adopted: str
    decision: str
    title: str
    summary: str
    items: list[NormItemPublic]
    history: list[NormVersionPublic] = Field(default_factory=list, description="earlier adopted versions")


class ProposalItem(_Request):
    id: str = Field(min_length=3, max_length=20, description="the norm's id, a dash and a number, e.g. r2-1")
    text: str = Field(min_length=1, max_length=2_000)


class ProposalCreate(_Request):
    norm: str = Field(
        min_length=2,
        max_length=10,
        description="a new regional norm's id (e.g. r2), or an existing one's for a new version",
    )
    title: str = Field(min_length=1, max_length=300)
    summary: str = Field(min_length=1, max_length=5_000)
    items: list[ProposalItem] = Field(min_length=1, max_length=30)


class ProposalPublic(BaseModel):
    id: str
    norm: str
    version: int
    title: str
    summary: str
    items: list[NormItemPublic]
    proposed_by: str
    tlp: str
    created: str


class ReportCreate(_Request):
    cycle: str | None = Field(default=None, description="e.g. 2026; default: the current cycle")
    tlp: str = Field(default="amber+strict", description="amber, amber+strict or red")
    sharing_group: str | None = Field(
        default=None, description="a named-recipients group holding the member and the taskforce"
    )


class EntryUpdate(_Request):
    item: str = Field(description="an implementation item of the catalogue, e.g. h2")
    status: ItemStatus
    narrative: str = Field(default="", max_length=10_000)
    evidence: list[str] = Field(default_factory=list, max_length=50)


class ReportUpdate(_Request):
    entries: list[EntryUpdate] = Field(default_factory=list)
    publish_summary: bool = Field(
        default=False, description="publish (or refresh) the TLP:CLEAR summary: counts per norm, no narrative"
    )


class ReportFilter(_Request):
    member: str | None = None
    cycle: str | None = None


class OfferedEvidence(BaseModel):
    """What Gotong's own records say about an item, offered to the member to cite."""

    item: str
    source: str = Field(description="the domain the figures come from: assistance or contacts")
    text: str
    figures: dict[str, float | int | None]


class EntryPublic(BaseModel):
    norm: str
    item: str
    text: str
    status: ItemStatus
    narrative: str
    evidence: list[str]


class NormStatus(BaseModel):
    """How many of a norm's items a member reports in each status, in one cycle."""

    member: str
    cycle: str
    norm: str
    counts: dict[ItemStatus, int]
    source: str = Field(description="report (the reader sees the report) or summary (its public counts)")


class ReportPublic(BaseModel):
    id: str
    member: str
    cycle: str
    tlp: str
    audience: str | None
    entries: list[EntryPublic]
    counts: dict[str, dict[ItemStatus, int]]
    offered: list[OfferedEvidence] = Field(default_factory=list)
    summary: str | None = Field(description="the id of the published summary, if one is published")
    created: str
    modified: str


class SummaryPublic(BaseModel):
    id: str
    member: str
    cycle: str
    report: str
    counts: dict[str, dict[ItemStatus, int]]
    modified: str

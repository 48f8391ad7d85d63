"""A regional posture report as it is stored and shown: an executive summary and its sections."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TablePublic(BaseModel):
    caption: str
    headers: list[str]
    rows: list[list[str]]


class SectionPublic(BaseModel):
    key: str
    title: str
    summary: list[str] = Field(description="plain sentences for the executive summary")
    chart_svg: str = Field(default="", description="a server-drawn accessible SVG chart, or empty")
    tables: list[TablePublic] = Field(default_factory=list)


class ReportSummary(BaseModel):
    id: int
    org: str = Field(description="the organisation whose view this report is; only it may read it")
    period_kind: str
    period_label: str
    starts: str
    ends: str
    generated_at: str
    generated_by: str


class ReportPublic(ReportSummary):
    tlp: str | None = Field(
        default=None,
        description="the TLP the report was made for (it holds nothing marked above it, not even your "
        "own records); empty: your organisation's own view, which may hold anything it may see",
    )
    summary: list[str]
    sections: list[SectionPublic]


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(default="month", max_length=40, description="month, quarter, 2026-11, 2026-Q4, ...")
    tlp: str | None = Field(
        default=None,
        max_length=20,
        description="make it for a wider audience: clear (may be published), green, amber or amber+strict; "
        "it then holds only records marked at most that. Empty: your organisation's own view",
    )


class SubscriberCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254)


class SubscriberPublic(BaseModel):
    id: int
    org: str
    email: str

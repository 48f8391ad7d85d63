"""Request and response shapes of budget mandates, reports and compliance.

Requests forbid unknown fields. What a reader is shown of another member's budget is a separate
shape (:class:`CompliancePublic` with ``exact`` false carries bands and never an amount).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from gotong.budgets.models import ComplianceStatus, RuleKind

__all__ = [
    "BudgetCreate",
    "BudgetFilter",
    "BudgetPublic",
    "CompliancePublic",
    "MandatePublic",
    "RangesPublic",
    "RulePublic",
    "RuleResultPublic",
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RulePublic(BaseModel):
    kind: RuleKind
    value: float = Field(description="a share (0.10 = 10%) or an amount in US dollars")


class MandatePublic(BaseModel):
    id: str
    title: str
    adopted: str
    decision: str
    review_after_years: int
    rules: list[RulePublic]
    trajectory: dict[str, list[tuple[int, float]]] = Field(
        description="the fraction of each minimum due from a year on; 'default' and per member state"
    )
    in_force: bool


class BudgetCreate(_Request):
    year: int = Field(ge=2000, le=2100)
    amounts: dict[str, int] = Field(description="local currency per category (see the categories)")
    government_ict_budget: int | None = Field(
        default=None, ge=0, description="the government's ICT budget that year, local currency"
    )
    tlp: str = Field(default="amber+strict", description="amber, amber+strict or red")
    sharing_group: str | None = Field(
        default=None, description="a named-recipients group holding the member and the taskforce"
    )
    publish_ranges: bool = Field(default=False, description="also publish the bands (never the amounts)")


class BudgetFilter(_Request):
    member: str | None = None
    year: int | None = None


class BudgetPublic(BaseModel):
    id: str
    member: str
    year: int
    currency: str
    amounts: dict[str, int]
    amounts_usd: dict[str, float]
    total: int
    total_usd: float
    total_intl: float = Field(description="the total in international dollars (purchasing-power parity)")
    government_ict_budget: int | None
    tlp: str
    audience: str | None
    ranges: str | None = Field(description="the id of the published ranges, if published")
    created: str


class RangesPublic(BaseModel):
    """What a member published of a year's budget: bands, never amounts."""

    id: str
    member: str
    year: int
    total_band: str
    share_band: str


class RuleResultPublic(BaseModel):
    kind: RuleKind
    minimum_usd: float | None
    due_usd: float | None
    actual_usd: float


class CompliancePublic(BaseModel):
    """A member's standing against the mandate in a year, as the reader may know it: exactly (the
    member, the taskforce: ``exact``), or only as the bands the member published."""

    member: str
    year: int
    mandate: str
    exact: bool
    status: ComplianceStatus | None = Field(description="only when exact")
    share: float | None = Field(description="least share of a full minimum reached; only when exact")
    share_band: str
    total_band: str | None = None
    rules: list[RuleResultPublic] = Field(default_factory=list)
    subject_for_review: bool | None = Field(
        default=None, description="below for the mandate's number of consecutive years; only when exact"
    )

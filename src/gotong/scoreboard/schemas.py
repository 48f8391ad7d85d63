"""What the scoreboard answers: per organisation, for the region, and the who-shares-with-whom matrix."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Delays(BaseModel):
    """Delays in seconds: how many, the median and the 90th percentile (nearest rank)."""

    count: int = 0
    median_seconds: float | None = None
    p90_seconds: float | None = None


class Volume(BaseModel):
    objects: int = 0
    by_type: dict[str, int] = Field(default_factory=dict)
    by_tlp: dict[str, int] = Field(default_factory=dict)
    by_collection: dict[str, int] = Field(default_factory=dict)
    unique_observables: int = 0
    regional_share: float | None = Field(default=None, description="objects / the region's objects")


class Timeliness(BaseModel):
    first_seen_to_submission: Delays = Field(default_factory=Delays)
    submission_to_readable: Delays = Field(default_factory=Delays)
    federation_delay: Delays = Field(default_factory=Delays)


class Quality(BaseModel):
    """Shares (0-1) of the objects shared in the period; None where there is nothing to divide by."""

    valid_on_first_submission: float | None = None
    with_context: float | None = None
    with_kill_chain: float | None = None
    with_attack_reference: float | None = None
    with_description: float | None = None
    sighted_by_others: float | None = None
    reported_false_positive: float | None = None
    on_warninglists: float | None = None
    expired: float | None = None
    decay_adjusted: float | None = Field(
        default=None,
        description="mean freshness at the period's end (1 new, 0 decayed); false positives and "
        "warninglisted objects count 0 (docs/scoreboard.md)",
    )


class Reciprocity(BaseModel):
    contributed: int = 0
    consumed: int = 0
    consumed_by_channel: dict[str, int] = Field(default_factory=dict)


class Responsiveness(BaseModel):
    alerts: Delays = Field(default_factory=Delays)
    cases: Delays = Field(default_factory=Delays)
    assistance: Delays = Field(default_factory=Delays)
    contact_checks: Delays = Field(default_factory=Delays)


class CapacityView(BaseModel):
    source: str | None = None
    units: float | None = None
    objects_per_unit: float | None = None
    consumed_per_unit: float | None = None


class OrgScore(BaseModel):
    org: str
    name: str
    published: bool
    volume: Volume
    timeliness: Timeliness
    quality: Quality
    reciprocity: Reciprocity
    responsiveness: Responsiveness
    capacity: CapacityView


class RegionScore(BaseModel):
    contributors: int
    through_hub: int = Field(description="objects sent through the hub whose submitter you may not learn")
    volume: Volume
    timeliness: Timeliness
    quality: Quality
    alert_share_delay: Delays
    responsiveness: Responsiveness


class Position(BaseModel):
    """Where the viewer's organisation stands among the contributors (peers unnamed)."""

    rank: int | None
    contributors: int
    peer_objects: list[int] = Field(description="each contributor's objects, largest first")
    own_objects: int


class PeriodPublic(BaseModel):
    kind: str
    label: str
    starts: str
    ends: str


class ScoreboardPublic(BaseModel):
    period: PeriodPublic
    viewer: str
    region: RegionScore
    organisations: list[OrgScore]
    position: Position


class MatrixCell(BaseModel):
    source: str = Field(description="the organisation that shared")
    reader: str = Field(description="the organisation that retrieved")
    tlp: str
    objects: int


class MatrixPublic(BaseModel):
    period: PeriodPublic
    cells: list[MatrixCell]


class ScoreboardSettingsPublic(BaseModel):
    org: str
    publish: bool
    team_size: int | None
    updated_at: str | None
    updated_by: str | None


class ScoreboardSettingsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    publish: bool | None = Field(default=None, description="show this organisation's detail to every member")
    team_size: int | None = Field(default=None, ge=1, le=10_000, description="people in the team")

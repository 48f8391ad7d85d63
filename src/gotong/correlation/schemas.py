"""REST shapes of the correlation domain: lookups, search, sightings, alerts and webhooks."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from gotong.correlation.lookup import Sharer
from gotong.correlation.observables import Observable
from gotong.correlation.sightings import SightingSummary

__all__ = [
    "AlertObjectPublic",
    "AlertPublic",
    "CorrelationPublic",
    "ObservablePublic",
    "SearchPagePublic",
    "SearchResultPublic",
    "SharerPublic",
    "SightingReport",
    "SightingSummaryPublic",
    "StatusOutcomePublic",
    "StatusPublic",
    "WarninglistHitPublic",
    "WebhookCreate",
    "WebhookPublic",
]


class WarninglistHitPublic(BaseModel):
    list: str
    name: str
    matched: str


class CorrelationPublic(BaseModel):
    """What you may see that shares an observable: objects, reporters, countries, first and last seen."""

    value: str
    observables: list[ObservablePublic]
    objects: list[SharerPublic]
    countries: list[str]
    reporters: list[str]
    first_seen: str | None
    last_seen: str | None
    warninglists: list[WarninglistHitPublic]


class SearchResultPublic(BaseModel):
    id: str
    type: str
    name: str | None
    tlp: str
    collection_id: str
    reported_by: str
    country: str | None
    date_added: str


class SearchPagePublic(BaseModel):
    """One page of search results; ``next`` continues when ``more``."""

    results: list[SearchResultPublic]
    more: bool
    next: str | None


class SightingReport(BaseModel):
    """'We saw VALUE COUNT times between FIRST_SEEN and LAST_SEEN' (or: it was a false positive)."""

    model_config = ConfigDict(extra="forbid")
    value: str = Field(min_length=1)
    collection: str
    kind: str | None = None
    count: int = Field(default=1, ge=0, le=999_999_999)
    first_seen: str | None = None
    last_seen: str | None = None
    false_positive: bool = False
    tlp: str = "green"


class StatusOutcomePublic(BaseModel):
    id: str
    version: str | None = None
    message: str | None = None


class StatusPublic(BaseModel):
    """The TAXII status resource of the sightings written."""

    id: str
    status: str
    request_timestamp: str
    total_count: int
    success_count: int
    successes: list[StatusOutcomePublic]
    failure_count: int
    failures: list[StatusOutcomePublic]
    pending_count: int
    pendings: list[StatusOutcomePublic]


class AlertObjectPublic(BaseModel):
    id: str
    type: str
    collection_id: str
    reported_by: str
    date_added: str


class AlertPublic(BaseModel):
    """A regional alert as you may see it."""

    id: int
    kind: str
    value: str
    raised_at: str
    updated_at: str
    countries: list[str]
    objects: list[AlertObjectPublic]
    acknowledged_by: str | None
    acknowledged_at: str | None


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=8, max_length=2000)
    secret: str | None = Field(default=None, min_length=16, max_length=128)


class WebhookPublic(BaseModel):
    """The webhook registered, with the secret its deliveries are signed with (shown once)."""

    id: int
    url: str
    secret: str


# Answers that are the domain's own records, so the two cannot drift apart.
ObservablePublic = Observable
SharerPublic = Sharer
SightingSummaryPublic = SightingSummary

"""REST shapes of the feeds domain."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FeedCreate", "FeedPublic"]


class FeedCreate(BaseModel):
    """A feed to configure for the caller's organisation."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    source: str = Field(min_length=1, description="http(s) URL; for format taxii, a collection URL")
    format: str
    collection: str | None = None
    classification: str | None = None
    tlp: str | None = None
    group: str | None = None
    valid_days: int | None = Field(default=30, ge=1)
    every: str | None = Field(default=None, description="Poll interval such as 15m, 6h, 1d")
    token: str | None = Field(default=None, description="Bearer token the source wants")
    basic_auth: str | None = Field(default=None, description="user:password the source wants")


class FeedPublic(BaseModel):
    """A feed's configuration and the outcome of its last run (credentials are never shown)."""

    name: str
    source: str
    format: str
    org: str
    collection_id: str
    tlp: str | None
    group: str | None
    classification: str | None
    every: str
    enabled: bool
    has_credentials: bool
    last_run: str | None
    last_success: str | None
    outcome: str | None
    accepted: int
    already_present: int
    rejected: int
    problem_count: int
    problems: list[str]
    error: str | None
    failures: int
    next_run: str | None
    total_accepted: int

"""REST shapes of the feeds domain."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from gotong.feeds.registry import FeedStatus

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
    repair: bool = Field(
        default=False, description="Each run fixes producers' well-known mistakes (see docs/feeds.md)"
    )


# The REST answer is the domain's own status record, so a field added there is never silently dropped here.
FeedPublic = FeedStatus

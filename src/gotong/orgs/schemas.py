"""REST shapes of the organisations domain."""

from __future__ import annotations

from pydantic import BaseModel

__all__ = ["MePublic", "OrganisationPublic"]


class MePublic(BaseModel):
    """Who the token belongs to."""

    organisation: str
    identity_id: str
    role: str
    through_hub: bool


class OrganisationPublic(BaseModel):
    """One organisation of the network."""

    short_name: str
    name: str
    country: str | None
    kind: str
    parent: str | None
    identity_id: str

"""REST shapes of the sharing domain: groups, access receipts and provenance."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from gotong.sharing.models import GroupKind

__all__ = ["GroupCreate", "GroupPublic", "GroupUpdate", "ProvenancePublic", "ReceiptPublic"]


class GroupCreate(BaseModel):
    """A new sharing group, owned by the caller's organisation."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    members: list[str]
    kind: GroupKind = GroupKind.COMMUNITY


class GroupUpdate(BaseModel):
    """Members to add and to remove."""

    model_config = ConfigDict(extra="forbid")
    add: list[str] = []
    remove: list[str] = []


class GroupPublic(BaseModel):
    """A sharing group and the marking-definition id objects cite to address it."""

    name: str
    kind: str
    owner: str
    members: list[str]
    marking_id: str


class ReceiptPublic(BaseModel):
    """Who retrieved one version of one of your objects, how often, first and last."""

    stix_id: str
    version: str
    reader: str
    first_retrieved: str
    last_retrieved: str
    times: int


class ProvenancePublic(BaseModel):
    """Who submitted one version ("(submitted through the hub)" where you may not learn it)."""

    stix_id: str
    version: str
    date_added: str
    submitter: str
    anonymous: bool
    via_peer: str | None = None

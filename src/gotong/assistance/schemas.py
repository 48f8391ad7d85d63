"""Request and response shapes of assistance requests: one family per entity (Create, Update, Public).

Requests forbid unknown fields, so a misspelt field is a 400 that names it, never silently ignored.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from gotong.assistance.models import Kind, RequestStatus, Urgency

__all__ = [
    "AssistanceCreate",
    "AssistanceFilter",
    "AssistancePublic",
    "AssistanceUpdate",
    "Channel",
    "Confirmation",
    "Deadlines",
    "HistoryEntry",
    "MessageCreate",
    "MessagePublic",
    "OverduePublic",
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Channel(StrEnum):
    """How the request first reached the addressee: through Gotong, or by an expedited channel
    (telephone, e-mail, fax to the 24/7 point of contact) with Gotong recording it afterwards."""

    GOTONG = "gotong"
    EXPEDITED = "expedited"


class AssistanceCreate(_Request):
    addressee: str = Field(min_length=1, max_length=32, description="the organisation asked (short name)")
    kind: Kind
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20_000)
    urgency: Urgency = Urgency.ROUTINE
    legal_basis: str | None = Field(default=None, max_length=500, description="default: the kind's")
    fields: dict[str, str] = Field(default_factory=dict, description="the kind's fields, by name")
    case: str | None = Field(default=None, max_length=100, description="an incident case id")
    tlp: str = Field(default="amber+strict", description="amber+strict, amber, green or red")
    sharing_group: str | None = Field(
        default=None, max_length=100, description="default: the two parties' own group"
    )
    channel: Channel = Channel.GOTONG
    draft: bool = Field(default=False, description="keep it as a draft instead of sending it")


class Confirmation(_Request):
    """The formal request that confirms one sent by an expedited channel."""

    reference: str = Field(min_length=1, max_length=300, description="e.g. the diplomatic note's number")
    note: str = Field(default="", max_length=2_000)


class AssistanceUpdate(_Request):
    """One change: a status transition, a renewal of a preservation, or a formal confirmation."""

    status: RequestStatus | None = None
    reason: str = Field(default="", max_length=2_000, description="recorded in the history")
    fields: dict[str, str] | None = Field(default=None, description="a draft's fields, replaced")
    renew: bool = Field(default=False, description="extend a preservation by the kind's renewal days")
    confirmation: Confirmation | None = None


class AssistanceFilter(_Request):
    status: RequestStatus | None = None
    kind: Kind | None = None
    urgency: Urgency | None = None
    role: str | None = Field(default=None, pattern="^(requester|addressee)$", description="your side")


class HistoryEntry(BaseModel):
    event: str
    status: RequestStatus
    at: str
    by: str
    reason: str = ""


class Deadlines(BaseModel):
    acknowledge_by: str
    answer_by: str


class MessagePublic(BaseModel):
    id: str
    author: str
    text: str
    tlp: str
    created: str


class MessageCreate(_Request):
    text: str = Field(min_length=1, max_length=20_000)


class AssistancePublic(BaseModel):
    id: str
    kind: Kind
    kind_name: str
    title: str
    description: str
    requester: str
    addressee: str
    urgency: Urgency
    legal_basis: str
    fields: dict[str, str]
    case: str | None
    status: RequestStatus
    history: list[HistoryEntry]
    deadlines: Deadlines | None
    preserved_until: str | None
    channel: Channel
    confirmation: dict[str, str] | None
    escalated: bool
    tlp: str
    audience: str | None = Field(description="the sharing group the request is addressed to")
    collection: str
    created: str
    modified: str
    messages: list[MessagePublic] = Field(default_factory=list)


class OverduePublic(BaseModel):
    request: AssistancePublic
    missed: str = Field(description="acknowledge or answer")
    due: str

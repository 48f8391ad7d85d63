"""Request and response shapes of the contact directory (Create, Update, Public per entity).

Requests forbid unknown fields, so a misspelt field is a 400 that names it.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gotong.contacts.catalogue import first_services, roles
from gotong.contacts.models import Channel, CheckStatus
from gotong.sharing.policy import FieldVisibility

__all__ = [
    "DEFAULT_VISIBILITY",
    "AckPublic",
    "BusinessHours",
    "ChannelStats",
    "CheckCreate",
    "CheckPublic",
    "ContactCreate",
    "ContactField",
    "ContactPublic",
    "ContactReachability",
    "ContactUpdate",
    "KeyPublic",
    "OrgReachability",
    "PendingCheck",
]

ContactField = Literal[
    "name", "email", "pgp_key", "phone", "webhook_url", "chat", "timezone", "business_hours",
    "out_of_hours", "services", "asns", "networks", "domains", "alternates",
]  # fmt: skip

DEFAULT_VISIBILITY: dict[str, FieldVisibility] = {
    "name": FieldVisibility.PUBLIC,
    "email": FieldVisibility.MEMBERS,
    "pgp_key": FieldVisibility.MEMBERS,
    "phone": FieldVisibility.MEMBERS,
    "webhook_url": FieldVisibility.HUB,
    "chat": FieldVisibility.MEMBERS,
    "timezone": FieldVisibility.PUBLIC,
    "business_hours": FieldVisibility.PUBLIC,
    "out_of_hours": FieldVisibility.MEMBERS,
    "services": FieldVisibility.PUBLIC,
    "asns": FieldVisibility.PUBLIC,
    "networks": FieldVisibility.PUBLIC,
    "domains": FieldVisibility.PUBLIC,
    "alternates": FieldVisibility.MEMBERS,
}
"""The visibility of a field the contact does not set: contact details to members, how to reach
the desk by machine to the hub, what the team does and for whom to everybody."""

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BusinessHours(_Request):
    """When the desk is staffed, in the contact's time zone: days (0 Monday … 6 Sunday) and hours."""

    days: list[int] = Field(default=[0, 1, 2, 3, 4], min_length=1, max_length=7)
    start: time = time(9, 0)
    end: time = time(17, 0)

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        if any(d < 0 or d > 6 for d in value):
            raise ValueError("days are 0 (Monday) to 6 (Sunday)")
        return sorted(set(value))


class _Fields(_Request):
    """The fields of a contact, each optional here; validation is the same on create and update."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    pgp_key: str | None = Field(default=None, max_length=100_000, description="ASCII-armored public key")
    phone: str | None = Field(default=None, max_length=40)
    webhook_url: str | None = Field(default=None, max_length=2000)
    chat: str | None = Field(default=None, max_length=200, description="a secure chat handle")
    timezone: str | None = Field(default=None, max_length=64, description="an IANA zone, e.g. Asia/Bangkok")
    business_hours: BusinessHours | None = None
    out_of_hours: str | None = Field(default=None, max_length=2000)
    services: list[str] | None = Field(default=None, max_length=100)
    asns: list[int] | None = Field(default=None, max_length=1000)
    networks: list[str] | None = Field(default=None, max_length=1000)
    domains: list[str] | None = Field(default=None, max_length=1000)
    alternates: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] | None = Field(
        default=None, max_length=10, description="contact ids, in order"
    )
    visibility: dict[ContactField, FieldVisibility] | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("the webhook URL must be http:// or https://")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known time zone (IANA, e.g. Asia/Bangkok)") from None
        return value

    @field_validator("services")
    @classmethod
    def _services(cls, value: list[str] | None) -> list[str] | None:
        unknown = [s for s in value or [] if s not in first_services()]
        if unknown:
            raise ValueError(f"not services of the FIRST CSIRT Services Framework: {', '.join(unknown)}")
        return value

    @field_validator("asns")
    @classmethod
    def _asns(cls, value: list[int] | None) -> list[int] | None:
        wrong = [a for a in value or [] if not 0 < a < 2**32]
        if wrong:
            raise ValueError(f"not AS numbers: {wrong}")
        return value

    @field_validator("networks")
    @classmethod
    def _networks(cls, value: list[str] | None) -> list[str] | None:
        out = []
        for net in value or []:
            try:
                out.append(str(ipaddress.ip_network(net, strict=False)))
            except ValueError:
                raise ValueError(f"{net!r} is not an IP network") from None
        return out if value is not None else None

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: list[str] | None) -> list[str] | None:
        wrong = [d for d in value or [] if not _DOMAIN.match(d.lower())]
        if wrong:
            raise ValueError(f"not domain names: {', '.join(wrong)}")
        return [d.lower() for d in value] if value is not None else None


class ContactCreate(_Fields):
    role: str = Field(description="a role of data/contacts/roles.toml, e.g. duty-desk")
    name: str = Field(min_length=1, max_length=200)
    org: str | None = Field(default=None, max_length=32, description="default: your organisation")

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        if value not in roles():
            raise ValueError(f"unknown role {value!r}; known: {', '.join(sorted(roles()))}")
        return value


class ContactUpdate(_Fields):
    """What to change; a field left out keeps its value, ``visibility`` entries are merged."""


class KeyPublic(BaseModel):
    fingerprint: str
    algorithm: str
    bits: int
    expires_at: str | None
    expired: bool
    weak: str | None


class ContactPublic(BaseModel):
    """A contact as the reader may see it: fields it may not read are null and named in ``hidden``."""

    id: int
    org: str
    role: str
    name: str | None = None
    email: str | None = None
    pgp_key: str | None = None
    key: KeyPublic | None = Field(default=None, description="the facts of pgp_key, as visible as it")
    phone: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = Field(default=None, description="the HMAC key; to the owner and hub only")
    chat: str | None = None
    timezone: str | None = None
    business_hours: BusinessHours | None = None
    out_of_hours: str | None = None
    services: list[str] | None = None
    asns: list[int] | None = None
    networks: list[str] | None = None
    domains: list[str] | None = None
    alternates: list[int] | None = None
    visibility: dict[str, FieldVisibility]
    hidden: list[str]
    updated: str


class CheckCreate(_Request):
    """Run one check. A phone check is made by a person and recorded here: answered or not, and how fast."""

    channel: Channel
    answered: bool | None = Field(default=None, description="phone only: whether the desk answered")
    response_seconds: float | None = Field(default=None, ge=0, le=86_400, description="phone only")


class CheckPublic(BaseModel):
    id: int
    contact_id: int
    channel: Channel
    status: CheckStatus
    sent_at: str
    expires_at: str
    acknowledged_at: str | None
    response_micros: int | None = Field(description="acknowledged_at - sent_at in microseconds, exactly")
    escalated_at: str | None
    fallback_of: int | None
    problem: str | None
    recorded_by: str | None = Field(default=None, description="phone only: who recorded the check")
    encrypted_to: str | None = Field(
        default=None, description="e-mail only: the fingerprint of the OpenPGP key the mail was encrypted to"
    )
    in_clear_because: str | None = Field(
        default=None, description="e-mail only: why a contact with a key got the mail in the clear"
    )


class AckPublic(BaseModel):
    check_id: int
    acknowledged_at: str
    response_micros: int


class PendingCheck(BaseModel):
    """A check waiting for its acknowledgement, as its acknowledgement page shows it."""

    check_id: int
    org: str
    role: str
    name: str | None
    channel: Channel
    sent_at: str
    expires_at: str


class ChannelStats(BaseModel):
    channel: Channel
    checks: int
    successes: int
    median_micros: int | None
    p90_micros: int | None = Field(description="90th percentile, nearest rank")


class ContactReachability(BaseModel):
    contact_id: int
    role: str
    checks: int = Field(description="checks counted: the last N that are decided (acknowledged or not)")
    last_success: str | None
    success_rate: float | None
    out_of_hours_checks: int
    out_of_hours_success_rate: float | None
    channels: list[ChannelStats]
    key_expires_at: str | None
    key_expired: bool | None


class OrgReachability(BaseModel):
    org: str
    checks: int
    last_success: str | None
    success_rate: float | None
    out_of_hours_success_rate: float | None
    open_escalations: int = Field(description="unanswered checks escalated to the hub")
    assistance_requests: int | None = Field(
        default=None, description="assistance requests sent to it (to the organisation and the hub only)"
    )
    assistance_acknowledged: int | None = Field(default=None, description="how many of them it acknowledged")
    assistance_median_ack_micros: int | None = Field(
        default=None, description="median time from a request sent to its acknowledgement, in microseconds"
    )
    assistance_p90_ack_micros: int | None = Field(default=None, description="90th percentile, nearest rank")
    contacts: list[ContactReachability]

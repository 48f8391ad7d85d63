"""The reachability record of each contact and organisation, computed from its decided checks.

Over the last ``last`` decided checks (acknowledged or unanswered; those still waiting or that could
not be sent do not count): last success, success rate, the out-of-hours success rate (checks sent
outside the contact's business hours in its time zone), and per channel the median and the
90th-percentile (nearest rank) response time in microseconds.
"""

from __future__ import annotations

import math
import statistics
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select
from sqlalchemy.engine import Row

from gotong.contacts.keys import read_key
from gotong.contacts.models import Channel, CheckStatus, checks, contacts, notices
from gotong.contacts.schemas import ChannelStats, ContactReachability, OrgReachability
from gotong.contacts.service import hub_org_id
from gotong.core.auth import Principal
from gotong.core.permissions import require_member
from gotong.db.engine import read_connection
from gotong.errors import Invalid
from gotong.orgs.models import organisations
from gotong.orgs.service import get_org
from gotong.sharing.policy import FieldVisibility, may_see_field
from gotong.stix.timestamps import format_micros, now_micros

__all__ = ["in_business_hours", "nearest_rank", "reachability"]

_DECIDED = (str(CheckStatus.ACKNOWLEDGED), str(CheckStatus.UNANSWERED))


def reachability(
    engine: Engine, *, actor: Principal, org: str | None = None, last: int = 20
) -> list[OrgReachability]:
    """Every organisation's record (or ``org``'s), over each contact's last ``last`` decided checks."""
    require_member(actor)
    if not 1 <= last <= 1000:
        raise Invalid("last: between 1 and 1000 checks")
    with read_connection(engine) as conn:
        hub_id = hub_org_id(conn)
        query = select(contacts, organisations.c.short_name).join(
            organisations, organisations.c.id == contacts.c.org_id
        )
        if org is not None:
            query = query.where(contacts.c.org_id == get_org(conn, short_name=org).id)
        by_org: dict[str, list[tuple[Row[Any], list[Row[Any]], int]]] = {}
        org_ids: dict[str, int] = {}
        for row in conn.execute(query.order_by(organisations.c.short_name, contacts.c.id)):
            decided = list(
                conn.execute(
                    select(checks)
                    .where(checks.c.contact_id == row.id, checks.c.status.in_(_DECIDED))
                    .order_by(checks.c.sent_at.desc())
                    .limit(last)
                ).all()
            )
            escalations = conn.execute(
                select(checks.c.id).where(checks.c.contact_id == row.id, checks.c.escalated_at.is_not(None))
            ).all()
            by_org.setdefault(row.short_name, []).append((row, decided, len(escalations)))
            org_ids[row.short_name] = row.org_id
        asked = {
            name: _assistance(conn, org_id)
            for name, org_id in org_ids.items()
            if may_see_field(
                FieldVisibility.HUB, reader_org_id=actor.org_id, owner_org_id=org_id, hub_org_id=hub_id
            )
        }
    now = now_micros()
    out = []
    for name, entries in by_org.items():
        records = [_contact(row, decided, actor=actor, hub_id=hub_id, now=now) for row, decided, _ in entries]
        every = [c for _, decided, _ in entries for c in decided]
        off = [c for row, decided, _ in entries for c in decided if not _in_hours(row, c.sent_at)]
        successes = [c.acknowledged_at for c in every if c.acknowledged_at is not None]
        out.append(
            OrgReachability(
                org=name,
                checks=len(every),
                last_success=format_micros(max(successes)) if successes else None,
                success_rate=_rate(every),
                out_of_hours_success_rate=_rate(off),
                open_escalations=sum(n for _, _, n in entries),
                contacts=records,
                **asked.get(name, {}),
            )
        )
    return out


def _contact(
    row: Row[Any], decided: list[Row[Any]], *, actor: Principal, hub_id: int | None, now: int
) -> ContactReachability:
    off = [c for c in decided if not _in_hours(row, c.sent_at)]
    successes = [c.acknowledged_at for c in decided if c.acknowledged_at is not None]
    channels = []
    for channel in Channel:
        mine = [c for c in decided if c.channel == channel]
        if not mine:
            continue
        times = sorted(c.acknowledged_at - c.sent_at for c in mine if c.acknowledged_at is not None)
        channels.append(
            ChannelStats(
                channel=channel,
                checks=len(mine),
                successes=len(times),
                median_micros=int(statistics.median(times)) if times else None,
                p90_micros=nearest_rank(times, 0.9),
            )
        )
    key_expires, key_expired = None, None
    armored = row.document["fields"].get("pgp_key")
    mark = FieldVisibility(row.document["visibility"].get("pgp_key", FieldVisibility.MEMBERS))
    if armored and may_see_field(
        mark, reader_org_id=actor.org_id, owner_org_id=row.org_id, hub_org_id=hub_id
    ):
        facts = read_key(armored)
        key_expires = format_micros(facts.expires_at * 1_000_000, digits=0) if facts.expires_at else None
        key_expired = facts.expired(now / 1_000_000)
    return ContactReachability(
        contact_id=row.id,
        role=row.role,
        checks=len(decided),
        last_success=format_micros(max(successes)) if successes else None,
        success_rate=_rate(decided),
        out_of_hours_checks=len(off),
        out_of_hours_success_rate=_rate(off),
        channels=channels,
        key_expires_at=key_expires,
        key_expired=key_expired,
    )


def _assistance(conn: Connection, org_id: int) -> dict[str, int | None]:
    """The organisation's answer to assistance requests: how many it was sent, acknowledged, how fast."""
    rows = conn.execute(
        select(notices.c.sent_at, notices.c.acknowledged_at).where(notices.c.addressee_org_id == org_id)
    ).all()
    times = sorted(r.acknowledged_at - r.sent_at for r in rows if r.acknowledged_at is not None)
    return {
        "assistance_requests": len(rows),
        "assistance_acknowledged": len(times),
        "assistance_median_ack_micros": int(statistics.median(times)) if times else None,
        "assistance_p90_ack_micros": nearest_rank(times, 0.9),
    }


def nearest_rank(values: list[int], fraction: float) -> int | None:
    """The nearest-rank percentile of sorted ``values`` (None for none)."""
    if not values:
        return None
    return values[max(0, math.ceil(fraction * len(values)) - 1)]


def in_business_hours(fields: dict[str, Any], micros: int) -> bool:
    """Whether the instant ``micros`` falls in the contact's business hours, in its time zone.

    A contact without business hours is taken as staffed Monday to Friday, 09:00 to 17:00, in UTC
    unless it names a time zone.
    """
    hours = fields.get("business_hours") or {}
    zone = ZoneInfo(fields.get("timezone") or "UTC")
    local = datetime.fromtimestamp(micros / 1_000_000, tz=UTC).astimezone(zone)
    days = hours.get("days", [0, 1, 2, 3, 4])
    start = hours.get("start", "09:00:00")
    end = hours.get("end", "17:00:00")
    clock = local.strftime("%H:%M:%S")
    return local.weekday() in days and _hms(start) <= clock < _hms(end)


def _hms(value: str) -> str:
    return value if len(value) >= 8 else value + ":00"


def _in_hours(row: Row[Any], micros: int) -> bool:
    return in_business_hours(row.document["fields"], micros)


def _rate(decided: list[Row[Any]]) -> float | None:
    if not decided:
        return None
    return sum(1 for c in decided if c.acknowledged_at is not None) / len(decided)

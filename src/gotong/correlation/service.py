"""The correlation verbs adapters call with the principal that asks.

Each builds the sharing rules' reader itself and checks the caller's rights here, never in the
adapter: lookups, search, sighting aggregates and alerts are for members of the network; changing
organisation-wide state (acknowledging an alert) needs a token that may write; webhooks need an
admin or coordinator.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection

from gotong.core.auth import Principal
from gotong.core.permissions import MANAGERS, require_member, require_role, require_writer
from gotong.correlation.alerts import AlertView, acknowledge, acknowledgements, alerts_for
from gotong.correlation.lookup import Correlation, lookup
from gotong.correlation.search import SearchFilter, SearchPage, search
from gotong.correlation.sightings import SightingSummary, summarise
from gotong.correlation.webhooks import add_webhook
from gotong.orgs.service import get_org, get_user_email
from gotong.sharing.service import load_reader
from gotong.stix.timestamps import now_micros

__all__ = [
    "acknowledge_alert",
    "alerts_of",
    "lookup_value",
    "register_webhook",
    "search_objects",
    "sightings_of",
]


def lookup_value(conn: Connection, *, actor: Principal, value: str, kind: str | None = None) -> Correlation:
    """Objects ``actor`` may see that share the observable ``value``, who reported it, first and last seen."""
    require_member(actor)
    return lookup(conn, reader=load_reader(conn, actor), value=value, kind=kind)


def search_objects(
    conn: Connection, *, actor: Principal, filters: SearchFilter, limit: int, cursor: str | None = None
) -> SearchPage:
    """One page of the objects ``actor`` may see that match ``filters``."""
    require_member(actor)
    return search(conn, reader=load_reader(conn, actor), filters=filters, limit=limit, cursor=cursor)


def sightings_of(conn: Connection, *, actor: Principal, indicator_id: str) -> SightingSummary:
    """Sightings of one indicator, per country, counting only sightings ``actor`` may see."""
    require_member(actor)
    return summarise(conn, reader=load_reader(conn, actor), indicator_ids=[indicator_id])[indicator_id]


def alerts_of(conn: Connection, *, actor: Principal) -> list[AlertView]:
    """The regional alerts ``actor`` may know of, each showing only what it may see."""
    require_member(actor)
    return alerts_for(conn, reader=load_reader(conn, actor))


def acknowledgement_times(
    conn: Connection, *, actor: Principal, alert_ids: Collection[int]
) -> list[tuple[int, int, int]]:
    """(alert, organisation, acknowledged at) of every organisation's acknowledgement of the alerts
    given that ``actor`` may know of (for the scoreboard's responsiveness); others are left out."""
    require_member(actor)
    wanted = [i for i in alert_ids if 0 < i < 2**63]
    if not wanted:
        return []
    known = {v.id for v in alerts_for(conn, reader=load_reader(conn, actor), alert_ids=wanted)}
    return acknowledgements(conn, alert_ids=known)


def acknowledge_alert(conn: Connection, *, actor: Principal, alert_id: int) -> AlertView:
    """Mark an alert acknowledged for ``actor``'s organisation (not with a readonly token)."""
    require_writer(actor)
    who = get_user_email(conn, actor) or actor.org_short or "unknown"
    return acknowledge(conn, reader=load_reader(conn, actor), alert_id=alert_id, by=who, now=now_micros())


def register_webhook(
    conn: Connection, *, actor: Principal, url: str, secret: str | None = None
) -> tuple[int, str]:
    """Have ``actor``'s organisation's alerts POSTed to ``url`` (admins, coordinators).

    Returns the webhook's id and the secret its deliveries are signed with.
    """
    require_role(actor, *MANAGERS)
    org = get_org(conn, org_id=actor.org_id)
    return add_webhook(conn, org=org.short_name, url=url, secret=secret)

"""Who may manage feeds, and the feed verbs adapters call with the principal that asks.

Feeds belong to an organisation: its admins and coordinators list, add, show and run them; the
hub's see and run every feed. A feed added for a remote caller must fetch an http(s) URL (a path
would let a remote user read the server's files). Exports are what the caller's organisation may
see, capped at a TLP ceiling.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from gotong.core.auth import Principal
from gotong.core.permissions import MANAGERS, require_member, require_role
from gotong.db.engine import read_connection
from gotong.errors import Invalid, NotFound
from gotong.feeds.exporters import Export
from gotong.feeds.fetch import authorization, is_url
from gotong.feeds.registry import (
    FeedStatus,
    add_feed,
    feed_owner,
    get_feed,
    list_feeds,
    parse_interval,
)
from gotong.feeds.runs import run_feed
from gotong.feeds.service import EXPORT_FORMATS, export_feed
from gotong.orgs.models import OrgKind
from gotong.orgs.service import get_org
from gotong.sharing.tlp import TLP

__all__ = ["add_feed_for", "export_for", "feed_for", "feed_health_for", "feeds_for", "run_feed_for"]


def feeds_for(conn: Connection, *, actor: Principal) -> list[FeedStatus]:
    """The feeds ``actor`` may manage: its organisation's, or every feed for the hub."""
    require_role(actor, *MANAGERS)
    return list_feeds(conn, org_id=None if _is_hub(conn, actor) else actor.org_id)


def feed_health_for(conn: Connection, *, actor: Principal) -> list[FeedStatus]:
    """The status of ``actor``'s organisation's feeds, for any member (the dashboard's feed health)."""
    require_member(actor)
    return list_feeds(conn, org_id=actor.org_id)


def feed_for(conn: Connection, *, actor: Principal, name: str) -> FeedStatus:
    """One feed ``actor`` may manage."""
    _may_manage(conn, actor, name)
    return get_feed(conn, name)


def add_feed_for(
    conn: Connection,
    *,
    actor: Principal,
    name: str,
    source: str,
    fmt: str,
    collection: str | None = None,
    classification: str | None = None,
    tlp: str | None = None,
    group: str | None = None,
    valid_days: int | None = 30,
    every: str | None = None,
    token: str | None = None,
    basic_auth: str | None = None,
    remote: bool = True,
    repair: bool = False,
) -> FeedStatus:
    """Configure a feed for ``actor``'s organisation (admins, coordinators).

    A ``remote`` caller (REST, the web UI) may only name an http(s) source.
    """
    require_role(actor, *MANAGERS)
    if remote and not is_url(source):
        raise Invalid("over REST a feed's source must be an http:// or https:// URL")
    credentials = authorization(token, basic_auth, token_name="token", basic_name="basic_auth")
    org = get_org(conn, org_id=actor.org_id)
    return add_feed(
        conn,
        name=name,
        source=source,
        fmt=fmt,
        org=org.short_name,
        collection_id=collection,
        classification=classification,
        tlp=tlp,
        group=group,
        valid_days=valid_days,
        interval=parse_interval(every) if every else None,
        credentials=credentials,
        repair=repair,
    )


def run_feed_for(
    engine: Engine,
    *,
    actor: Principal,
    name: str,
) -> FeedStatus:
    """Run a feed ``actor`` may manage now; returns the status the run left."""
    with read_connection(engine) as conn:
        _may_manage(conn, actor, name)
    run_feed(engine, name)
    with read_connection(engine) as conn:
        return get_feed(conn, name)


def export_for(
    engine: Engine, *, actor: Principal, fmt: str, collection: str | None, ceiling: TLP | str
) -> Export:
    """What ``actor``'s organisation may see as ``fmt``, capped at ``ceiling``, with what it left out."""
    require_member(actor)
    ceiling = TLP.parse(ceiling) if isinstance(ceiling, str) else ceiling
    if fmt not in EXPORT_FORMATS:
        raise Invalid(f"unknown export format {fmt!r}; use one of: {', '.join(EXPORT_FORMATS)}")
    with read_connection(engine) as conn:
        org = get_org(conn, org_id=actor.org_id)
    return export_feed(engine, org=org.short_name, collection_id=collection, fmt=fmt, ceiling=ceiling)


def _is_hub(conn: Connection, actor: Principal) -> bool:
    return get_org(conn, org_id=actor.org_id).kind == OrgKind.HUB


def _may_manage(conn: Connection, actor: Principal, name: str) -> None:
    require_role(actor, *MANAGERS)
    if feed_owner(conn, name) != actor.org_id and not _is_hub(conn, actor):
        # Another organisation's feed answers as a missing one: its name tells nothing more.
        raise NotFound(f"no feed named {name!r}")

"""Configured feeds: a feed is a row of configuration (source, format, organisation, collection,
defaults, schedule) plus the outcome of its last run. Add, list, show, enable, disable, remove.

Running a feed is :mod:`gotong.feeds.runs`; fetching its source, :mod:`gotong.feeds.downloads`;
running feeds on their schedule, :mod:`gotong.feeds.schedule`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from gotong.core.auth import Principal
from gotong.errors import Conflict, Invalid, NotFound
from gotong.feeds.fetch import collection_url, is_url
from gotong.feeds.lines import feed_formats
from gotong.feeds.models import feeds
from gotong.feeds.rsit import RsitClassification
from gotong.feeds.service import import_formats
from gotong.intel.bulk import writable_collection
from gotong.intel.collections import require_write, view_for
from gotong.orgs.service import get_org
from gotong.sharing.service import get_group
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import format_micros, now_micros

__all__ = [
    "FeedStatus",
    "add_feed",
    "feed_owner",
    "get_feed",
    "list_feeds",
    "parse_interval",
    "remove_feed",
    "set_enabled",
    "source_formats",
]

TAXII = "taxii"
STIX = "stix"
MIN_INTERVAL = 60


def source_formats() -> list[str]:
    """Every format a configured feed may have."""
    return [*import_formats(), STIX, TAXII]


def parse_interval(text: str) -> int:
    """``90s``, ``15m``, ``6h``, ``1d`` (or plain seconds) to seconds; at least one minute."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", text)
    if not match:
        raise Invalid(f"interval {text!r} is not like 15m, 6h or 1d")
    seconds = int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    if seconds < MIN_INTERVAL:
        raise Invalid(f"interval {text!r} is shorter than {MIN_INTERVAL} seconds")
    return seconds


def _interval_text(seconds: int | None) -> str:
    if seconds is None:
        return "manual"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@dataclass(frozen=True)
class FeedStatus:
    """A feed's configuration and the outcome of its last run (credentials are never shown)."""

    name: str
    source: str
    format: str
    org: str
    collection_id: str
    tlp: str | None
    group: str | None
    classification: str | None
    repair: bool
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

    def row(self) -> dict[str, Any]:
        """The short form ``gotong feed list`` prints."""
        return {
            "name": self.name,
            "format": self.format,
            "every": self.every if self.enabled else "disabled",
            "last run": self.last_run or "never",
            "outcome": self.outcome or "-",
            "added": self.accepted,
            "problems": self.problem_count,
            "error": (self.error or "")[:60],
        }


def add_feed(
    conn: Connection,
    *,
    name: str,
    source: str,
    fmt: str,
    org: str,
    collection_id: str | None = None,
    classification: str | None = None,
    tlp: str | None = None,
    group: str | None = None,
    valid_days: int | None = 30,
    interval: int | None = None,
    credentials: str | None = None,
    repair: bool = False,
) -> FeedStatus:
    """Register a feed. Everything is checked now, so a feed that is accepted can run.

    ``repair``: each run fixes the mistakes listed in :mod:`gotong.stix.repair`, as ``import --repair``.
    """
    name = name.strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", name):
        raise Invalid(f"feed name {name!r}: use letters, digits, '.', '_' or '-' (at most 100)")
    if fmt not in source_formats():
        raise Invalid(f"unknown feed format {fmt!r}; use one of: {', '.join(source_formats())}")
    if fmt == TAXII and not is_url(source):
        raise Invalid("a taxii feed's source is the URL of a remote collection")
    if fmt == TAXII:
        collection_url(source)  # raises Invalid for a URL that names no collection
    if not is_url(source) and not Path(source).exists():
        raise Invalid(f"{source}: no such file or folder, and not an http(s) URL")
    if fmt in feed_formats():
        if classification is None:
            raise Invalid(
                f"format {fmt} needs a classification (RSIT class/type), e.g. malicious-code/c2-server"
            )
        RsitClassification.parse(classification)
    if tlp is not None:
        tlp = TLP.parse(tlp).slug
    if interval is not None and interval < MIN_INTERVAL:
        raise Invalid(f"interval of {interval} s is shorter than {MIN_INTERVAL} seconds")
    if conn.execute(select(feeds.c.id).where(feeds.c.name == name)).first() is not None:
        raise Conflict(f"a feed named {name!r} exists")
    owner = get_org(conn, short_name=org)
    principal = Principal(org_id=owner.id, org_short=owner.short_name)
    target = writable_collection(conn, principal, collection_id)
    require_write(view_for(conn, principal, target))
    group_id = get_group(conn, name=group).id if group else None
    now = now_micros()
    conn.execute(
        insert(feeds).values(
            name=name,
            source=source,
            format=fmt,
            org_id=owner.id,
            collection_id=target,
            classification=classification,
            tlp=tlp,
            group_id=group_id,
            valid_days=valid_days,
            interval_seconds=interval,
            enabled=True,
            repair=repair,
            credentials=credentials,
            created_at=now,
            next_run_at=now if interval is not None else None,
            failures=0,
            last_accepted=0,
            last_already_present=0,
            last_rejected=0,
            last_problem_count=0,
            total_accepted=0,
        )
    )
    return get_feed(conn, name)


def _status(conn: Connection, row: Any) -> FeedStatus:
    org = get_org(conn, org_id=row.org_id)
    group = get_group(conn, group_id=row.group_id).name if row.group_id is not None else None

    def when(micros: int | None) -> str | None:
        return format_micros(micros) if micros is not None else None

    return FeedStatus(
        name=row.name,
        source=row.source,
        format=row.format,
        org=org.short_name,
        collection_id=row.collection_id,
        tlp=row.tlp,
        group=group,
        classification=row.classification,
        repair=bool(row.repair),
        every=_interval_text(row.interval_seconds),
        enabled=bool(row.enabled),
        has_credentials=bool(row.credentials),
        last_run=when(row.last_run_at),
        last_success=when(row.last_success_at),
        outcome=row.last_outcome,
        accepted=row.last_accepted,
        already_present=row.last_already_present,
        rejected=row.last_rejected,
        problem_count=row.last_problem_count,
        problems=json.loads(row.last_problems) if row.last_problems else [],
        error=row.last_error,
        failures=row.failures,
        next_run=when(row.next_run_at) if row.enabled and row.interval_seconds is not None else None,
        total_accepted=row.total_accepted,
    )


def get_feed(conn: Connection, name: str) -> FeedStatus:
    row = conn.execute(select(feeds).where(feeds.c.name == name)).first()
    if row is None:
        raise NotFound(f"no feed named {name!r}")
    return _status(conn, row)


def list_feeds(conn: Connection, *, org_id: int | None = None) -> list[FeedStatus]:
    """Every feed, or those of one organisation."""
    query = select(feeds).order_by(feeds.c.name)
    if org_id is not None:
        query = query.where(feeds.c.org_id == org_id)
    return [_status(conn, row) for row in conn.execute(query).all()]


def feed_owner(conn: Connection, name: str) -> int:
    row = conn.execute(select(feeds.c.org_id).where(feeds.c.name == name)).first()
    if row is None:
        raise NotFound(f"no feed named {name!r}")
    return int(row.org_id)


def remove_feed(conn: Connection, name: str) -> None:
    """Forget a feed; what it imported stays."""
    if conn.execute(delete(feeds).where(feeds.c.name == name)).rowcount == 0:
        raise NotFound(f"no feed named {name!r}")


def set_enabled(conn: Connection, name: str, enabled: bool) -> FeedStatus:
    now = now_micros()
    changed = conn.execute(
        update(feeds).where(feeds.c.name == name).values(enabled=enabled, next_run_at=now, failures=0)
    ).rowcount
    if changed == 0:
        raise NotFound(f"no feed named {name!r}")
    return get_feed(conn, name)

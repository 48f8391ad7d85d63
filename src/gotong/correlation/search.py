"""Search over objects and observables, with filters, paged, over what the reader may see only.

Filtering by organisation or country never matches an anonymous submission (one sent through the
hub) whose submitter the searcher may not learn (:func:`gotong.sharing.policy.may_learn_submitter`):
that would tell the searcher who sent it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, and_, or_, select

from gotong.correlation.models import object_observables, observables
from gotong.errors import Invalid
from gotong.intel.models import stix_objects
from gotong.intel.query import (
    ObjectFilter,
    decode_cursor,
    encode_cursor,
    render_timestamp,
    version_clause,
    visible_versions,
)
from gotong.orgs.models import organisations
from gotong.sharing.policy import Reader, disclosure_clause, may_learn_submitter
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import TimestampError, micros_of

THROUGH_HUB = "(through the hub)"


@dataclass(frozen=True)
class SearchFilter:
    text: str | None = None
    types: tuple[str, ...] = ()
    tlps: tuple[TLP, ...] = ()
    organisations: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    since: int | None = None
    until: int | None = None

    @classmethod
    def parse(
        cls,
        *,
        q: str | None = None,
        type: str | None = None,
        tlp: str | None = None,
        org: str | None = None,
        country: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> SearchFilter:
        def split(value: str | None) -> tuple[str, ...]:
            return tuple(v.strip() for v in value.split(",") if v.strip()) if value else ()

        return cls(
            text=q.strip() if q and q.strip() else None,
            types=split(type),
            tlps=tuple(TLP.parse(t) for t in split(tlp)),
            organisations=split(org),
            countries=tuple(c.upper() for c in split(country)),
            since=_timestamp("since", since),
            until=_timestamp("until", until),
        )


@dataclass
class SearchPage:
    results: list[dict[str, Any]] = field(default_factory=list)
    more: bool = False
    next: str | None = None


def search(
    conn: Connection, *, reader: Reader, filters: SearchFilter, limit: int, cursor: str | None
) -> SearchPage:
    """One page of the latest visible version of each matching object, oldest first."""
    o = stix_objects
    clauses = [visible_versions(reader)]
    if filters.text:
        needle = f"%{filters.text.lower()}%"
        matching = (
            select(object_observables.c.object_seq)
            .join(observables, observables.c.id == object_observables.c.observable_id)
            .where(observables.c.value.like(needle))
        )
        clauses.append(or_(o.c.stix_id == filters.text, o.c.seq.in_(matching)))
    if filters.types:
        clauses.append(o.c.type.in_(filters.types))
    if filters.tlps:
        clauses.append(o.c.tlp.in_([int(t) for t in filters.tlps]))
    if filters.since is not None:
        clauses.append(o.c.date_added >= filters.since)
    if filters.until is not None:
        clauses.append(o.c.date_added <= filters.until)
    if filters.organisations or filters.countries:
        who = []
        if filters.organisations:
            who.append(organisations.c.short_name.in_(filters.organisations))
        if filters.countries:
            who.append(organisations.c.country.in_(filters.countries))
        clauses.append(
            and_(
                *who,
                disclosure_clause(reader, anonymous_col=o.c.anonymous, submitter_col=o.c.submitter_org_id),
            )
        )
    if cursor:
        clauses.append(o.c.date_added > decode_cursor(cursor))
    # The latest version the reader may see, as TAXII's default match[version]=last.
    clauses.append(version_clause(reader, ObjectFilter().versions, None))
    rows = conn.execute(
        select(
            o.c.stix_id,
            o.c.type,
            o.c.tlp,
            o.c.collection_id,
            o.c.date_added,
            o.c.anonymous,
            o.c.body,
            o.c.submitter_org_id,
            organisations.c.short_name,
            organisations.c.country,
        )
        .join(organisations, organisations.c.id == o.c.submitter_org_id)
        .where(*clauses)
        .order_by(o.c.date_added)
        .limit(limit + 1)
    ).all()
    page = SearchPage(more=len(rows) > limit)
    for row in rows[:limit]:
        hidden = not may_learn_submitter(
            reader, submitter_org_id=row.submitter_org_id, anonymous=bool(row.anonymous)
        )
        body = orjson.loads(row.body)
        page.results.append(
            {
                "id": row.stix_id,
                "type": row.type,
                "name": body.get("name") if isinstance(body.get("name"), str) else None,
                "tlp": TLP(row.tlp).label,
                "collection_id": row.collection_id,
                "reported_by": THROUGH_HUB if hidden else row.short_name,
                "country": None if hidden else row.country,
                "date_added": render_timestamp(row.date_added),
            }
        )
    if page.more:
        page.next = encode_cursor(rows[limit - 1].date_added)
    return page


def _timestamp(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return micros_of(value)
    except TimestampError as exc:
        raise Invalid(f"{name}: {exc}") from None

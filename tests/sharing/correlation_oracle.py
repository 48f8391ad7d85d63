"""What the correlation read paths should answer on a world, derived from the oracle's rules.

Lookups, search, sighting aggregates and regional alerts are worked out here from what was posted
(the observables each version carries, who sent it, whether through the hub, the organisations'
countries) and from :meth:`~tests.sharing.oracle.Rules.sees`, never from Gotong's observable index,
its alerts tables or its stored markings. Only formatting is borrowed (timestamps, TLP labels).

The answers follow ``docs/correlation.md``: every object, count, country, reporter and date comes from
versions the reader may see; an observable carried only by versions it may not see gives the answer
of an observable never seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gotong.correlation.index import FALSE_POSITIVE
from gotong.intel.query import render_timestamp
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import micros_of
from tests.sharing.worlds import Observable, StoredRow, World

THROUGH_HUB = "(through the hub)"


def carriers(world: World, observable: Observable) -> list[StoredRow]:
    """The world's versions that carry ``observable``, oldest first."""
    return [r for r in world.rows if observable in r.posted.carries]


def involved(world: World, observable: Observable) -> list[StoredRow]:
    """What reports an observable for alerts (docs/correlation.md): versions carrying it, and sightings
    of those objects that are not false positives and that can only have seen this value (the world's
    sightings name no value, so the sighted version must carry this value alone)."""
    alone = {r.stix_id for r in carriers(world, observable) if len(set(r.posted.carries)) == 1}
    return [
        r
        for r in world.rows
        if observable in r.posted.carries
        or (r.posted.body.get("sighting_of_ref") in alone and not r.posted.body.get(FALSE_POSITIVE))
    ]


def may_learn(reader: str | None, row: StoredRow, *, hub_admin: bool = False) -> bool:
    """docs/sharing.md: of a version sent through the hub, only its submitter and the hub's admins
    may learn who sent it; of any other version, everyone who may see it."""
    return not row.posted.through_hub or hub_admin or row.posted.submitter == reader


def reporter(
    world: World, reader: str | None, row: StoredRow, *, hub_admin: bool = False
) -> tuple[str, str | None]:
    """Who reported a version and from which country, as ``reader`` may know it."""
    posted = row.posted
    if not may_learn(reader, row, hub_admin=hub_admin):
        return THROUGH_HUB, None
    return posted.submitter, world.rules.orgs[posted.submitter].country


def country(world: World, row: StoredRow) -> str | None:
    """The country a version counts for in an alert: none when it came through the hub."""
    return None if row.posted.through_hub else world.rules.orgs[row.posted.submitter].country


def _latest(rows: list[StoredRow], *, by: str) -> list[StoredRow]:
    """Per object and collection, the one of ``rows`` with the highest ``version`` or ``date_added``."""
    latest: dict[tuple[str, str], StoredRow] = {}
    for row in rows:
        best = latest.get((row.collection_id, row.stix_id))
        if best is None or getattr(row, by) > getattr(best, by):
            latest[(row.collection_id, row.stix_id)] = row
    return list(latest.values())


def _name(row: StoredRow) -> str | None:
    name = row.posted.body.get("name")
    return name if isinstance(name, str) else None


def _tlp(world: World, row: StoredRow) -> str:
    return TLP.parse(world.rules.marking(row.posted)).label


def lookup(world: World, reader: str, observable: Observable, *, hub_admin: bool = False) -> dict[str, Any]:
    """A lookup's answer, in the shape of ``asdict(Correlation)`` without scores and observables.

    The objects are, per object and collection, the latest version (highest ``modified``) the reader
    may see among those that carry the observable, even when versions were posted out of order;
    countries and reporters are theirs; first and last seen span every version the reader may see
    that carries it.
    """
    visible = [r for r in carriers(world, observable) if world.rules.sees(reader, r.posted)]
    objects = []
    for row in _latest(visible, by="version"):
        reported_by, from_country = reporter(world, reader, row, hub_admin=hub_admin)
        seen = (
            sightings(world, reader, row.stix_id, hub_admin=hub_admin)
            if row.posted.body["type"] == "indicator"
            else None
        )
        objects.append(
            {
                "id": row.stix_id,
                "type": row.posted.body["type"],
                "name": _name(row),
                "collection_id": row.collection_id,
                "tlp": _tlp(world, row),
                "reported_by": reported_by,
                "country": from_country,
                "date_added": render_timestamp(row.date_added),
                "sightings": seen["sightings"] if seen else 0,
                "false_positives": seen["false_positives"] if seen else 0,
            }
        )
    return {
        "value": observable[1],
        "objects": sorted(objects, key=lambda o: (o["collection_id"], o["id"])),
        "countries": sorted({o["country"] for o in objects if o["country"]}),
        "reporters": sorted({o["reported_by"] for o in objects}),
        "first_seen": render_timestamp(visible[0].date_added) if visible else None,
        "last_seen": render_timestamp(visible[-1].date_added) if visible else None,
        "warninglists": [],
    }


def sightings(world: World, reader: str, indicator_id: str, *, hub_admin: bool = False) -> dict[str, Any]:
    """``asdict(SightingSummary)`` for one indicator, first and last seen in microseconds.

    Sums the counts of the sightings the reader may see, per country (``(through the hub)`` for
    anonymous ones whose submitter the reader may not learn, ``regional`` for an organisation
    without a country); a false positive counts as one report, not its count.
    """
    summary: dict[str, Any] = {
        "indicator": indicator_id,
        "sightings": 0,
        "false_positives": 0,
        "first_seen": None,
        "last_seen": None,
        "by_country": {},
    }
    firsts, lasts = [], []
    for row in world.rows:
        body = row.posted.body
        if body.get("sighting_of_ref") != indicator_id or not world.rules.sees(reader, row.posted):
            continue
        if body.get("x_gotong_false_positive") is True:
            summary["false_positives"] += 1
        else:
            summary["sightings"] += body["count"]
            known = may_learn(reader, row, hub_admin=hub_admin)
            where = (world.rules.orgs[row.posted.submitter].country or "regional") if known else THROUGH_HUB
            summary["by_country"][where] = summary["by_country"].get(where, 0) + body["count"]
        if "first_seen" in body:
            firsts.append(micros_of(body["first_seen"]))
            lasts.append(micros_of(body["last_seen"]))
    summary["first_seen"] = min(firsts, default=None)
    summary["last_seen"] = max(lasts, default=None)
    return summary


@dataclass(frozen=True)
class SearchQuery:
    text: str | None = None
    types: tuple[str, ...] = ()
    tlps: tuple[str, ...] = ()  # oracle levels
    orgs: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()


def search(world: World, reader: str, query: SearchQuery, *, hub_admin: bool = False) -> list[dict[str, Any]]:
    """Search results, oldest first: the latest version (highest ``modified``) the reader may see of
    each object per collection, when that version matches. Filtering by organisation or country never
    matches an anonymous version whose submitter the reader may not learn."""
    visible = [r for r in world.rows if world.rules.sees(reader, r.posted)]
    results = []
    for row in sorted(_latest(visible, by="version"), key=lambda r: r.date_added):
        posted = row.posted
        if query.text is not None and not (
            row.stix_id == query.text or any(query.text.lower() in value for _, value in posted.carries)
        ):
            continue
        if query.types and posted.body["type"] not in query.types:
            continue
        if query.tlps and world.rules.marking(posted) not in query.tlps:
            continue
        if query.orgs or query.countries:
            if not may_learn(reader, row, hub_admin=hub_admin):
                continue
            if query.orgs and posted.submitter not in query.orgs:
                continue
            if query.countries and world.rules.orgs[posted.submitter].country not in query.countries:
                continue
        reported_by, from_country = reporter(world, reader, row, hub_admin=hub_admin)
        results.append(
            {
                "id": row.stix_id,
                "type": posted.body["type"],
                "name": _name(row),
                "tlp": _tlp(world, row),
                "collection_id": row.collection_id,
                "reported_by": reported_by,
                "country": from_country,
                "date_added": render_timestamp(row.date_added),
            }
        )
    return results


def alerts(world: World, reader: str, *, hub_admin: bool = False) -> dict[str, dict[str, Any]]:
    """The regional alerts ``reader`` may know of, by observable value, as it may see them.

    An alert exists once versions from two or more countries report the observable (the world's
    posts all fall within one alert window). The reader knows of it if it may see a version carrying
    the observable and either sees reports from two or more countries or submitted one of the
    reports itself; it is shown the versions it may see, their countries, and their first and last
    ``date_added`` as the alert's ``raised_at`` and ``updated_at``.
    """
    known: dict[str, dict[str, Any]] = {}
    for observable in world.observables:
        reports = involved(world, observable)
        if len({country(world, r) for r in reports} - {None}) < 2:
            continue
        visible = [r for r in reports if world.rules.sees(reader, r.posted)]
        countries = sorted({c for r in visible if (c := country(world, r))})
        own = any(r.posted.submitter == reader for r in reports)
        if not any(observable in r.posted.carries for r in visible):
            continue
        if len(countries) < 2 and not own:
            continue
        known[observable[1]] = {
            "kind": observable[0],
            "value": observable[1],
            "countries": countries,
            "raised_at": render_timestamp(visible[0].date_added),
            "updated_at": render_timestamp(visible[-1].date_added),
            "objects": [
                {
                    "id": r.stix_id,
                    "type": r.posted.body["type"],
                    "collection_id": r.collection_id,
                    "reported_by": reporter(world, reader, r, hub_admin=hub_admin)[0],
                    "date_added": render_timestamp(r.date_added),
                }
                for r in visible
            ],
        }
    return known

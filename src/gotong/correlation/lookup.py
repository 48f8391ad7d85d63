"""Correlation lookups: which objects share an observable, and who reported it — over what the
reader may see only. Objects, counts, countries and dates of invisible versions never show.

Usually one indexed query: the versions linked to the observables that the reader may see, flagged when
they have sightings or warninglist hits (rare, so queried only then). It runs in tens of microseconds;
building it, above all the sharing policy's clause, costs far more. So statements are built once: with
bound parameters, and once per reader (a bounded cache keyed by everything the reader holds) where the
policy's clause is part of them. See docs/benchmarks.md, "Correlation lookups".
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from sqlalchemy import Connection, Select, bindparam, exists, select

from gotong.core.auth import Principal
from gotong.correlation.index import observable_key, observables_in_network
from gotong.correlation.models import object_observables, observables, sighting_facts, warning_hits
from gotong.correlation.observables import Observable, normalise
from gotong.correlation.scores import indicator_score
from gotong.correlation.statements import PerReader
from gotong.errors import Invalid
from gotong.intel.models import stix_objects
from gotong.intel.query import render_timestamp, visible_versions
from gotong.orgs.models import organisations
from gotong.orgs.service import get_org
from gotong.sharing.policy import Reader, may_learn_submitter
from gotong.sharing.service import load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import now_micros

_HASH_KINDS = {32: "MD5", 40: "SHA-1", 64: "SHA-256", 128: "SHA-512"}
_HEX = re.compile(r"^[0-9a-fA-F]+$")
THROUGH_HUB = "(through the hub)"


@dataclass(frozen=True)
class Sharer:
    """One stored object that carries the observable, as the reader sees it."""

    id: str
    type: str
    name: str | None
    collection_id: str
    tlp: str
    reported_by: str
    country: str | None
    date_added: str
    score: int | None = None
    sightings: int = 0
    false_positives: int = 0


@dataclass
class Correlation:
    value: str
    observables: list[Observable] = field(default_factory=list)
    objects: list[Sharer] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    reporters: list[str] = field(default_factory=list)
    first_seen: str | None = None
    last_seen: str | None = None
    warninglists: list[dict[str, str]] = field(default_factory=list)


def candidate_observables(value: str, kind: str | None = None) -> list[Observable]:
    """The observables a raw value may stand for (an analyst types a value, not a STIX path)."""
    value = value.strip()
    if not value:
        raise Invalid("give a value to look up")
    kinds = [kind] if kind else _guess_kinds(value)
    found = []
    for candidate in kinds:
        normal = normalise(candidate, value)
        if normal is not None:
            found.append(Observable(candidate, normal))
    if not found:
        raise Invalid(f"{value!r} is not a valid {kind or 'IP address, domain, URL, e-mail address or hash'}")
    return found


def lookup(conn: Connection, *, reader: Reader, value: str, kind: str | None = None) -> Correlation:
    """Everything the reader may see that shares the observable(s) ``value`` stands for."""
    wanted = candidate_observables(value, kind)
    if "/" in value and wanted[0].kind in ("ipv4-addr", "ipv6-addr"):  # a CIDR: inside and around it too
        wanted = observables_in_network(conn, wanted[0])
    result = Correlation(value=value, observables=wanted)
    keys = sorted({observable_key(o.kind, o.value) for o in wanted})
    # A key is 63 bits of a hash: a row counts only for the kind and value it was asked for.
    found = conn.execute(_sharers(reader), {"keys": keys}).all()
    asked = set(wanted)
    rows = [row for row in found if Observable(row.observable_kind, row.observable_value) in asked]
    latest: dict[tuple[str, str], Any] = {}
    for row in rows:  # per object: the highest version (modified), whatever order versions came in
        best = latest.get((row.collection_id, row.stix_id))
        if best is None or row.version >= best.version:
            latest[(row.collection_id, row.stix_id)] = row
    bodies: dict[str, Any] = {}
    for row in latest.values():
        hidden = not may_learn_submitter(
            reader, submitter_org_id=row.submitter_org_id, anonymous=bool(row.anonymous)
        )
        body = bodies[row.stix_id] = orjson.loads(row.body)
        result.objects.append(
            Sharer(
                id=row.stix_id,
                type=row.type,
                name=body.get("name") if isinstance(body.get("name"), str) else None,
                collection_id=row.collection_id,
                tlp=TLP(row.tlp).label,
                reported_by=THROUGH_HUB if hidden else row.short_name,
                country=None if hidden else row.country,
                date_added=render_timestamp(row.date_added),
            )
        )
    sighted = {row.stix_id for row in latest.values() if row.sighted}
    _add_scores(conn, reader, result, bodies, sighted)
    result.countries = sorted({s.country for s in result.objects if s.country})
    result.reporters = sorted({s.reported_by for s in result.objects})
    if rows:
        result.first_seen = render_timestamp(rows[0].date_added)
        result.last_seen = render_timestamp(rows[-1].date_added)
    if any(r.flagged for r in rows):
        hits = conn.execute(_WARNING_HITS, {"seqs": [r.seq for r in rows]}).all()
        result.warninglists = [{"list": h.list_id, "name": h.list_name, "matched": h.matched} for h in hits]
    return result


def _add_scores(
    conn: Connection, reader: Reader, result: Correlation, bodies: dict[str, Any], sighted: set[str]
) -> None:
    """Sightings and scores of the indicators; ``sighted``: ids with any sightings, visible or not."""
    from gotong.correlation.sightings import SightingSummary, summarise  # sightings builds on lookup

    indicators = [s.id for s in result.objects if s.type == "indicator"]
    if not indicators:
        return
    # Most indicators were never sighted, and summarise would count none for them: it is asked
    # (and decides which sightings the reader may see) only about those sighted at all.
    asked = sorted(sighted.intersection(indicators))
    summaries = summarise(conn, reader=reader, indicator_ids=asked) if asked else {}
    now = now_micros()
    for position, sharer in enumerate(result.objects):
        if sharer.type != "indicator":
            continue
        summary = summaries.get(sharer.id) or SightingSummary(indicator=sharer.id)
        result.objects[position] = replace(
            sharer,
            sightings=summary.sightings,
            false_positives=summary.false_positives,
            score=indicator_score(
                bodies[sharer.id],
                sightings=summary.sightings,
                false_positives=summary.false_positives,
                now=now,
            ),
        )


def _build_sharers(reader: Reader) -> Select[Any]:
    o = stix_objects
    return (
        select(
            o.c.seq,
            o.c.stix_id,
            o.c.type,
            o.c.collection_id,
            o.c.tlp,
            o.c.version,
            o.c.date_added,
            o.c.anonymous,
            o.c.submitter_org_id,
            o.c.body,
            organisations.c.short_name,
            organisations.c.country,
            observables.c.kind.label("observable_kind"),
            observables.c.value.label("observable_value"),
            # Rare, so asked here rather than in queries of their own, which would mostly find nothing.
            exists().where(sighting_facts.c.sighting_of_ref == o.c.stix_id).label("sighted"),
            exists().where(warning_hits.c.object_seq == o.c.seq).label("flagged"),
        )
        .join(object_observables, object_observables.c.object_seq == o.c.seq)
        .join(observables, observables.c.id == object_observables.c.observable_id)
        .join(organisations, organisations.c.id == o.c.submitter_org_id)
        .where(observables.c.key.in_(bindparam("keys", expanding=True)), visible_versions(reader))
        .order_by(o.c.date_added)
    )


_sharers = PerReader(_build_sharers)
_WARNING_HITS = (
    select(warning_hits.c.list_id, warning_hits.c.list_name, warning_hits.c.matched)
    .where(warning_hits.c.object_seq.in_(bindparam("seqs", expanding=True)))
    .distinct()
)


def _guess_kinds(value: str) -> list[str]:
    try:
        network = ipaddress.ip_network(value, strict=False)
        return ["ipv4-addr"] if network.version == 4 else ["ipv6-addr"]
    except ValueError:
        pass
    if "://" in value:
        return ["url"]
    if "@" in value:
        return ["email-addr"]
    if _HEX.match(value) and len(value) in _HASH_KINDS:
        algorithm = _HASH_KINDS[len(value)]
        return [f"file:hashes.{algorithm}", f"x509-certificate:hashes.{algorithm}"]
    return ["domain-name"]


def lookup_as(conn: Connection, *, org: str, value: str, kind: str | None = None) -> Correlation:
    """:func:`lookup` as organisation ``org`` (a short name) sees the data."""
    organisation = get_org(conn, short_name=org)
    principal = Principal(org_id=organisation.id, org_short=organisation.short_name)
    return lookup(conn, reader=load_reader(conn, principal), value=value, kind=kind)

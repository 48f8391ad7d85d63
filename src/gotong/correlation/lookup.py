"""Correlation lookups: which objects share an observable, and who reported it — over what the
reader may see only. Objects, counts, countries and dates of invisible versions never show."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from sqlalchemy import Connection, select

from gotong.correlation.index import observable_ids
from gotong.correlation.models import object_observables, warning_hits
from gotong.correlation.observables import Observable, normalise
from gotong.correlation.scores import indicator_score
from gotong.errors import Invalid
from gotong.intel.models import stix_objects
from gotong.intel.query import render_timestamp, visible_versions
from gotong.orgs.models import organisations
from gotong.sharing.policy import Reader
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
    result = Correlation(value=value, observables=wanted)
    ids = observable_ids(conn, wanted, create=False)
    if not ids:
        return result
    o = stix_objects
    visible = visible_versions(reader)
    rows = conn.execute(
        select(
            o.c.seq,
            o.c.stix_id,
            o.c.type,
            o.c.collection_id,
            o.c.tlp,
            o.c.date_added,
            o.c.anonymous,
            o.c.body,
            organisations.c.short_name,
            organisations.c.country,
        )
        .join(object_observables, object_observables.c.object_seq == o.c.seq)
        .join(organisations, organisations.c.id == o.c.submitter_org_id)
        .where(object_observables.c.observable_id.in_(list(ids.values())), visible)
        .order_by(o.c.date_added)
    ).all()
    latest: dict[tuple[str, str], Any] = {}
    for row in rows:
        latest[(row.collection_id, row.stix_id)] = row  # ordered by date_added: the last one wins
    me = _reader_short(conn, reader)
    bodies: dict[str, Any] = {}
    for row in latest.values():
        hidden = bool(row.anonymous) and row.short_name != me
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
    _add_scores(conn, reader, result, bodies)
    result.countries = sorted({s.country for s in result.objects if s.country})
    result.reporters = sorted({s.reported_by for s in result.objects})
    if rows:
        result.first_seen = render_timestamp(rows[0].date_added)
        result.last_seen = render_timestamp(rows[-1].date_added)
    seqs = [r.seq for r in rows]
    if seqs:
        hits = conn.execute(
            select(warning_hits.c.list_id, warning_hits.c.list_name, warning_hits.c.matched)
            .where(warning_hits.c.object_seq.in_(seqs))
            .distinct()
        ).all()
        result.warninglists = [{"list": h.list_id, "name": h.list_name, "matched": h.matched} for h in hits]
    return result


def _add_scores(conn: Connection, reader: Reader, result: Correlation, bodies: dict[str, Any]) -> None:
    from gotong.correlation.sightings import summarise  # sightings builds on lookup

    indicators = [s for s in result.objects if s.type == "indicator"]
    if not indicators:
        return
    summaries = summarise(conn, reader=reader, indicator_ids=[s.id for s in indicators])
    now = now_micros()
    for position, sharer in enumerate(result.objects):
        if sharer.type != "indicator":
            continue
        summary = summaries[sharer.id]
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


def _reader_short(conn: Connection, reader: Reader) -> str | None:
    if reader.org_id is None:
        return None
    return conn.execute(
        select(organisations.c.short_name).where(organisations.c.id == reader.org_id)
    ).scalar_one_or_none()


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

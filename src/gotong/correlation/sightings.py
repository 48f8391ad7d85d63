"""Sightings: "we saw this indicator N times", aggregated per indicator and per country.

A sighting arrives as a standard STIX ``sighting`` object (over TAXII or from the one-call REST
endpoint, which writes one). A false-positive report is a sighting carrying
``x_gotong_false_positive: true``: "we saw it, and it was benign". Aggregates only ever count the
sightings the reader may see.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Select, bindparam, func, select

from gotong.core.auth import Principal
from gotong.core.permissions import require_writer
from gotong.correlation.index import FALSE_POSITIVE, SIGHTED
from gotong.correlation.lookup import lookup
from gotong.correlation.models import sighting_facts
from gotong.correlation.statements import PerReader
from gotong.db.engine import read_connection
from gotong.errors import Invalid, NotFound
from gotong.intel.models import stix_objects
from gotong.intel.query import visible_versions
from gotong.intel.store import StatusReport, add_objects
from gotong.orgs.models import organisations
from gotong.orgs.service import get_org
from gotong.sharing.policy import Reader, may_learn_submitter
from gotong.sharing.service import load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import format_micros, now_micros


@dataclass
class SightingSummary:
    indicator: str
    sightings: int = 0
    false_positives: int = 0
    first_seen: str | None = None
    last_seen: str | None = None
    by_country: dict[str, int] = field(default_factory=dict)


def summarise(
    conn: Connection, *, reader: Reader, indicator_ids: Sequence[str]
) -> dict[str, SightingSummary]:
    """Sightings of each indicator, counting only sightings the reader may see."""
    rows = conn.execute(_summary(reader), {"ids": list(indicator_ids)}).all()
    result = {i: SightingSummary(indicator=i) for i in indicator_ids}
    for row in rows:
        summary = result[row.sighting_of_ref]
        if row.false_positive:
            summary.false_positives += int(row.reports)
        else:
            summary.sightings += int(row.seen or 0)
            disclosed = may_learn_submitter(
                reader, submitter_org_id=row.submitter_org_id, anonymous=bool(row.anonymous)
            )
            country = (row.country or "regional") if disclosed else "(through the hub)"
            summary.by_country[country] = summary.by_country.get(country, 0) + int(row.seen or 0)
        if row.first is not None:
            first = format_micros(row.first)
            summary.first_seen = min(filter(None, [summary.first_seen, first]))
        if row.last is not None:
            last = format_micros(row.last)
            summary.last_seen = max(filter(None, [summary.last_seen, last]))
    return result


def _build_summary(reader: Reader) -> Select[Any]:
    o = stix_objects
    return (
        select(
            sighting_facts.c.sighting_of_ref,
            sighting_facts.c.false_positive,
            o.c.anonymous,
            o.c.submitter_org_id,
            organisations.c.country,
            func.sum(sighting_facts.c.count).label("seen"),
            func.count().label("reports"),
            func.min(sighting_facts.c.first_seen).label("first"),
            func.max(sighting_facts.c.last_seen).label("last"),
        )
        .join(o, o.c.seq == sighting_facts.c.object_seq)
        .join(organisations, organisations.c.id == o.c.submitter_org_id)
        .where(
            sighting_facts.c.sighting_of_ref.in_(bindparam("ids", expanding=True)), visible_versions(reader)
        )
        .group_by(
            sighting_facts.c.sighting_of_ref,
            sighting_facts.c.false_positive,
            o.c.anonymous,
            o.c.submitter_org_id,
            organisations.c.country,
        )
    )


_summary = PerReader(_build_summary)


def report_sighting(
    engine: Engine,
    *,
    principal: Principal,
    value: str,
    collection_id: str,
    count: int = 1,
    first_seen: str | None = None,
    last_seen: str | None = None,
    false_positive: bool = False,
    tlp: TLP = TLP.GREEN,
    kind: str | None = None,
) -> StatusReport:
    """ "We saw VALUE N times between T1 and T2": one sighting per visible indicator carrying it.

    Needs a token that may write (readonly tokens may not).
    """
    require_writer(principal)
    if not 0 <= count <= 999_999_999:
        raise Invalid("count must be between 0 and 999,999,999")
    with read_connection(engine) as conn:
        org = get_org(conn, org_id=principal.org_id)
        found = lookup(conn, reader=load_reader(conn, principal), value=value, kind=kind)
    indicators = sorted({o.id for o in found.objects if o.type == "indicator"})
    if not indicators:
        raise NotFound(f"no indicator you may see carries {value!r}")
    now = format_micros(now_micros(), digits=3)
    objects = []
    for indicator_id in indicators:
        sighting: dict[str, Any] = {
            "type": "sighting",
            "spec_version": "2.1",
            "id": f"sighting--{uuid.uuid4()}",
            "created": now,
            "modified": now,
            "created_by_ref": org.identity_id,
            "sighting_of_ref": indicator_id,
            "where_sighted_refs": [org.identity_id],
            "count": count,
            "object_marking_refs": [tlp.marking_id],
        }
        if first_seen:
            sighting["first_seen"] = first_seen
        if last_seen:
            sighting["last_seen"] = last_seen
        if false_positive:
            sighting[FALSE_POSITIVE] = True
        if len(found.observables) == 1:  # the value seen: it counts for that value of the indicator only
            sighting[SIGHTED] = {"kind": found.observables[0].kind, "value": found.observables[0].value}
        objects.append(sighting)
    return add_objects(engine, principal=principal, collection_id=collection_id, objects=objects)

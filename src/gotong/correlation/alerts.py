"""Regional alerts: the same observable reported from two or more member countries within a window.

Detection runs in the store's write transaction, right after the new versions are indexed. Who
sees an alert is decided with the sharing policy (:func:`gotong.sharing.policy.may_see`) on the
versions involved (those carrying the observable and sightings of them):

* only an organisation that may see a version carrying the observable may learn of the alert (a
  sighting names an indicator, not its values);
* an organisation that may see involved versions from two or more countries sees the alert, with
  exactly those versions and countries;
* an organisation whose own submission is involved sees the alert too, but only its own versions
  and the countries of what it may see: it learns that its indicator matched elsewhere in the
  region, not where or by whom;
* anyone else does not learn that the alert exists.

What an organisation is shown is computed from the versions it may see alone, dates included: its
``raised_at`` and ``updated_at`` are the first and last ``date_added`` among them, and a version
it may not see joining the alert changes nothing for it, nor sends its webhooks anything.
Anonymous submissions (through the hub) never count as a country, so an alert cannot betray where
one came from; who reported each version shows only where the sharing policy lets the reader learn
it (:func:`gotong.sharing.policy.may_learn_submitter`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    exists,
    func,
    insert,
    not_,
    or_,
    select,
    union_all,
    update,
)

from gotong.correlation.models import (
    alert_acknowledgements,
    alert_objects,
    alerts,
    object_observables,
    observables,
    sighting_facts,
)
from gotong.errors import NotFound
from gotong.intel.models import stix_objects
from gotong.intel.query import render_timestamp
from gotong.orgs.models import organisations
from gotong.sharing.policy import Marked, Reader, may_learn_submitter, may_see
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import micros_of

_CHUNK = 500


@dataclass
class AlertView:
    """An alert as one organisation sees it."""

    id: int
    kind: str
    value: str
    raised_at: str
    updated_at: str
    countries: list[str] = field(default_factory=list)
    objects: list[dict[str, Any]] = field(default_factory=list)
    acknowledged_by: str | None = None
    acknowledged_at: str | None = None


def detect(
    conn: Connection, *, observable_ids: Collection[int], since: int, now: int
) -> dict[int, list[int]]:
    """Raise or extend alerts for observables now reported from two or more countries.

    Returns the alerts raised or extended, each with the versions (seqs) that joined it now.
    """
    touched: dict[int, list[int]] = {}
    ids = sorted(set(observable_ids))
    countries = {r.id: r.country for r in conn.execute(select(organisations.c.id, organisations.c.country))}
    for start in range(0, len(ids), _CHUNK):
        reports: dict[int, list[Any]] = {}
        for row in conn.execute(_reports(ids[start : start + _CHUNK], since)):
            reports.setdefault(row.observable_id, []).append(row)
        for observable_id, rows in reports.items():
            seen_in = {countries.get(r.submitter_org_id) for r in rows if not r.anonymous} - {None}
            if len(seen_in) >= 2:
                alert_id, joined = _raise(conn, observable_id, {r.seq for r in rows}, since=since, now=now)
                touched.setdefault(alert_id, []).extend(joined)
    return touched


def observables_of_sightings(conn: Connection, sighted_ids: Collection[str]) -> set[int]:
    """The observables of the indicators that new sightings refer to."""
    if not sighted_ids:
        return set()
    o = stix_objects
    query = (
        select(object_observables.c.observable_id)
        .join(o, o.c.seq == object_observables.c.object_seq)
        .where(o.c.stix_id.in_(sorted(sighted_ids)))
    )
    return set(conn.execute(query).scalars())


def alerts_for(
    conn: Connection, *, reader: Reader, alert_ids: Collection[int] | None = None
) -> list[AlertView]:
    """The alerts ``reader`` may know of, each showing only what the reader may see."""
    acks = alert_acknowledgements
    query = (
        select(
            alerts, observables.c.kind, observables.c.value, acks.c.acknowledged_by, acks.c.acknowledged_at
        )
        .join(observables, observables.c.id == alerts.c.observable_id)
        .outerjoin(acks, (acks.c.alert_id == alerts.c.id) & (acks.c.org_id == (reader.org_id or -1)))
    )
    if alert_ids is not None:
        query = query.where(alerts.c.id.in_(sorted(alert_ids)))
    views = []
    for alert in conn.execute(query.order_by(alerts.c.id)).all():
        view = _view(conn, reader, alert)
        if view is not None:
            views.append(view)
    # In the order the reader came to see them: the node's order would tell of versions it may not see.
    return sorted(views, key=lambda v: (micros_of(v.raised_at), v.id))


def acknowledgements(conn: Connection, *, alert_ids: Collection[int]) -> list[tuple[int, int, int]]:
    """(alert, organisation, acknowledged at) of the alerts given; the caller decided they are known."""
    if not alert_ids:
        return []
    acks = alert_acknowledgements
    rows = conn.execute(
        select(acks.c.alert_id, acks.c.org_id, acks.c.acknowledged_at).where(
            acks.c.alert_id.in_(sorted(alert_ids))
        )
    ).all()
    return [(r.alert_id, r.org_id, r.acknowledged_at) for r in rows]


def acknowledge(conn: Connection, *, reader: Reader, alert_id: int, by: str, now: int) -> AlertView:
    """Mark an alert acknowledged by a user; only someone who may know of the alert can."""
    found = alerts_for(conn, reader=reader, alert_ids=[alert_id]) if 0 < alert_id < 2**63 else []
    if not found:
        raise NotFound(f"no alert {alert_id} is visible to you")
    if reader.org_id is None:
        raise NotFound(f"no alert {alert_id} is visible to you")
    acks = alert_acknowledgements
    mine = (acks.c.alert_id == alert_id) & (acks.c.org_id == reader.org_id)
    if conn.execute(select(acks.c.alert_id).where(mine)).first() is None:
        conn.execute(
            insert(acks).values(
                alert_id=alert_id, org_id=reader.org_id, acknowledged_by=by, acknowledged_at=now
            )
        )
    else:
        conn.execute(update(acks).where(mine).values(acknowledged_by=by, acknowledged_at=now))
    return alerts_for(conn, reader=reader, alert_ids=[alert_id])[0]


def _reports(ids: list[int], since: int) -> Any:
    o = stix_objects
    carriers = (
        select(object_observables.c.observable_id, o.c.seq, o.c.submitter_org_id, o.c.anonymous)
        .join(o, o.c.seq == object_observables.c.object_seq)
        .where(object_observables.c.observable_id.in_(ids), o.c.date_added >= since)
    )
    indicator = stix_objects.alias("indicator")
    sighting = stix_objects.alias("sighting")
    sightings = (
        select(
            object_observables.c.observable_id,
            sighting.c.seq,
            sighting.c.submitter_org_id,
            sighting.c.anonymous,
        )
        .join(indicator, indicator.c.seq == object_observables.c.object_seq)
        .join(sighting_facts, sighting_facts.c.sighting_of_ref == indicator.c.stix_id)
        .join(sighting, sighting.c.seq == sighting_facts.c.object_seq)
        .where(
            object_observables.c.observable_id.in_(ids),
            sighting.c.date_added >= since,
            *_COUNTED_SIGHTING,
        )
    )
    return union_all(carriers, sightings)


# Which sightings count as a report of an observable (the indicator's link row in ``_reports``):
# never a false positive ("seen, and benign" lowers an observable's standing, it cannot raise an
# alert); one that names the value it saw counts for that value only; one that names none counts
# only for an indicator of one value, as for an indicator of several (an OR of addresses) which of
# them was seen is unknown.
_each = object_observables.alias("each_value")
_indicator_values = (
    select(func.count()).where(_each.c.object_seq == object_observables.c.object_seq).scalar_subquery()
)
_COUNTED_SIGHTING = (
    not_(sighting_facts.c.false_positive),
    or_(
        sighting_facts.c.observable_id == object_observables.c.observable_id,
        and_(sighting_facts.c.observable_id.is_(None), _indicator_values == 1),
    ),
)


def _raise(
    conn: Connection, observable_id: int, seqs: set[int], *, since: int, now: int
) -> tuple[int, list[int]]:
    open_alert = conn.execute(
        select(alerts.c.id).where(alerts.c.observable_id == observable_id, alerts.c.updated_at >= since)
    ).scalar()
    if open_alert is None:
        open_alert = conn.execute(
            insert(alerts)
            .values(observable_id=observable_id, raised_at=now, updated_at=now)
            .returning(alerts.c.id)
        ).scalar_one()
    else:
        conn.execute(update(alerts).where(alerts.c.id == open_alert).values(updated_at=now))
    known = set(
        conn.execute(
            select(alert_objects.c.object_seq).where(alert_objects.c.alert_id == open_alert)
        ).scalars()
    )
    new = sorted(seqs - known)
    if new:
        conn.execute(insert(alert_objects), [{"alert_id": open_alert, "object_seq": s} for s in new])
    return int(open_alert), new


def _view(conn: Connection, reader: Reader, alert: Any) -> AlertView | None:
    o = stix_objects
    rows = conn.execute(
        select(
            o.c.seq,
            o.c.stix_id,
            o.c.type,
            o.c.collection_id,
            o.c.tlp,
            o.c.group_id,
            o.c.submitter_org_id,
            o.c.anonymous,
            o.c.date_added,
            organisations.c.short_name,
            organisations.c.country,
            exists()
            .where(
                object_observables.c.object_seq == o.c.seq,
                object_observables.c.observable_id == alert.observable_id,
            )
            .label("carries"),
        )
        .join(alert_objects, alert_objects.c.object_seq == o.c.seq)
        .join(organisations, organisations.c.id == o.c.submitter_org_id)
        .where(alert_objects.c.alert_id == alert.id)
        .order_by(o.c.date_added)
    ).all()
    visible = [
        r
        for r in rows
        if may_see(reader, Marked(r.collection_id, TLP(r.tlp), r.group_id, r.submitter_org_id))
    ]
    if not any(r.carries for r in visible):
        return None  # the value would be news: what the reader sees of the alert does not tell it
    countries = sorted({r.country for r in visible if r.country and not r.anonymous})
    own = any(r.submitter_org_id == reader.org_id for r in rows)
    if len(countries) < 2 and not own:
        return None
    return AlertView(
        id=alert.id,
        kind=alert.kind,
        value=alert.value,
        raised_at=render_timestamp(visible[0].date_added),
        updated_at=render_timestamp(visible[-1].date_added),
        countries=countries,
        objects=[
            {
                "id": r.stix_id,
                "type": r.type,
                "collection_id": r.collection_id,
                "reported_by": r.short_name
                if may_learn_submitter(
                    reader, submitter_org_id=r.submitter_org_id, anonymous=bool(r.anonymous)
                )
                else "(through the hub)",
                "date_added": render_timestamp(r.date_added),
            }
            for r in visible
        ],
        acknowledged_by=alert.acknowledged_by,
        acknowledged_at=render_timestamp(alert.acknowledged_at) if alert.acknowledged_at else None,
    )

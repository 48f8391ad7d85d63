"""Building the observable index as versions are stored, and flagging warninglist hits.

Runs inside the store's write transaction, so an object is never visible without its index rows
and the index never names an object that was rolled back.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, insert, select

from gotong.correlation.alerts import detect, observables_of_sightings
from gotong.correlation.models import object_observables, observables, sighting_facts, warning_hits
from gotong.correlation.normalise import address_span
from gotong.correlation.observables import Observable, normalise, observables_of
from gotong.correlation.warninglists import WarningHit, Warninglists
from gotong.correlation.webhooks import enqueue
from gotong.stix.timestamps import TimestampError, micros_of, now_micros

_CHUNK = 500
DEFAULT_ALERT_WINDOW = 7 * 86_400_000_000  # a week, in microseconds
FALSE_POSITIVE = "x_gotong_false_positive"  # a sighting that says "seen, and benign"
SIGHTED = "x_gotong_sighted"  # the value a sighting saw: {"kind": "ipv4-addr", "value": "198.51.100.23"}


def observable_key(kind: str, value: str) -> int:
    """A 63-bit key for an observable (fits a signed BIGINT on every engine)."""
    digest = hashlib.sha256(f"{kind}\x00{value}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


def observable_ids(conn: Connection, wanted: Sequence[Observable], *, create: bool) -> dict[Observable, int]:
    """Row ids of observables, creating the missing ones when ``create`` (caller holds the write lock)."""
    return _observable_ids(conn, wanted, create=create)[0]


def _observable_ids(
    conn: Connection, wanted: Sequence[Observable], *, create: bool
) -> tuple[dict[Observable, int], set[int]]:
    """Row ids of observables, and the ids of those created now (one INSERT … RETURNING)."""
    distinct = list(dict.fromkeys(wanted))
    keys = {o: observable_key(o.kind, o.value) for o in distinct}
    found: dict[Observable, int] = {}
    key_list = sorted(set(keys.values()))
    for start in range(0, len(key_list), _CHUNK):
        chunk = key_list[start : start + _CHUNK]
        for row in conn.execute(
            select(observables.c.id, observables.c.kind, observables.c.value).where(
                observables.c.key.in_(chunk)
            )
        ):
            candidate = Observable(row.kind, row.value)
            if candidate in keys:
                found[candidate] = row.id
    missing = [o for o in distinct if o not in found]
    created: set[int] = set()
    if create and missing:
        rows = conn.execute(
            insert(observables).returning(observables.c.id, sort_by_parameter_order=True),
            [_row(keys[o], o) for o in missing],
        ).all()
        for observable, row in zip(missing, rows, strict=True):
            found[observable] = row.id
            created.add(row.id)
    return found, created


def _row(key: int, observable: Observable) -> dict[str, Any]:
    span = address_span(observable.kind, observable.value)
    first, last = span if span is not None else (None, None)
    return {
        "key": key,
        "kind": observable.kind,
        "value": observable.value,
        "span_first": first,
        "span_last": last,
    }


_MAX_INSIDE = 10_000  # addresses and networks a lookup by CIDR returns from inside the network


def observables_in_network(conn: Connection, network: Observable) -> list[Observable]:
    """The stored addresses and networks inside ``network`` (an ``ipv4-addr``/``ipv6-addr`` observable
    of a CIDR block) and the networks around it, itself included; at most 10,000 from inside.

    Inside: one range scan over the spans. Around: the at most 32 (IPv4) or 128 (IPv6) networks that
    contain it, looked up by key.
    """
    span = address_span(network.kind, network.value)
    if span is None:
        return []
    first, last = span
    inside = conn.execute(
        select(observables.c.kind, observables.c.value)
        .where(
            observables.c.span_first >= first,
            observables.c.span_first <= last,
            observables.c.span_last <= last,
            observables.c.kind == network.kind,
        )
        .order_by(observables.c.span_first)
        .limit(_MAX_INSIDE)
    ).all()
    found = [Observable(r.kind, r.value) for r in inside]
    block = ipaddress.ip_network(network.value, strict=False)
    around = [
        Observable(network.kind, normal)
        for prefix in range(block.prefixlen)
        if (normal := normalise(network.kind, str(block.supernet(new_prefix=prefix)))) is not None
    ]
    return list(dict.fromkeys([network, *found, *observable_ids(conn, around, create=False)]))


def index_versions(
    conn: Connection,
    versions: Sequence[tuple[int, Mapping[str, Any]]],
    *,
    warninglists: Warninglists | None,
    alert_window: int | None = DEFAULT_ALERT_WINDOW,
) -> dict[int, list[WarningHit]]:
    """Index the observables of stored versions ``(seq, object)``; returns warninglist hits per seq.

    With an ``alert_window`` (microseconds), observables now reported from two or more countries
    within it raise regional alerts, queued for the webhooks of those who may know of them.
    """
    per_seq = {seq: observables_of(obj) for seq, obj in versions}
    sighted_values = {seq: sighted_value(obj) for seq, obj in versions if obj.get("type") == "sighting"}
    named = [o for o in sighted_values.values() if o is not None]
    everything = [o for found in per_seq.values() for o in found]
    wanted = everything + named
    ids, created = _observable_ids(conn, wanted, create=True) if wanted else ({}, set())
    _record_sighting_facts(
        conn, versions, {seq: ids[o] for seq, o in sighted_values.items() if o is not None}
    )
    hits = _link(conn, per_seq, ids, warninglists) if everything else {}
    if alert_window is not None:
        sighted = {str(obj["sighting_of_ref"]) for _, obj in versions if obj.get("type") == "sighting"}
        # An observable first seen in this batch is reported by this batch's submitter only (one
        # country), unless sightings stored earlier already name an object of the batch: only
        # then can it raise an alert now. Skipping the rest spares detect() most of a fresh import.
        new_ids = {str(obj["id"]) for _, obj in versions if "id" in obj}
        if created and _sighted_earlier(conn, new_ids, {seq for seq, _ in versions}):
            created = set()
        touched = (set(ids.values()) - created) | observables_of_sightings(conn, sighted)
        if touched:
            now = now_micros()
            joined = detect(conn, observable_ids=touched, since=now - alert_window, now=now)
            enqueue(conn, joined=joined, now=now)
    return hits


def _sighted_earlier(conn: Connection, stix_ids: set[str], batch: set[int]) -> bool:
    """Whether a sighting stored before this batch (a smaller seq) names one of ``stix_ids``."""
    ordered = sorted(stix_ids)
    first = min(batch)
    for start in range(0, len(ordered), _CHUNK):
        query = select(sighting_facts.c.object_seq).where(
            sighting_facts.c.sighting_of_ref.in_(ordered[start : start + _CHUNK]),
            sighting_facts.c.object_seq < first,
        )
        if conn.execute(query.limit(1)).first() is not None:
            return True
    return False


def _link(
    conn: Connection,
    per_seq: dict[int, list[Observable]],
    ids: dict[Observable, int],
    warninglists: Warninglists | None,
) -> dict[int, list[WarningHit]]:
    links = [
        {"observable_id": ids[o], "object_seq": seq}
        for seq, found in per_seq.items()
        for o in dict.fromkeys(found)
    ]
    conn.execute(insert(object_observables), links)
    hits: dict[int, list[WarningHit]] = {}
    if warninglists is not None and len(warninglists):
        cache: dict[Observable, list[WarningHit]] = {}
        rows = []
        for seq, found in per_seq.items():
            for obs in dict.fromkeys(found):
                matched = cache.get(obs)
                if matched is None:
                    matched = cache[obs] = warninglists.check(obs.kind, obs.value)
                for hit in matched:
                    hits.setdefault(seq, []).append(hit)
                    rows.append(
                        {
                            "object_seq": seq,
                            "list_id": hit.list_id,
                            "kind": obs.kind,
                            "value": obs.value,
                            "list_name": hit.list_name,
                            "matched": hit.matched,
                        }
                    )
        if rows:
            conn.execute(insert(warning_hits), rows)
    return hits


def sighted_value(sighting: Mapping[str, Any]) -> Observable | None:
    """The value a sighting says was seen (``x_gotong_sighted``), normalised; None if it names none."""
    named = sighting.get(SIGHTED)
    if not isinstance(named, Mapping):
        return None
    kind, value = named.get("kind"), named.get("value")
    if not isinstance(kind, str) or not isinstance(value, str):
        return None
    normal = normalise(kind, value)
    return None if normal is None else Observable(kind, normal)


def _record_sighting_facts(
    conn: Connection, versions: Sequence[tuple[int, Mapping[str, Any]]], sighted: Mapping[int, int]
) -> None:
    """Keep the facts of sighting objects (what, how often, when, false positive?, which value) for
    aggregation; ``sighted``: the observable id a sighting names, per seq."""
    rows = []
    for seq, obj in versions:
        if obj.get("type") != "sighting":
            continue
        rows.append(
            {
                "object_seq": seq,
                "sighting_of_ref": obj["sighting_of_ref"],
                "count": int(obj.get("count", 1)),
                "first_seen": _micros(obj.get("first_seen")),
                "last_seen": _micros(obj.get("last_seen")),
                "false_positive": obj.get(FALSE_POSITIVE) is True,
                "observable_id": sighted.get(seq),
            }
        )
    if rows:
        conn.execute(insert(sighting_facts), rows)


def _micros(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        return micros_of(value)
    except TimestampError:
        return None

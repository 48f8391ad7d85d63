"""What the scoreboard counts, read only over what the reader may see.

Every query here carries :func:`gotong.sharing.policy.visibility_clause` for the reader (the same
SQL form of the one decision the read path uses), and whose submission a version is goes through
:func:`gotong.sharing.policy.may_learn_submitter`: an anonymous submission is attributed only in the
submitter's own view and a hub admin's. Exercise-marked objects (top-level ``x_gotong_exercise``,
set by the drills) are dropped here, before anything is counted. Nothing here decides rights.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, func, select

from gotong.contacts.models import checks, contacts
from gotong.correlation.models import object_observables, warning_hits
from gotong.correlation.models import sighting_facts as sightings
from gotong.intel.models import statuses, stix_objects
from gotong.sharing.models import retrieval_items, retrievals
from gotong.sharing.policy import Reader, may_learn_submitter, visibility_clause
from gotong.stix.timestamps import TimestampError, micros_of

__all__ = ["EXERCISE_PROPERTY", "Shared", "is_exercise", "shared_objects"]

EXERCISE_PROPERTY = "x_gotong_exercise"
# Operational records of Gotong's own domains and definitions are not intelligence shared.
# The organisations' identities are the node's directory, not intelligence either.
_NOT_INTELLIGENCE = ("marking-definition", "extension-definition", "language-content", "identity")


def _operational(body: dict[str, Any]) -> bool:
    """A note on a Gotong record (an assistance request's messages) is not intelligence shared."""
    refs = body.get("object_refs") or []
    return body.get("type") == "note" and any(str(r).startswith("gotong-") for r in refs)


def is_exercise(obj: dict[str, Any]) -> bool:
    """Whether an object is exercise-marked: it carries ``x_gotong_exercise`` (any value but false)."""
    return EXERCISE_PROPERTY in obj and obj[EXERCISE_PROPERTY] is not False


@dataclass(frozen=True)
class Shared:
    """One object shared in the period, as the reader may see it (its first version the reader sees)."""

    seq: int
    stix_id: str
    type: str
    collection_id: str
    tlp: int
    submitter_org_id: int
    org_id: int | None  # None: sent through the hub and the reader may not learn by whom
    submitted_at: int
    first_seen: int | None
    via_peer: bool
    modified: int | None
    valid_until: int | None
    body: dict[str, Any]


def _visible(reader: Reader) -> Any:
    o = stix_objects
    return visibility_clause(
        reader,
        collection_col=o.c.collection_id,
        tlp_col=o.c.tlp,
        group_col=o.c.group_id,
        submitter_col=o.c.submitter_org_id,
    )


def _time(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        return micros_of(value)
    except TimestampError:
        return None


def shared_objects(conn: Connection, reader: Reader, *, starts_at: int, ends_at: int) -> list[Shared]:
    """Objects first shared (first visible version added) in ``[starts_at, ends_at)``, exercises left out."""
    o = stix_objects
    rows = conn.execute(
        select(
            o.c.seq,
            o.c.stix_id,
            o.c.type,
            o.c.collection_id,
            o.c.tlp,
            o.c.submitter_org_id,
            o.c.anonymous,
            o.c.date_added,
            o.c.via_peer_id,
            o.c.valid_until,
            o.c.body,
        )
        .where(_visible(reader), o.c.date_added < ends_at)
        .order_by(o.c.date_added)
    ).all()
    first: dict[str, Any] = {}
    for row in rows:
        first.setdefault(row.stix_id, row)
    chosen = [
        r
        for r in first.values()
        if r.date_added >= starts_at and not r.type.startswith("gotong-") and r.type not in _NOT_INTELLIGENCE
    ]
    sighted = _sighting_times(conn, reader, [r.stix_id for r in chosen])
    out = []
    for row in chosen:
        body = orjson.loads(row.body)
        if is_exercise(body) or _operational(body):
            continue
        times = [t for t in (_time(body.get("first_seen")), _time(body.get("valid_from"))) if t is not None]
        times += sighted.get(row.stix_id, [])
        attributed = may_learn_submitter(
            reader, submitter_org_id=row.submitter_org_id, anonymous=row.anonymous
        )
        out.append(
            Shared(
                seq=row.seq,
                stix_id=row.stix_id,
                type=row.type,
                collection_id=row.collection_id,
                tlp=row.tlp,
                submitter_org_id=row.submitter_org_id,
                org_id=row.submitter_org_id if attributed else None,
                submitted_at=row.date_added,
                first_seen=min(times) if times else None,
                via_peer=row.via_peer_id is not None,
                modified=_time(body.get("modified")),
                valid_until=row.valid_until,
                body=body,
            )
        )
    return out


def _sighting_times(conn: Connection, reader: Reader, ids: Collection[str]) -> dict[str, list[int]]:
    """The first_seen of the visible, non-exercise sightings of each object."""
    if not ids:
        return {}
    found: dict[str, list[int]] = {}
    o = stix_objects
    for start in range(0, len(list(ids)), 500):
        chunk = sorted(ids)[start : start + 500]
        rows = conn.execute(
            select(sightings.c.sighting_of_ref, sightings.c.first_seen, o.c.body)
            .join(o, o.c.seq == sightings.c.object_seq)
            .where(
                sightings.c.sighting_of_ref.in_(chunk), _visible(reader), sightings.c.first_seen.is_not(None)
            )
        ).all()
        for row in rows:
            if not is_exercise(orjson.loads(row.body)):
                found.setdefault(row.sighting_of_ref, []).append(row.first_seen)
    return found


@dataclass(frozen=True)
class SightingFacts:
    by_others: frozenset[str]  # ids sighted by an organisation other than their submitter
    false_positive: frozenset[str]


def sighting_facts(conn: Connection, reader: Reader, shared: list[Shared]) -> SightingFacts:
    """Which shared objects others sighted, and which a visible sighting called a false positive."""
    submitter = {s.stix_id: s.submitter_org_id for s in shared}
    others: set[str] = set()
    false: set[str] = set()
    o = stix_objects
    ids = sorted(submitter)
    for start in range(0, len(ids), 500):
        rows = conn.execute(
            select(sightings.c.sighting_of_ref, sightings.c.false_positive, o.c.submitter_org_id, o.c.body)
            .join(o, o.c.seq == sightings.c.object_seq)
            .where(sightings.c.sighting_of_ref.in_(ids[start : start + 500]), _visible(reader))
        ).all()
        for row in rows:
            if is_exercise(orjson.loads(row.body)):
                continue
            if row.submitter_org_id != submitter[row.sighting_of_ref]:
                others.add(row.sighting_of_ref)
            if row.false_positive:
                false.add(row.sighting_of_ref)
    return SightingFacts(frozenset(others), frozenset(false))


def observables_of(conn: Connection, seqs: Collection[int]) -> dict[int, set[int]]:
    """The observables each stored version carries (the correlation index)."""
    found: dict[int, set[int]] = {}
    ordered = sorted(seqs)
    for start in range(0, len(ordered), 500):
        for row in conn.execute(
            select(object_observables.c.object_seq, object_observables.c.observable_id).where(
                object_observables.c.object_seq.in_(ordered[start : start + 500])
            )
        ):
            found.setdefault(row.object_seq, set()).add(row.observable_id)
    return found


def warninglisted(conn: Connection, seqs: Collection[int]) -> set[int]:
    """The versions with a warninglist hit."""
    ordered = sorted(seqs)
    hit: set[int] = set()
    for start in range(0, len(ordered), 500):
        hit |= set(
            conn.execute(
                select(warning_hits.c.object_seq).where(
                    warning_hits.c.object_seq.in_(ordered[start : start + 500])
                )
            ).scalars()
        )
    return hit


def submissions(conn: Connection, org_id: int, *, starts_at: int, ends_at: int) -> tuple[int, int]:
    """(objects posted, objects accepted) in the organisation's own TAXII status resources."""
    row = conn.execute(
        select(
            func.coalesce(func.sum(statuses.c.total_count), 0),
            func.coalesce(func.sum(statuses.c.success_count), 0),
        ).where(
            statuses.c.org_id == org_id,
            statuses.c.request_timestamp >= starts_at,
            statuses.c.request_timestamp < ends_at,
        )
    ).one()
    return int(row[0]), int(row[1])


def consumption(conn: Connection, org_id: int, *, starts_at: int, ends_at: int) -> dict[str, int]:
    """Versions handed to the organisation in the period, by channel (access receipts)."""
    rows = conn.execute(
        select(retrievals.c.channel, func.sum(retrievals.c.count))
        .where(retrievals.c.reader_org_id == org_id, retrievals.c.at >= starts_at, retrievals.c.at < ends_at)
        .group_by(retrievals.c.channel)
    ).all()
    return {r[0]: int(r[1]) for r in rows}


def readers_of(conn: Connection, seqs: Collection[int], *, ends_at: int) -> dict[int, set[int]]:
    """Which organisations retrieved each version (before the period's end)."""
    found: dict[int, set[int]] = {}
    ordered = sorted(seqs)
    for start in range(0, len(ordered), 500):
        rows = conn.execute(
            select(retrieval_items.c.object_seq, retrievals.c.reader_org_id)
            .join(retrievals, retrievals.c.id == retrieval_items.c.retrieval_id)
            .where(
                retrieval_items.c.object_seq.in_(ordered[start : start + 500]),
                retrievals.c.reader_org_id.is_not(None),
                retrievals.c.at < ends_at,
            )
        ).all()
        for row in rows:
            found.setdefault(row.object_seq, set()).add(row.reader_org_id)
    return found


def contact_check_times(conn: Connection, *, starts_at: int, ends_at: int) -> list[tuple[int, int]]:
    """(organisation, seconds to acknowledge) of the reachability checks acknowledged in the period.

    Response times are part of every member's reachability record (``gotong.contacts.reachability``).
    """
    rows = conn.execute(
        select(contacts.c.org_id, checks.c.sent_at, checks.c.acknowledged_at)
        .join(contacts, contacts.c.id == checks.c.contact_id)
        .where(
            checks.c.acknowledged_at.is_not(None),
            checks.c.sent_at >= starts_at,
            checks.c.sent_at < ends_at,
        )
    ).all()
    return [(r.org_id, r.acknowledged_at - r.sent_at) for r in rows]

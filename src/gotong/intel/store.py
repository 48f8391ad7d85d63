"""The write path: validate STIX objects, decide their marking and audience, store new versions.

Every envelope is written in one transaction under the node's write lock, so each stored version
gets a ``date_added`` that is unique and strictly increasing in commit order. The store knows none
of the domains that react to a write: it publishes :class:`~gotong.core.events.ObjectsStored` in
the transaction, and correlation (indexing, alerts) and federation (where a version came from)
subscribe to it where the node is assembled (``gotong.wiring``).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, case, func, insert, null, or_, select

from gotong.audit import Action, read_details, record
from gotong.core.auth import Principal
from gotong.core.events import ObjectsStored, StoredVersion, publish
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Invalid
from gotong.intel.collections import require_write, view_for
from gotong.intel.limits import check_envelope
from gotong.intel.models import stix_objects
from gotong.intel.query import visible_versions
from gotong.intel.status import record_status
from gotong.orgs.service import get_org, hub
from gotong.sharing.policy import Reader
from gotong.sharing.service import group_ids_by_marking, load_reader
from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp
from gotong.stix.repair import hint, repair_object
from gotong.stix.timestamps import TimestampError, format_micros, micros_of, now_micros
from gotong.stix.validate import validate_object

_IN_CHUNK = 500
# Meta objects keep the body their publisher gave them: marking definitions (TLP and group markings
# are shared verbatim), language content and extension definitions.
_NOT_ATTRIBUTED = frozenset({"marking-definition", "language-content", "extension-definition"})


@dataclass(frozen=True)
class Outcome:
    """What happened to one object of an envelope."""

    id: str
    version: str | None
    message: str | None = None

    def taxii(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id}
        if self.version is not None:
            out["version"] = self.version
        if self.message:
            out["message"] = self.message
        return out


@dataclass
class StatusReport:
    """The TAXII status resource of one envelope."""

    id: str
    collection_id: str
    request_timestamp: int
    successes: list[Outcome] = field(default_factory=list)
    failures: list[Outcome] = field(default_factory=list)
    pendings: list[Outcome] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.successes) + len(self.failures) + len(self.pendings)

    def taxii(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": "pending" if self.pendings else "complete",
            "request_timestamp": format_micros(self.request_timestamp),
            "total_count": self.total,
            "success_count": len(self.successes),
            "successes": [o.taxii() for o in self.successes],
            "failure_count": len(self.failures),
            "failures": [o.taxii() for o in self.failures],
            "pending_count": len(self.pendings),
            "pendings": [o.taxii() for o in self.pendings],
        }


@dataclass
class _Candidate:
    stix_id: str
    type: str
    version: int | None  # None: an object without created/modified (an SCO); versioned by date_added
    version_text: str | None
    tlp: TLP
    group_id: int | None
    body: bytes
    obj: Mapping[str, Any]
    # The body as submitted, when the store added created_by_ref to it (see _attributable).
    unattributed: bytes | None = None


def add_objects(
    engine: Engine,
    *,
    principal: Principal,
    collection_id: str,
    objects: Iterable[Any],
    through_hub: bool | None = None,
    repairs: Mapping[str, Sequence[str]] | None = None,
) -> StatusReport:
    """Store the valid objects of an envelope and report on each one (TAXII's status resource).

    Invalid objects are reported as failures and never stored; the valid ones are stored in one
    transaction. Re-posting a version already stored is a success that changes nothing.
    ``through_hub`` (default: the principal's token setting) publishes the objects under the hub's
    identity; the real submitter is recorded server-side only. An SDO or SRO without
    ``created_by_ref`` gets the submitter's identity (the hub's when anonymous).

    The new versions are published as one :class:`ObjectsStored` in the write transaction; what
    its subscribers remark about a version (e.g. a warninglist hit) goes in that version's status.

    ``repairs`` (id -> repair kinds, from an import with ``--repair``) go into the audit record of the
    objects stored, as ``repairs``: kind -> the ids repaired so. A caller that passes none (TAXII)
    gets the collection's ``repair`` setting: the objects are repaired here, and recorded the same way;
    in a collection without it, a refusal a repair would fix says so.
    """
    if principal.org_id is None:
        raise Invalid("only an authenticated organisation can add objects")
    objects = list(objects)
    check_envelope(objects)
    with read_connection(engine) as conn:
        view = view_for(conn, principal, collection_id)
        require_write(view)
        org = get_org(conn, org_id=principal.org_id)
        reader = load_reader(conn, principal)
        groups = group_ids_by_marking(conn)
        anonymous = principal.through_hub if through_hub is None else through_hub
        the_hub = hub(conn)
        hub_identity = the_hub.identity_id if anonymous else None
        # Another organisation's object that names the hub as its creator was submitted through the
        # hub somewhere (a federation peer relays it so): keep its submitter as secret here too.
        relayed_anonymous = the_hub.identity_id if org.id != the_hub.id else None
    report = StatusReport(
        id=str(uuid.uuid4()), collection_id=view.collection.id, request_timestamp=now_micros()
    )
    hints = repairs is None and not view.collection.repair
    if repairs is None and view.collection.repair:
        objects, repairs = _repaired(objects)
    candidates: list[_Candidate] = []
    for obj in objects:
        unattributed = None
        if hub_identity is not None and isinstance(obj, dict) and "created" in obj:
            obj = {**obj, "created_by_ref": hub_identity}
        elif _attributable(obj):
            try:
                unattributed = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
            except TypeError:  # nested past orjson's limit: left as sent, the validator refuses it
                unattributed = None
            else:
                obj = {**obj, "created_by_ref": org.identity_id}
        candidate = _prepare(obj, default_tlp=org.default_tlp, groups=groups, report=report)
        if candidate is None and hints and (said := hint(obj, _FIX)) is not None:
            report.failures[-1] = dataclasses.replace(
                report.failures[-1], message=f"{report.failures[-1].message} {said}"
            )
        if candidate is not None:
            candidate.unattributed = unattributed
            candidates.append(candidate)
    with write_transaction(engine) as conn:
        _store(
            conn,
            candidates,
            collection_id=view.collection.id,
            org_id=org.id,
            reader=reader,
            anonymous=hub_identity is not None,
            relayed_anonymous=relayed_anonymous,
            report=report,
        )
        record_status(conn, report=report, org_id=org.id)
        record(
            conn,
            action=Action.OBJECTS_ADD,
            actor=principal.org_short or str(org.short_name),
            actor_org_id=org.id,
            subject=report.collection_id,
            details={
                "status": report.id,
                "succeeded": len(report.successes),
                "failed": len(report.failures),
                "through_hub": hub_identity is not None,
                **read_details([o.id for o in report.successes]),
                **_repair_details(repairs, report),
            },
        )
    return report


_FIX = "the collection's repair setting (collection add --repair)"


def _repaired(objects: list[Any]) -> tuple[list[Any], dict[str, tuple[str, ...]]]:
    fixed, repairs = [], {}
    for obj in objects:
        done = repair_object(obj)
        if done.kinds:
            repairs[str(done.obj.get("id"))] = done.kinds
        fixed.append(done.obj)
    return fixed, repairs


def _repair_details(repairs: Mapping[str, Sequence[str]] | None, report: StatusReport) -> dict[str, Any]:
    """The repairs of the objects stored, for the audit record: ``{"repairs": {kind: {"count": n,
    "ids": [...]}}}`` (bounded as :func:`read_details` bounds ids)."""
    by_kind: dict[str, list[str]] = {}
    for outcome in report.successes if repairs else ():
        for kind in (repairs or {}).get(outcome.id, ()):
            by_kind.setdefault(kind, []).append(outcome.id)
    return {"repairs": {kind: read_details(ids) for kind, ids in by_kind.items()}} if by_kind else {}


def _attributable(obj: Any) -> bool:
    """Whether the store names the submitter as creator: an SDO or SRO that names no creator.

    SCOs have no ``created_by_ref`` in STIX 2.1 (nor ``created``); meta objects are left as sent.
    """
    return (
        isinstance(obj, dict)
        and "created" in obj
        and "created_by_ref" not in obj
        and obj.get("type") not in _NOT_ATTRIBUTED
    )


def _prepare(
    obj: Any, *, default_tlp: TLP, groups: Mapping[str, int], report: StatusReport
) -> _Candidate | None:
    problems = validate_object(obj)
    stix_id = str(obj["id"]) if isinstance(obj, dict) and isinstance(obj.get("id"), str) else "unknown"
    version_text = _version_text(obj)
    if problems:
        report.failures.append(Outcome(stix_id, version_text, "; ".join(problems)))
        return None
    try:
        version = micros_of(version_text) if version_text else None
    except TimestampError as exc:  # the validator should have caught it; never store what we cannot order
        report.failures.append(Outcome(stix_id, version_text, str(exc)))
        return None
    refs = marking_refs(obj)
    # The audience is named at object level; a group in a granular marking does not redirect the object.
    cited_groups = {
        groups[r] for r in obj.get("object_marking_refs") or () if isinstance(r, str) and r in groups
    }
    if len(cited_groups) > 1:
        report.failures.append(Outcome(stix_id, version_text, "an object may cite at most one sharing group"))
        return None
    return _Candidate(
        stix_id=stix_id,
        type=obj["type"],
        version=version,
        version_text=version_text,
        tlp=default_tlp if (marked := strictest_tlp(refs)) is None else marked,  # CLEAR is 0: no `or`
        group_id=next(iter(cited_groups), None),
        body=orjson.dumps(obj, option=orjson.OPT_SORT_KEYS),
        obj=obj,
    )


def _version_text(obj: Any) -> str | None:
    if not isinstance(obj, dict):
        return None
    value = obj.get("modified") or obj.get("created")
    return value if isinstance(value, str) else None


def _store(
    conn: Connection,
    candidates: list[_Candidate],
    *,
    collection_id: str,
    org_id: int,
    reader: Reader,
    anonymous: bool,
    relayed_anonymous: str | None = None,
    report: StatusReport,
) -> None:
    # Only what the submitter may see is compared with its submission: a version hidden from it
    # neither swallows it ("already present") nor refuses it ("a different object"), so no answer
    # tells it that a hidden object exists. Its submission is then its own row (the submitter is in
    # the table's unique key) and readers who may see both are shown the first (gotong.intel.query).
    existing, held = _stored_versions(conn, collection_id, {c.stix_id for c in candidates}, reader)
    last = conn.execute(select(func.max(stix_objects.c.date_added))).scalar() or 0
    clock = max(now_micros(), last + 1)
    rows: list[dict[str, Any]] = []
    stored: list[tuple[int, _Candidate]] = []  # (position in report.successes, candidate)
    for cand in candidates:
        known = existing.setdefault(cand.stix_id, {})
        if cand.version is None:
            same = next((v for v, body in known.items() if body == cand.body), None)
            if same is not None:
                report.successes.append(Outcome(cand.stix_id, format_micros(same), "already present"))
                continue
            version = clock
        else:
            version = cand.version
            if version in known:
                if known[version] == cand.body or _same_but_creator(known[version], cand):
                    report.successes.append(Outcome(cand.stix_id, cand.version_text, "already present"))
                else:
                    report.failures.append(
                        Outcome(
                            cand.stix_id,
                            cand.version_text,
                            "a different object with this id and version is already stored",
                        )
                    )
                continue
        known[version] = cand.body
        rows.append(
            {
                "collection_id": collection_id,
                "stix_id": cand.stix_id,
                "type": cand.type,
                "spec_version": "2.1",
                "version": version,
                "date_added": clock,
                "submitter_org_id": org_id,
                "tlp": int(cand.tlp),
                "group_id": cand.group_id,
                "anonymous": anonymous
                or (relayed_anonymous is not None and cand.obj.get("created_by_ref") == relayed_anonymous),
                "valid_until": micros_of(cand.obj["valid_until"]) if "valid_until" in cand.obj else None,
                "body": cand.body.decode(),
                "later_submission": (cand.stix_id, version) in held,
            }
        )
        stored.append((len(report.successes), cand))
        report.successes.append(Outcome(cand.stix_id, cand.version_text or format_micros(version)))
        clock += 1
    if not rows:
        return
    conn.execute(insert(stix_objects), rows)
    # date_added is unique and this transaction holds the write lock: the range is exactly ours.
    seqs = list(
        conn.execute(
            select(stix_objects.c.seq)
            .where(stix_objects.c.date_added.between(rows[0]["date_added"], rows[-1]["date_added"]))
            .order_by(stix_objects.c.date_added)
        ).scalars()
    )
    event = ObjectsStored(
        collection_id=collection_id,
        submitter_org_id=org_id,
        versions=tuple(
            StoredVersion(seq, cand.stix_id, cand.obj) for seq, (_, cand) in zip(seqs, stored, strict=True)
        ),
    )
    publish(conn, event)
    for seq, (position, _cand) in zip(seqs, stored, strict=True):
        if seq in event.remarks:
            outcome = report.successes[position]
            report.successes[position] = Outcome(outcome.id, outcome.version, "; ".join(event.remarks[seq]))


def _same_but_creator(stored: bytes, cand: _Candidate) -> bool:
    """A resubmission that differs from the stored version only by naming no creator is that version."""
    if cand.unattributed is None:
        return False
    body = orjson.loads(stored)
    body.pop("created_by_ref", None)
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS) == cand.unattributed


def _stored_versions(
    conn: Connection, collection_id: str, ids: set[str], reader: Reader
) -> tuple[dict[str, dict[int, bytes]], set[tuple[str, int]]]:
    """In one read of the rows of ``ids`` in the collection: the versions ``reader`` submitted or may
    see (their bodies, by id and version), and every (id, version) anyone holds, visible or not (a
    new row of one of them is marked as a later submission; that is never told to the submitter)."""
    seen = or_(
        stix_objects.c.submitter_org_id == reader.org_id,  # its own, even where it may only write
        visible_versions(reader, stix_objects, frozenset({collection_id})),
    )
    found: dict[str, dict[int, bytes]] = {}
    held: set[tuple[str, int]] = set()
    ordered = sorted(ids)
    for start in range(0, len(ordered), _IN_CHUNK):
        rows = conn.execute(
            select(
                stix_objects.c.stix_id,
                stix_objects.c.version,
                case((seen, stix_objects.c.body), else_=null()).label("body"),  # no hidden body read out
            ).where(
                stix_objects.c.collection_id == collection_id,
                stix_objects.c.stix_id.in_(ordered[start : start + _IN_CHUNK]),
            )
        )
        for row in rows:
            held.add((row.stix_id, row.version))
            if row.body is not None:
                found.setdefault(row.stix_id, {})[row.version] = row.body.encode()
    return found, held

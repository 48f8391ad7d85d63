"""The verbs of implementation reports: file a member's report for a cycle, fill it in item by item,
publish its summary; read reports, summaries and the status per member and norm a reader may see.

Reports are STIX objects written through the intelligence store (collection ``gotong-norms``), so
TLP, sharing groups, the audit log and federation apply to them unchanged and every read goes
through the sharing policy. By default a report is TLP:AMBER+STRICT to a named-recipients group of
the member and the taskforce (``<member>+ASEAN-TF``): the two of them, and nobody else, see it. Its
summary is a separate TLP:CLEAR object with counts only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine

from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Conflict, Invalid, NotFound
from gotong.norms import adoption, evidence, objects, policy, proposals, storage
from gotong.norms.catalogue import Norm, catalogue, proposed
from gotong.norms.models import cycle_bounds, cycle_of
from gotong.norms.schemas import (
    NormItemPublic,
    NormPublic,
    NormStatus,
    NormVersionPublic,
    ProposalCreate,
    ProposalPublic,
    ReportCreate,
    ReportFilter,
    ReportPublic,
    ReportUpdate,
    SummaryPublic,
)
from gotong.norms.storage import NORMS_COLLECTION
from gotong.orgs.service import Organisation, get_org, hub, list_orgs, taskforce
from gotong.sharing.definitions import parties_group
from gotong.sharing.models import GroupKind
from gotong.sharing.service import SharingGroup, get_group, list_groups, load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import format_micros, micros_of, now_micros

__all__ = [
    "NORMS_COLLECTION",
    "answered_norms",
    "create_report",
    "get_report",
    "implementation_status",
    "list_norms",
    "list_reports",
    "list_summaries",
    "propose_norm",
    "update_report",
]

_ALLOWED_TLP = (TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)


def list_norms(engine: Engine | None = None) -> list[NormPublic]:
    """The catalogue: every norm with its implementation items, then the regional norms, each
    ``adopted`` (with the day and the taskforce's decision, and the earlier adopted versions in its
    history) once a motion adopted it, else ``proposed`` (the data's proposals). Without ``engine``,
    only the norms reports answer (the data's catalogue). Proposals made through Gotong are not
    listed here until adopted: they are the taskforce's (:func:`list_proposals`)."""
    listed = [_norm_public(n, n.adopted, n.decision) for n in catalogue().norms]
    if engine is None:
        return listed
    versions: dict[str, list[adoption.Adoption]] = {}
    for a in adoption.adoption_history(engine):
        versions.setdefault(a.norm, []).append(a)
    data = {n.id: n for n in proposed()}
    for norm_id in [*data, *(k for k in versions if k not in data)]:
        adopted = versions.get(norm_id, [])
        if not adopted:
            listed.append(_norm_public(data[norm_id], "", ""))
            continue
        *earlier, last = adopted
        history = [
            NormVersionPublic(
                version=a.version, adopted=a.adopted, decision=a.decision, title=_text(a, data).title
            )
            for a in reversed(earlier)
        ]
        listed.append(_norm_public(_text(last, data), last.adopted, last.decision, history))
    return listed


def answered_norms(engine: Engine) -> tuple[Norm, ...]:
    """The norms implementation reports answer on this node: the catalogue's and, for every regional
    norm a passed motion of the taskforce adopted, its latest adopted version. A report filed before
    an adoption shows the new norm's items as not started."""
    data = {n.id: n for n in proposed()}
    latest = adoption.adoptions(engine)
    ordered = [*(k for k in data if k in latest), *(k for k in latest if k not in data)]
    return (*catalogue().norms, *(_text(latest[k], data) for k in ordered))


def propose_norm(
    engine: Engine, *, actor: Principal, proposal: ProposalCreate, now: int | None = None
) -> ProposalPublic:
    """Propose a regional norm to the taskforce: a new one (version 1) or the next version of one
    already proposed in the data or adopted here, with its text and implementation items
    (TLP:AMBER to the taskforce, and the proposer sees its own)."""
    known = {n.id: n.version for n in proposed()}
    for a in adoption.adoption_history(engine):
        known[a.norm] = max(known.get(a.norm, 0), a.version)
    return proposals.propose_norm(engine, actor=actor, proposal=proposal, versions=known, now=now)


def _norm_public(
    n: Norm, adopted: str, decision: str, history: list[NormVersionPublic] | None = None
) -> NormPublic:
    return NormPublic(
        id=n.id,
        origin=n.origin,
        version=n.version,
        status="adopted" if adopted else "proposed",
        adopted=adopted,
        decision=decision,
        title=n.title,
        summary=n.summary,
        items=[NormItemPublic(id=i.id, text=i.text) for i in n.items],
        history=history or [],
    )


def _text(a: adoption.Adoption, data: dict[str, Norm]) -> Norm:
    """The adopted text of a norm version: the proposal's it came from, else the data's."""
    return a.text if a.text is not None else data[a.norm]


def create_report(
    engine: Engine, *, actor: Principal, report: ReportCreate, now: int | None = None
) -> ReportPublic:
    """File the actor's organisation's report for a cycle, every item not started yet."""
    policy.may_change(actor)
    at = now if now is not None else now_micros()
    cycle = report.cycle.strip() if report.cycle else cycle_of(at)
    cycle_bounds(cycle)
    tlp = _tlp(report.tlp)
    with read_connection(engine) as conn:
        member = get_org(conn, org_id=_org_id(actor))
        policy.may_file_for(actor, member_id=member.id, member=member.short_name)
        chosen = get_group(conn, name=report.sharing_group) if report.sharing_group else None
        tf = taskforce(conn)
        publisher = _publisher(conn, member)
        collection = storage.existing_collection(conn)
        existing = [
            o
            for o in storage.reports(conn, load_reader(conn, actor), collection)
            if o["member_ref"] == member.identity_id and o["cycle"] == cycle
        ]
    if existing:
        raise Conflict(f"{member.short_name} already has a report for {cycle}: {existing[0]['id']}")
    if chosen is not None:
        _check_audience(chosen, member, tf)
    group = chosen or _confidential_group(engine, member, tf)
    obj = objects.report(
        stix_id=objects.new_id(objects.REPORT_TYPE),
        now=_ts(at),
        member_ref=member.identity_id,
        member=member.short_name,
        cycle=cycle,
        markings=[tlp.marking_id, group.marking_id],
        norms=answered_norms(engine),
    )
    storage.write(engine, actor, storage.collection(engine), [objects.extension_definition(publisher), obj])
    return get_report(engine, actor=actor, report_id=obj["id"])


def list_reports(
    engine: Engine, *, actor: Principal, filter: ReportFilter | None = None
) -> list[ReportPublic]:
    """The reports the actor may see, by member and cycle (without offered evidence)."""
    policy.may_read(actor)
    wanted = filter or ReportFilter()
    answering = answered_norms(engine)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        names, groups = _names(conn), _groups(conn)
        found = [
            objects.report_public(o, names=names, groups=groups, norms=answering)
            for o in storage.reports(conn, reader, storage.existing_collection(conn))
        ]
    found = [
        r
        for r in found
        if (wanted.member is None or r.member == wanted.member)
        and (wanted.cycle is None or r.cycle == wanted.cycle)
    ]
    return sorted(found, key=lambda r: (r.cycle, r.member), reverse=True)


def get_report(engine: Engine, *, actor: Principal, report_id: str) -> ReportPublic:
    """One report with the evidence Gotong's records offer for its items (as the actor sees them)."""
    policy.may_read(actor)
    answering = answered_norms(engine)
    with read_connection(engine) as conn:
        obj = storage.find(conn, load_reader(conn, actor), storage.existing_collection(conn), report_id)
        found = objects.report_public(obj, names=_names(conn), groups=_groups(conn), norms=answering)
    start, end = cycle_bounds(found.cycle)
    found.offered = evidence.offered(engine, actor=actor, member=found.member, start=start, end=end)
    return found


def update_report(
    engine: Engine, *, actor: Principal, report_id: str, update: ReportUpdate, now: int | None = None
) -> ReportPublic:
    """Set items' status, narrative and evidence; publish (or refresh) the public summary."""
    policy.may_change(actor)  # before looking the report up: a readonly token learns nothing
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        collection = storage.existing_collection(conn)
        obj = storage.find(conn, reader, collection, report_id)
        member = _org_by_identity(conn, obj["member_ref"])
        policy.may_file_for(actor, member_id=member.id, member=member.short_name)
        previous = (
            storage.find_summary(conn, reader, collection, obj["summary_ref"])
            if collection and obj.get("summary_ref")
            else None
        )
    if not update.entries and not update.publish_summary:
        raise Invalid("nothing to change: give entries or publish_summary")
    answering = answered_norms(engine)
    known = {item.id for n in answering for item in n.items}
    entries: dict[str, Any] = {**objects.blank_entries(answering), **obj["entries"]}
    for entry in update.entries:
        if entry.item not in known:
            raise Invalid(
                f"entries.item: {entry.item!r} is not an implementation item of the catalogue "
                "or of a regional norm adopted here"
            )
        entries[entry.item] = {
            "status": str(entry.status),
            "narrative": entry.narrative.strip(),
            "evidence": [e.strip() for e in entry.evidence if e.strip()],
        }
    stamp = _after(obj["modified"], at)
    new = {**obj, "entries": entries, "modified": stamp}
    written = [new]
    if update.publish_summary or previous is not None:
        # A published summary follows its report, so its counts never lag what the member filed.
        summary_id = obj.get("summary_ref") or objects.new_id(objects.SUMMARY_TYPE)
        created = previous["created"] if previous else stamp
        summary_stamp = _after(previous["modified"], at) if previous else stamp
        new["summary_ref"] = summary_id
        written.append(
            objects.summary(
                stix_id=summary_id, created=created, now=summary_stamp, report=new, norms=answering
            )
        )
    assert collection is not None  # the report was found in it
    storage.write(engine, actor, collection, written)
    return get_report(engine, actor=actor, report_id=report_id)


def list_summaries(engine: Engine, *, actor: Principal) -> list[SummaryPublic]:
    """The published summaries (TLP:CLEAR: every member sees them)."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        names = _names(conn)
        found = [
            objects.summary_public(o, names=names)
            for o in storage.summaries(conn, load_reader(conn, actor), storage.existing_collection(conn))
        ]
    return sorted(found, key=lambda s: (s.cycle, s.member), reverse=True)


def implementation_status(engine: Engine, *, actor: Principal, cycle: str | None = None) -> list[NormStatus]:
    """Per member, cycle and norm, the count of items in each status the actor may know: from the
    report where the actor sees it, else from its published summary, else nothing."""
    seen: dict[tuple[str, str], NormStatus] = {}
    out: list[NormStatus] = []
    for r in list_reports(engine, actor=actor, filter=ReportFilter(cycle=cycle)):
        for norm_id, counts in r.counts.items():
            seen[(r.member, r.cycle)] = status = NormStatus(
                member=r.member, cycle=r.cycle, norm=norm_id, counts=counts, source="report"
            )
            out.append(status)
    for s in list_summaries(engine, actor=actor):
        if (s.member, s.cycle) in seen or (cycle is not None and s.cycle != cycle):
            continue
        for norm_id, counts in s.counts.items():
            out.append(
                NormStatus(member=s.member, cycle=s.cycle, norm=norm_id, counts=counts, source="summary")
            )
    return sorted(out, key=lambda x: (x.cycle, x.member, x.norm))


# --- helpers -------------------------------------------------------------------------------------------


def _tlp(text: str) -> TLP:
    tlp = TLP.parse(text)
    if tlp not in _ALLOWED_TLP:
        raise Invalid(f"tlp: a report is marked {', '.join(t.slug for t in _ALLOWED_TLP)}, never {tlp.slug}")
    return tlp


def _check_audience(group: SharingGroup, member: Organisation, tf: Organisation | None) -> None:
    """The member and the taskforce must always see the report: a chosen group must hold both."""
    needed = [member.short_name] + ([tf.short_name] if tf else [])
    missing = [n for n in needed if n not in group.members]
    if missing:
        raise Invalid(f"sharing_group: {group.name!r} does not include {', '.join(missing)}")
    if group.kind != GroupKind.NAMED_RECIPIENTS:
        raise Invalid(f"sharing_group: a report goes to a named-recipients group; {group.name!r} is not one")


def _confidential_group(engine: Engine, member: Organisation, tf: Organisation | None) -> SharingGroup:
    """The named-recipients group of the member and the taskforce, made on first use (the norms and
    budgets domains share it: one name, one check, in ``sharing.definitions.parties_group``)."""
    parties = [member.short_name, *([tf.short_name] if tf else [])]
    return parties_group(
        engine, name="+".join(parties), members=parties, owner=member.short_name, what="report"
    )


def _publisher(conn: Connection, member: Organisation) -> str:
    try:
        return hub(conn).identity_id
    except NotFound:
        return member.identity_id


def _names(conn: Connection) -> dict[str, str]:
    return {o.identity_id: o.short_name for o in list_orgs(conn)}


def _groups(conn: Connection) -> dict[str, str]:
    return {g.marking_id: g.name for g in list_groups(conn)}


def _org_by_identity(conn: Connection, identity_id: str) -> Organisation:
    for org in list_orgs(conn):
        if org.identity_id == identity_id:
            return org
    raise NotFound(f"no organisation here has the identity {identity_id}")


def _org_id(actor: Principal) -> int:
    if actor.org_id is None:
        raise Invalid("only an authenticated organisation can do this")
    return actor.org_id


def _ts(micros: int) -> str:
    return format_micros(micros, digits=3)


def _after(previous: str, at: int) -> str:
    return _ts(max(at, micros_of(previous) + 1000))

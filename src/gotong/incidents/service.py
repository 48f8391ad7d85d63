"""The verbs of the incidents domain: open, read, update and close cases; add their entries.

Cases and entries are STIX objects written through the intelligence store (``gotong.intel.store``),
so TLP, sharing groups, receipts, the audit log and federation apply to them unchanged. Every read goes
through the intel read path, which carries the sharing policy: a case or entry this module returns is
one the actor may see, and nothing here decides visibility. What an actor may change is ``policy.py``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine

from gotong.core.auth import Principal
from gotong.correlation.alerts import alerts_for
from gotong.db.engine import read_connection
from gotong.errors import Invalid, NotFound
from gotong.feeds.rsit import RsitClassification
from gotong.incidents import objects, policy, sla, storage
from gotong.incidents.models import (
    INITIAL_STATUS,
    SEVERITY_LEVELS,
    CaseStatus,
    EventKind,
    ParticipantRole,
    TaskOutcome,
    allowed_next,
    check_sectors,
    closes,
    determination_of,
    parse_pap,
    regional_severity,
)
from gotong.incidents.schemas import (
    CaseCreate,
    CaseFilter,
    CasePublic,
    CaseUpdate,
    EntryPublic,
    EventCreate,
    ImpactCreate,
    Participant,
    TaskCreate,
    TaskUpdate,
)
from gotong.intel.collections import get_collection
from gotong.orgs.service import Organisation, get_org, hub, list_orgs
from gotong.sharing.service import get_group, load_reader
from gotong.sharing.tlp import TLP, strictest_tlp, tlp_of_marking
from gotong.stix.timestamps import TimestampError, format_micros, micros_of, now_micros

__all__ = [
    "acknowledge_case",
    "add_event",
    "add_impact",
    "add_task",
    "case_from_alert",
    "change_severity",
    "get_case",
    "list_cases",
    "open_case",
    "update_case",
    "update_task",
]


def open_case(engine: Engine, *, actor: Principal, case: CaseCreate, now: int | None = None) -> CasePublic:
    """Open a case led by the actor's organisation, stored as a STIX incident in ``case.collection``
    (``now``, microseconds: when it was opened, for a clock the caller controls)."""
    policy.may_open(actor)
    tlp = TLP.parse(case.tlp)
    pap = parse_pap(case.pap)
    determination = determination_of(case.determination)
    rsit = _rsit(case.rsit)
    sectors = check_sectors(case.sectors)
    with read_connection(engine) as conn:
        lead = get_org(conn, org_id=_org_id(actor))
        collection = get_collection(conn, case.collection).id
        group = get_group(conn, name=case.sharing_group).marking_id if case.sharing_group else None
        participants = _participants(conn, case.participants, lead)
        related = storage.visible_ids(conn, load_reader(conn, actor), case.related_refs)
        publisher = _publisher(conn, lead)
    severity, national = _severity(case, lead)
    opened = format_micros(now if now is not None else now_micros(), digits=3)
    by = lead.identity_id
    body: dict[str, Any] = {
        "lead_ref": lead.identity_id,
        "participants": participants,
        "status": str(INITIAL_STATUS),
        "status_history": [{"status": str(INITIAL_STATUS), "at": opened, "by": by, "reason": ""}],
        "lead_history": [{"lead_ref": by, "at": opened, "by": by, "reason": ""}],
        "severity": severity,
        "pap": str(pap),
        "critical_infrastructure": case.critical_infrastructure,
    }
    if national is not None:
        body["national_severity"] = national
    if rsit is not None:
        body["rsit"] = rsit
    if sectors:
        body["sectors"] = sectors
    if related:
        body["related_refs"] = related
    incident = objects.incident(
        stix_id=objects.new_id("incident"),
        created=opened,
        modified=opened,
        created_by_ref=lead.identity_id,
        title=case.title,
        description=case.description,
        marking_refs=objects.markings(tlp, group),
        determination=str(determination),
        case=body,
    )
    storage.write(engine, actor, collection, [objects.extension_definition(publisher), incident])
    return get_case(engine, actor=actor, case_id=incident["id"])


def list_cases(
    engine: Engine,
    *,
    actor: Principal,
    filter: CaseFilter | None = None,
    receipts: storage.ReceiptBook | None = None,
) -> list[CasePublic]:
    """The cases the actor may see, newest first, without their entries.

    With ``receipts``, what was handed out is noted as access receipts (channel ``rest``).
    """
    policy.may_read(actor)
    wanted = filter or CaseFilter()
    found = []
    handed: list[tuple[str, int]] = []
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        names = _names(conn)
        for collection in sorted(reader.readable):
            for obj in storage.latest(conn, reader, collection, types=("incident",), handed=handed):
                if objects.case_extension(obj) is None:
                    continue
                case = objects.case_public(obj, collection=collection, names=names, entries=[])
                if _matches(case, wanted):
                    found.append(case)
    storage.note_receipts(receipts, actor, handed)
    return sorted(found, key=lambda c: (c.created, c.id), reverse=True)


def list_cases_with_entries(
    engine: Engine, *, actor: Principal, filter: CaseFilter | None = None
) -> list[CasePublic]:
    """The cases the actor may see, as :func:`list_cases`, each with the entries the actor may see
    (as :func:`get_case` gives them): two reads of each collection, however many cases there are.

    For the clocks of many cases at once (the dashboard, the clock job, the regional report).
    """
    policy.may_read(actor)
    wanted = filter or CaseFilter()
    found = []
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        names = _names(conn)
        for collection in sorted(reader.readable):
            incidents = [
                obj
                for obj in storage.latest(conn, reader, collection, types=("incident",))
                if objects.case_extension(obj) is not None
            ]
            if not incidents:
                continue
            by_case = storage.entries_by_case(conn, reader, collection)
            for obj in incidents:
                case = objects.case_public(
                    obj, collection=collection, names=names, entries=by_case.get(str(obj["id"]), [])
                )
                if _matches(case, wanted):
                    found.append(case)
    return sorted(found, key=lambda c: (c.created, c.id), reverse=True)


def _matches(case: CasePublic, wanted: CaseFilter) -> bool:
    """Whether a case passes the list's filter (status, lead, lowest severity)."""
    return (
        (wanted.status is None or case.status == wanted.status)
        and (wanted.lead is None or case.lead == wanted.lead)
        and (wanted.min_severity is None or case.severity >= wanted.min_severity)
    )


def get_case(
    engine: Engine, *, actor: Principal, case_id: str, receipts: storage.ReceiptBook | None = None
) -> CasePublic:
    """One case with the entries the actor may see (noted in ``receipts`` when given)."""
    policy.may_read(actor)
    handed: list[tuple[str, int]] = []
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        collection, obj = storage.find_case(conn, reader, case_id, handed=handed)
        entries = storage.entries(conn, reader, collection, case_id, handed=handed)
        case = objects.case_public(obj, collection=collection, names=_names(conn), entries=entries)
    storage.note_receipts(receipts, actor, handed)
    return case


def update_case(
    engine: Engine, *, actor: Principal, case_id: str, update: CaseUpdate, now: int | None = None
) -> CasePublic:
    """Change a case: a status transition allowed by the data file, a lead hand-over, participants.
    A change of severity is also a timeline event, with ``reason`` (as :func:`change_severity`)."""
    policy.may_change(actor)  # before looking the case up: no token or a readonly one learns nothing
    with read_connection(engine) as conn:
        collection, obj = storage.find_case(conn, load_reader(conn, actor), case_id)
        ext = dict(objects.case_extension(obj) or {})
        lead = _org_by_identity(conn, ext["lead_ref"])
        policy.may_update(actor, lead_id=lead.id)
        by = get_org(conn, org_id=_org_id(actor)).identity_id
        modified = _after(obj["modified"], now)
        if update.status is not None and update.status != ext["status"]:
            current = CaseStatus(ext["status"])
            if update.status not in allowed_next(current):
                choices = ", ".join(sorted(allowed_next(current))) or "none: the case has ended"
                raise Invalid(f"a case that is {current} cannot become {update.status}; next: {choices}")
            if closes(update.status):
                policy.may_close(actor, lead_id=lead.id)
            ext["status"] = str(update.status)
            change = {"status": str(update.status), "at": modified, "by": by, "reason": update.reason}
            ext["status_history"] = [*ext["status_history"], change]
        if update.lead is not None:
            new_lead = get_org(conn, short_name=update.lead)
            if new_lead.identity_id != ext["lead_ref"]:
                # The former lead stays in the case as an assisting participant unless told otherwise.
                former = {"identity_ref": ext["lead_ref"], "role": str(ParticipantRole.ASSISTING)}
                ext["participants"] = [*ext["participants"], former]
                ext["lead_ref"] = new_lead.identity_id
                change = {"lead_ref": new_lead.identity_id, "at": modified, "by": by, "reason": update.reason}
                ext["lead_history"] = [*ext["lead_history"], change]
                lead = new_lead
        if update.participants is not None:
            ext["participants"] = _participants(conn, update.participants, lead)
        else:  # a new lead is no longer one of the participants
            ext["participants"] = [p for p in ext["participants"] if p["identity_ref"] != ext["lead_ref"]]
    noted = []
    if update.severity is not None and update.severity != ext["severity"]:
        at = now if now is not None else now_micros()
        noted.append(_severity_event(obj, by=by, severity=update.severity, reason=update.reason, at=at))
        ext["severity"] = update.severity
    incident = objects.revised(
        obj,
        modified=modified,
        case=ext,
        title=update.title,
        description=update.description,
        # an imported value (the specification's `confirmed`) is kept as it came until changed
        determination=str(determination_of(update.determination)) if update.determination else None,
    )
    storage.write(engine, actor, collection, [incident, *noted])
    return get_case(engine, actor=actor, case_id=case_id)


def change_severity(
    engine: Engine,
    *,
    actor: Principal,
    case_id: str,
    severity: int,
    reason: str,
    now: int | None = None,
    mark: dict[str, Any] | None = None,
) -> CasePublic:
    """Set a case's regional severity (0-4) and record the change, with its reason, as a timeline
    event of the lead. Only the lead changes it, and not once the case has ended.

    ``mark`` is what the event carries in the case extension (the clock job's record of an
    escalation step, which is nobody's action on the case's clocks).
    """
    policy.may_change(actor)
    if severity not in SEVERITY_LEVELS:
        raise Invalid(
            f"severity must be one of {', '.join(str(s) for s in SEVERITY_LEVELS)} (got {severity})"
        )
    why = reason.strip()
    if not why:
        raise Invalid("reason: say why the severity changes (it is recorded on the timeline)")
    with read_connection(engine) as conn:
        collection, obj = storage.find_case(conn, load_reader(conn, actor), case_id)
        ext = dict(objects.case_extension(obj) or {})
        lead = _org_by_identity(conn, ext["lead_ref"])
        policy.may_update(actor, lead_id=lead.id)
        by = get_org(conn, org_id=_org_id(actor)).identity_id
    if closes(CaseStatus(ext["status"])):
        raise Invalid(f"the case is {ext['status']}: its severity no longer changes")
    before = int(ext["severity"])
    if severity == before:
        raise Invalid(f"the case's severity is {before} ({SEVERITY_LEVELS[before]}) already")
    at = now if now is not None else now_micros()
    event = _severity_event(obj, by=by, severity=severity, reason=why, at=at, mark=mark)
    ext["severity"] = severity
    incident = objects.revised(obj, modified=_after(obj["modified"], at), case=ext)
    storage.write(engine, actor, collection, [incident, event])
    return get_case(engine, actor=actor, case_id=case_id)


def _severity_event(
    case: dict[str, Any], *, by: str, severity: int, reason: str, at: int, mark: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The timeline event recording a change of the case's severity, its reason as the description."""
    before = int((objects.case_extension(case) or {})["severity"])
    verb = "raised" if severity > before else "lowered"
    return objects.entry(
        "event",
        case_ref=str(case["id"]),
        created_by_ref=by,
        name=(
            f"Severity {verb} from {before} ({SEVERITY_LEVELS[before]}) "
            f"to {severity} ({SEVERITY_LEVELS[severity]})"
        ),
        description=reason.strip(),
        marking_refs=_entry_markings(case, None, None),
        now=format_micros(at, digits=3),
        properties=objects.event_properties(EventKind.ACTION_TAKEN, None),
        gotong=mark or {},
    )


def add_event(
    engine: Engine, *, actor: Principal, case_id: str, event: EventCreate, now: int | None = None
) -> EntryPublic:
    """Add a timeline event (observed, reported, action taken) to a case."""
    props = objects.event_properties(event.kind, _timestamp(event.start_time, "start_time"))
    return _add_entry(engine, actor, case_id, "event", event.name, event.description, event, props, {}, now)


def acknowledge_case(
    engine: Engine, *, actor: Principal, case_id: str, note: str = "", now: int | None = None
) -> EntryPublic:
    """Record that the actor's organisation has seen the case: a timeline event of its own, which
    meets its acknowledge clock. The lead and every participant may, informed ones too."""
    policy.may_change(actor)
    with read_connection(engine) as conn:
        collection, case = storage.find_case(conn, load_reader(conn, actor), case_id)
        ext = objects.case_extension(case) or {}
        me = get_org(conn, org_id=_org_id(actor))
        parties = {ext["lead_ref"], *(p["identity_ref"] for p in ext["participants"])}
        policy.may_acknowledge(actor, taking_part=me.identity_id in parties)
    obj = objects.entry(
        "event",
        case_ref=case_id,
        created_by_ref=me.identity_id,
        name=f"Acknowledged by {me.short_name}",
        description=note.strip(),
        marking_refs=_entry_markings(case, None, None),
        now=format_micros(now if now is not None else now_micros(), digits=3),
        properties=objects.event_properties(EventKind.ACTION_TAKEN, None),
        gotong=sla.acknowledgement_mark(),
    )
    storage.write(engine, actor, collection, [obj])
    return _entry_public(obj)


def add_task(engine: Engine, *, actor: Principal, case_id: str, task: TaskCreate) -> EntryPublic:
    """Add a task assigned to an organisation, with an optional due date."""
    policy.may_change(actor)
    with read_connection(engine) as conn:
        assigned = get_org(conn, short_name=task.assigned_to)
    gotong: dict[str, Any] = {"assigned_ref": assigned.identity_id}
    due = _timestamp(task.due, "due")
    if due:
        gotong["due"] = due
    props = objects.task_properties(TaskOutcome.PENDING)
    return _add_entry(engine, actor, case_id, "task", task.name, task.description, task, props, gotong, None)


def update_task(
    engine: Engine, *, actor: Principal, case_id: str, task_id: str, update: TaskUpdate
) -> EntryPublic:
    """Record a task's outcome; the lead or the organisation the task is assigned to may."""
    policy.may_change(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        collection, case = storage.find_case(conn, reader, case_id)
        task = next(
            (e for e in storage.entries(conn, reader, collection, case_id) if e["id"] == task_id), None
        )
        if task is None or task["type"] != "task":
            raise NotFound(f"no task {task_id} of case {case_id} is visible to you")
        ext = objects.case_extension(task) or {}
        lead = _org_by_identity(conn, (objects.case_extension(case) or {})["lead_ref"])
        assigned = _org_by_identity(conn, ext["assigned_ref"]) if "assigned_ref" in ext else None
        policy.may_update_task(actor, lead_id=lead.id, assigned_id=assigned.id if assigned else None)
    new = {**task, "modified": _after(task["modified"]), "outcome": str(update.outcome)}
    gotong = {**ext}
    if update.note:
        gotong["outcome_note"] = update.note
    new["extensions"] = {**task["extensions"], objects.CASE_EXTENSION_ID: gotong}
    storage.write(engine, actor, collection, [new])
    return _entry_public(new)


def add_impact(engine: Engine, *, actor: Principal, case_id: str, impact: ImpactCreate) -> EntryPublic:
    """Add an impact (availability, confidentiality, monetary, ...) as Incident Core defines it."""
    props = objects.impact_properties(impact.category, impact.details, impact.criticality)
    return _add_entry(
        engine, actor, case_id, "impact", impact.name, impact.description, impact, props, {}, None
    )


def case_from_alert(engine: Engine, *, actor: Principal, alert_id: int) -> CasePublic:
    """Open a case from a regional alert, linking the alert's objects the actor may see."""
    policy.may_open(actor)
    with read_connection(engine) as conn:
        found = alerts_for(conn, reader=load_reader(conn, actor), alert_ids=[alert_id])
    if not found:
        raise NotFound(f"no alert {alert_id} is visible to you")
    alert = found[0]
    return open_case(
        engine,
        actor=actor,
        case=CaseCreate(
            title=f"Regional alert {alert.id}: {alert.kind} {alert.value}",
            description=f"Reported from {', '.join(alert.countries) or 'one member'} "
            f"between {alert.raised_at} and {alert.updated_at}.",
            collection=alert.objects[0]["collection_id"],
            related_refs=list(dict.fromkeys(o["id"] for o in alert.objects)),
        ),
    )


# --- helpers -------------------------------------------------------------------------------------------


def _add_entry(
    engine: Engine,
    actor: Principal,
    case_id: str,
    kind: str,
    name: str,
    description: str,
    request: EventCreate | TaskCreate | ImpactCreate,
    properties: dict[str, Any],
    gotong: dict[str, Any],
    now: int | None,
) -> EntryPublic:
    policy.may_change(actor)
    with read_connection(engine) as conn:
        collection, case = storage.find_case(conn, load_reader(conn, actor), case_id)
        ext = objects.case_extension(case) or {}
        lead = _org_by_identity(conn, ext["lead_ref"])
        roles = {
            _org_by_identity(conn, p["identity_ref"]).id: ParticipantRole(p["role"])
            for p in ext["participants"]
        }
        policy.may_add_entry(actor, lead_id=lead.id, roles=roles)
        author = get_org(conn, org_id=_org_id(actor)).identity_id
        group = get_group(conn, name=request.sharing_group).marking_id if request.sharing_group else None
        default_id = get_collection(conn, collection).default_group_id
        default = get_group(conn, group_id=default_id).marking_id if default_id is not None else None
    refs = _entry_markings(case, request.tlp, group, collection_default=default)
    obj = objects.entry(
        kind,
        case_ref=case_id,
        created_by_ref=author,
        name=name,
        description=description,
        marking_refs=refs,
        now=format_micros(now if now is not None else now_micros(), digits=3),
        properties=properties,
        gotong=gotong,
    )
    storage.write(engine, actor, collection, [obj])
    return _entry_public(obj)


def _entry_markings(
    case: dict[str, Any], tlp_text: str | None, group: str | None, *, collection_default: str | None = None
) -> list[str]:
    """An entry's markings: the case's, made stricter or readdressed by the request.

    An entry never reaches further than its case: a looser TLP is refused, an entry keeps the case's
    sharing group unless it names another (without a group, TLP:AMBER+STRICT would mean the whole
    community, which is wider than a case addressed to a group), and it may name another group only
    when the case reaches the whole community (``policy.may_address_entry``; ``collection_default``
    is the default group of the case's collection, the audience of a case that names none).
    """
    case_refs = [str(r) for r in case.get("object_marking_refs", ())]
    case_tlp = strictest_tlp(case_refs)
    tlp = TLP.parse(tlp_text) if tlp_text else case_tlp
    if tlp is None:  # an imported incident without a TLP: the entry needs one of its own
        raise Invalid("this case has no TLP marking; give the entry a tlp")
    if case_tlp is not None and tlp < case_tlp:
        raise Invalid(
            f"an entry may not be marked less strictly (TLP:{tlp.slug.upper()}) than its case "
            f"(TLP:{case_tlp.slug.upper()})"
        )
    case_group = next((r for r in case_refs if tlp_of_marking(r) is None), None)
    if case_tlp is not None:
        policy.may_address_entry(
            case_tlp=case_tlp,
            case_group=case_group,
            case_audience=case_group or collection_default,
            entry_group=group,
        )
    return objects.markings(tlp, group or case_group)


def _entry_public(obj: dict[str, Any]) -> EntryPublic:
    return EntryPublic(
        id=obj["id"],
        type=obj["type"],
        name=obj.get("name", ""),
        tlp=objects.tlp_of(obj),
        created=obj["created"],
        modified=obj["modified"],
        object=obj,
    )


def _publisher(conn: Connection, lead: Organisation) -> str:
    """Who publishes the case extension's definition: the hub, or the lead on a node without one."""
    try:
        return hub(conn).identity_id
    except NotFound:
        return lead.identity_id


def _names(conn: Connection) -> dict[str, str]:
    return {o.identity_id: o.short_name for o in list_orgs(conn)}


def _org_by_identity(conn: Connection, identity_id: str) -> Organisation:
    for org in list_orgs(conn):
        if org.identity_id == identity_id:
            return org
    raise NotFound(f"no organisation here has the identity {identity_id}")


def _org_id(actor: Principal) -> int:
    if actor.org_id is None:
        raise Invalid("only an authenticated organisation can do this")
    return actor.org_id


def _participants(conn: Connection, wanted: list[Participant], lead: Organisation) -> list[dict[str, str]]:
    seen: dict[str, str] = {}
    for p in wanted:
        org = get_org(conn, short_name=p.org)
        if org.id == lead.id:
            raise Invalid(f"{org.short_name} leads the case; it is not also a participant")
        if org.identity_id in seen:
            raise Invalid(f"{org.short_name} is named twice among the participants")
        seen[org.identity_id] = str(p.role)
    return [{"identity_ref": ref, "role": role} for ref, role in seen.items()]


def _severity(case: CaseCreate, lead: Organisation) -> tuple[int, dict[str, str] | None]:
    if case.national_severity is None:
        return (case.severity if case.severity is not None else 0), None
    ns = case.national_severity
    mapped = regional_severity(level=ns.level, scale=ns.scale, country=lead.country)
    if case.severity is not None and case.severity != mapped:
        raise Invalid(f"severity {case.severity} disagrees with the national severity (regional {mapped})")
    national = {"level": ns.level}
    if ns.scale:
        national["scale"] = ns.scale
    return mapped, national


def _rsit(text: str | None) -> str | None:
    if not text:
        return None
    parsed = RsitClassification.parse(text)
    return parsed.classification + (f"/{parsed.type}" if parsed.type else "")


def _timestamp(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    try:
        return format_micros(micros_of(value), digits=3)
    except TimestampError as exc:
        raise Invalid(f"{name}: {exc}") from None


def _after(previous: str, now: int | None = None) -> str:
    """A ``modified`` later than ``previous``, so each change is a new version."""
    at = now if now is not None else now_micros()
    return format_micros(max(at, micros_of(previous) + 1000), digits=3)

"""The verbs of the course catalogue and enrolments: publish a course with its sessions, enrol a
participant in a session (seats shared by the allocation rule), cancel, and attest attendance and
completion as the provider.

Courses and enrolments are STIX objects written through the intelligence store into the domain's
collection, so TLP, sharing groups, the audit log and federation apply unchanged, and every read goes
through the intel read path, which carries the sharing policy. A course is TLP:GREEN to the
community by default. An enrolment is TLP:AMBER+STRICT to a named-recipients group of the enrolled
organisation, the provider and the hub (``training <org>+<provider>``), so those three and nobody
else see it; a group chosen instead must hold all three.

Seats are counted as the provider sees them (the provider is in every enrolment's audience), so
the count is complete without anybody reading what the sharing policy hides from them; only the
number of seats left is shown to the catalogue's readers.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Conflict, Invalid, NotFound
from gotong.intel.collections import add_collection, get_collection
from gotong.orgs.service import Organisation, get_org, hub, list_orgs
from gotong.sharing.definitions import publish_definitions
from gotong.sharing.models import GroupKind
from gotong.sharing.service import SharingGroup, add_group, get_group, list_groups, load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import format_micros, micros_of, now_micros
from gotong.training import objects, policy, storage
from gotong.training.models import ALLOCATION, TOPICS, EnrolmentStatus
from gotong.training.schemas import (
    Attestation,
    CourseCreate,
    CoursePublic,
    CourseUpdate,
    EnrolmentCreate,
    EnrolmentFilter,
    EnrolmentPublic,
)

__all__ = [
    "TRAINING_COLLECTION",
    "add_course",
    "attest",
    "enrol",
    "get_course",
    "list_courses",
    "list_enrolments",
    "moved_sessions",
    "today_of",
    "update_course",
    "visible_enrolments",
]

TRAINING_COLLECTION = "gotong-training"
"""The alias of the collection courses and enrolments are stored in (made on first use, readable and
writable by every organisation: who sees a record is its markings' decision)."""
_SYSTEM = "gotong"
_COURSE_TLPS = (TLP.CLEAR, TLP.GREEN, TLP.AMBER)
_ENROLMENT_TLPS = (TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT)


def today_of(now: int | None) -> date:
    """The day (UTC) of a clock reading in microseconds; today when None."""
    at = now if now is not None else now_micros()
    return datetime.fromtimestamp(at / 1_000_000, tz=UTC).date()


def add_course(
    engine: Engine, *, actor: Principal, course: CourseCreate, now: int | None = None
) -> CoursePublic:
    """Publish a course of the catalogue, provided by the actor's organisation."""
    policy.may_change(actor)
    unknown = [t for t in course.topics if t not in TOPICS]
    if unknown:
        raise Invalid(f"topics: {', '.join(unknown)} not in the catalogue; known: {', '.join(TOPICS)}")
    tlp = _tlp(course.tlp, _COURSE_TLPS, "a course")
    sessions = []
    for n, s in enumerate(course.sessions, start=1):
        if s.ends < s.starts:
            raise Invalid(f"sessions.{n - 1}.ends: a session ends on or after the day it starts")
        reserve = s.reserve_until or s.starts - timedelta(days=ALLOCATION.reserve_days)
        sessions.append(
            {
                "id": f"s{n}",
                "starts": s.starts.isoformat(),
                "ends": s.ends.isoformat(),
                "seats": s.seats,
                "location": s.location,
                "reserve_until": reserve.isoformat(),
            }
        )
    sim3 = course.sim3 or sorted({p for t in course.topics for p in TOPICS[t].sim3})
    with read_connection(engine) as conn:
        provider = get_org(conn, org_id=_org_id(actor))
        group = get_group(conn, name=course.sharing_group) if course.sharing_group else None
        publisher = _publisher(conn, provider)
    markings = [tlp.marking_id] + ([group.marking_id] if group else [])
    props: dict[str, Any] = {
        "provider_ref": provider.identity_id,
        "format": str(course.format),
        "duration_hours": course.duration_hours,
        "language": course.language,
        "level": str(course.level),
        "topics": list(course.topics),
        "sim3_parameters": sim3,
        "roles": list(course.roles),
        "sessions": sessions,
    }
    if course.description:
        props["description"] = course.description
    obj = objects.new_object(
        objects.COURSE_TYPE,
        now=_ts(now if now is not None else now_micros()),
        created_by_ref=provider.identity_id,
        markings=markings,
        name=course.title,
        props=props,
    )
    collection = _collection(engine)
    storage.write(
        engine, actor, collection, [objects.extension_definition(objects.COURSE_TYPE, publisher), obj]
    )
    return get_course(engine, actor=actor, course_id=obj["id"])


def list_courses(engine: Engine, *, actor: Principal) -> list[CoursePublic]:
    """The courses the actor may see, by their first session."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        names, groups = _names(conn), _groups(conn)
        found = [
            objects.course_public(o, names=names, groups=groups, taken=_taken(conn, o))
            for o in storage.courses(conn, reader, _collection_id(conn))
        ]
    return sorted(found, key=lambda c: (min((s.starts for s in c.sessions), default=date.max), c.title))


def get_course(engine: Engine, *, actor: Principal, course_id: str) -> CoursePublic:
    policy.may_read(actor)
    with read_connection(engine) as conn:
        obj = storage.find(
            conn, load_reader(conn, actor), _collection_id(conn), objects.COURSE_TYPE, course_id
        )
        return objects.course_public(obj, names=_names(conn), groups=_groups(conn), taken=_taken(conn, obj))


def update_course(
    engine: Engine, *, actor: Principal, course_id: str, update: CourseUpdate, now: int | None = None
) -> CoursePublic:
    """Edit a published course (its provider or the hub): a new version of the course, recorded in
    the audit log like every write. A session keeps at least the seats its enrolments hold; its
    enrolled organisations are told of a change of its dates by the reminders job."""
    policy.may_change(actor)
    with read_connection(engine) as conn:
        course = storage.find(
            conn, load_reader(conn, actor), _collection_id(conn), objects.COURSE_TYPE, course_id
        )
        provider = _org_by_identity(conn, course["provider_ref"])
        the_hub = _hub_or_none(conn)
        policy.may_edit_course(actor, provider_id=provider.id, hub_id=the_hub.id if the_hub else None)
        taken = _taken(conn, course)
    changed: dict[str, Any] = {}
    if update.title is not None:
        changed["name"] = update.title
    fields = {"description": "description", "duration_hours": "duration_hours", "language": "language"}
    for field, key in {**fields, "roles": "roles", "sim3": "sim3_parameters"}.items():
        value = getattr(update, field)
        if value is not None:
            changed[key] = value
    if update.level is not None:
        changed["level"] = str(update.level)
    sessions = [dict(x) for x in course.get("sessions", [])]
    by_id = {x["id"]: x for x in sessions}
    for n, u in enumerate(update.sessions):
        session = by_id.get(u.id)
        if session is None:
            raise Invalid(
                f"sessions.{n}.id: the course has no session {u.id!r}; it has {', '.join(by_id) or 'none'}"
            )
        if u.seats is not None:
            held = taken.get(u.id, 0)
            if u.seats < held:
                raise Invalid(
                    f"sessions.{n}.seats: session {u.id} has {held} seats held by enrolments; "
                    f"it cannot have fewer ({u.seats})"
                )
            session["seats"] = u.seats
        if u.location is not None:
            session["location"] = u.location
        starts = u.starts or date.fromisoformat(session["starts"])
        ends = u.ends or date.fromisoformat(session["ends"])
        if ends < starts:
            raise Invalid(f"sessions.{n}.ends: a session ends on or after the day it starts")
        if u.starts is not None and u.starts.isoformat() != session["starts"]:
            moved = date.fromisoformat(session["reserve_until"]) - date.fromisoformat(session["starts"])
            session["reserve_until"] = (starts + moved).isoformat()
        session["starts"], session["ends"] = starts.isoformat(), ends.isoformat()
    if update.sessions:
        changed["sessions"] = sessions
    if not changed:
        raise Invalid("nothing to change: give a field of the course or a session")
    at = now if now is not None else now_micros()
    new = {**course, **changed, "modified": _ts(max(at, micros_of(course["modified"]) + 1000))}
    storage.write(engine, actor, _collection(engine), [new])
    return get_course(engine, actor=actor, course_id=course_id)


def enrol(
    engine: Engine, *, actor: Principal, enrolment: EnrolmentCreate, now: int | None = None
) -> EnrolmentPublic:
    """Enrol a participant of the actor's organisation in a session of a course.

    Refused with a conflict when the session has no seat left, when the organisation already holds
    the per-organisation seats before the session's reserve day, or when the participant is already
    enrolled in it. (Two enrolments racing for the last seat are not serialised: the provider may
    cancel one; see docs/training.md.)"""
    policy.may_change(actor)
    today = today_of(now)
    tlp = _tlp(enrolment.tlp, _ENROLMENT_TLPS, "an enrolment")
    participant = enrolment.participant.strip().lower()
    if "@" not in participant:
        raise Invalid("participant: give the participant's e-mail address")
    with read_connection(engine) as conn:
        collection = _collection_id(conn)
        course = storage.find(
            conn, load_reader(conn, actor), collection, objects.COURSE_TYPE, enrolment.course
        )
        session = next((s for s in course.get("sessions", []) if s["id"] == enrolment.session), None)
        if session is None:
            known = ", ".join(s["id"] for s in course.get("sessions", [])) or "none"
            raise NotFound(f"session: the course has no session {enrolment.session!r}; it has {known}")
        org = get_org(conn, org_id=_org_id(actor))
        provider = _org_by_identity(conn, course["provider_ref"])
        the_hub = _hub_or_none(conn)
        chosen = get_group(conn, name=enrolment.sharing_group) if enrolment.sharing_group else None
        if today > date.fromisoformat(session["starts"]):
            raise Invalid(f"session: {session['id']} started on {session['starts']}; enrol in a later one")
        held = [
            e
            for e in _session_enrolments(conn, course, provider, session["id"])
            if EnrolmentStatus(e["status"]) in policy.HELD
        ]
        publisher = _publisher(conn, org)
    _check_seats(session, held, org=org, participant=participant, today=today)
    parties = [o for o in (org, provider, the_hub) if o is not None]
    if chosen is not None:
        missing = sorted({o.short_name for o in parties} - set(chosen.members))
        if missing:
            raise Invalid(
                f"sharing_group: {chosen.name!r} does not include {', '.join(missing)}, "
                "who must see the enrolment"
            )
    group = chosen or _audience_group(engine, org, parties)
    stamp = _ts(now if now is not None else now_micros())
    props = {
        "course_ref": course["id"],
        "session_id": session["id"],
        "session_starts": session["starts"],
        "session_ends": session["ends"],
        "topics": list(course.get("topics", [])),
        "sim3_parameters": list(course.get("sim3_parameters", [])),
        "org_ref": org.identity_id,
        "provider_ref": provider.identity_id,
        "participant": participant,
        "participant_name": enrolment.participant_name,
        "participant_role": enrolment.participant_role,
        "status": str(EnrolmentStatus.ENROLLED),
        "history": [_entry(EnrolmentStatus.ENROLLED, stamp, org.identity_id, "")],
    }
    obj = objects.new_object(
        objects.ENROLMENT_TYPE,
        now=stamp,
        created_by_ref=org.identity_id,
        markings=[tlp.marking_id, group.marking_id],
        name=course.get("name", ""),
        props=props,
    )
    storage.write(
        engine,
        actor,
        _collection(engine),
        [objects.extension_definition(objects.ENROLMENT_TYPE, publisher), obj],
    )
    return _get_enrolment(engine, actor, obj["id"])


def attest(
    engine: Engine, *, actor: Principal, enrolment_id: str, attestation: Attestation, now: int | None = None
) -> EnrolmentPublic:
    """Move an enrolment on: attended, no-show or completed (the provider only, which so attests
    it), or cancelled (the enrolled organisation only)."""
    policy.may_change(actor)  # before looking the enrolment up: a readonly token learns nothing
    today = today_of(now)
    with read_connection(engine) as conn:
        collection = _collection_id(conn)
        obj = storage.find(conn, load_reader(conn, actor), collection, objects.ENROLMENT_TYPE, enrolment_id)
        org = _org_by_identity(conn, obj["org_ref"])
        provider = _org_by_identity(conn, obj["provider_ref"])
        by = get_org(conn, org_id=_org_id(actor)).identity_id
    current, to = EnrolmentStatus(obj["status"]), attestation.status
    policy.may_move(actor, current, to, org_id=org.id, provider_id=provider.id)
    stamp = _ts(max(now if now is not None else now_micros(), micros_of(obj["modified"]) + 1000))
    props: dict[str, Any] = {"status": str(to)}
    if to == EnrolmentStatus.COMPLETED:
        completed = attestation.completed_on or date.fromisoformat(obj["session_ends"])
        if completed > today:
            raise Invalid(
                f"completed_on: {completed} is after today ({today}); attest a completion once it is"
            )
        if completed < date.fromisoformat(obj["session_starts"]):
            raise Invalid(
                f"completed_on: {completed} is before the session started ({obj['session_starts']})"
            )
        props["completed_on"] = completed.isoformat()
        props["attested_by_ref"] = by
    elif attestation.completed_on is not None:
        raise Invalid("completed_on: only a completion has a completion day")
    props["history"] = [*obj.get("history", []), _entry(to, stamp, by, attestation.note)]
    new = {**obj, **props, "modified": stamp}
    storage.write(engine, actor, collection, [new])
    return _get_enrolment(engine, actor, enrolment_id)


def moved_sessions(conn: Connection, actor: Principal) -> list[tuple[dict[str, Any], str, dict[str, Any]]]:
    """The actor's organisation's enrolments still holding a seat in a session whose dates changed
    since they were made: (enrolment, course title, the session as it is now)."""
    own = get_org(conn, org_id=_org_id(actor)).identity_id
    reader = load_reader(conn, actor)
    courses = {c["id"]: c for c in storage.courses(conn, reader, _collection_id(conn))}
    found = []
    for e in visible_enrolments(conn, actor):
        course = courses.get(e["course_ref"])
        if e["org_ref"] != own or course is None or EnrolmentStatus(e["status"]) != EnrolmentStatus.ENROLLED:
            continue
        session = next((x for x in course.get("sessions", []) if x["id"] == e["session_id"]), None)
        if session is not None and (session["starts"], session["ends"]) != (
            e["session_starts"],
            e["session_ends"],
        ):
            found.append((e, str(course.get("name", "")), session))
    return found


def visible_enrolments(conn: Connection, reader_actor: Principal) -> list[dict[str, Any]]:
    """The stored enrolments the actor may see (raw STIX), for compliance and evidence."""
    return list(storage.enrolments(conn, load_reader(conn, reader_actor), _collection_id(conn)))


def list_enrolments(
    engine: Engine, *, actor: Principal, filter: EnrolmentFilter | None = None
) -> list[EnrolmentPublic]:
    """The enrolments the actor may see, newest session first."""
    policy.may_read(actor)
    wanted = filter or EnrolmentFilter()
    with read_connection(engine) as conn:
        names, groups = _names(conn), _groups(conn)
        found = [
            objects.enrolment_public(o, names=names, groups=groups) for o in visible_enrolments(conn, actor)
        ]
    found = [
        e
        for e in found
        if (wanted.course is None or e.course == wanted.course)
        and (wanted.org is None or e.org == wanted.org)
        and (wanted.status is None or e.status == wanted.status)
    ]
    return sorted(found, key=lambda e: (e.session_starts, e.created, e.id), reverse=True)


def _get_enrolment(engine: Engine, actor: Principal, enrolment_id: str) -> EnrolmentPublic:
    with read_connection(engine) as conn:
        obj = storage.find(
            conn, load_reader(conn, actor), _collection_id(conn), objects.ENROLMENT_TYPE, enrolment_id
        )
        return objects.enrolment_public(obj, names=_names(conn), groups=_groups(conn))


def _check_seats(
    session: dict[str, Any], held: list[dict[str, Any]], *, org: Organisation, participant: str, today: date
) -> None:
    """The allocation rule (data/training/catalogue.toml): never more than the session's seats;
    up to and including its reserve day, at most ``per_org`` seats per organisation."""
    # Only the organisation's own people are compared: whom another member enrolled stays unsaid.
    if any(e["participant"] == participant and e["org_ref"] == org.identity_id for e in held):
        raise Conflict(f"participant: {participant} is already enrolled in session {session['id']}")
    seats = int(session["seats"])
    if len(held) >= seats:
        raise Conflict(f"session {session['id']} is full: all {seats} seats are held")
    mine = sum(1 for e in held if e["org_ref"] == org.identity_id)
    reserve = date.fromisoformat(session["reserve_until"])
    if today <= reserve and mine >= ALLOCATION.per_org:
        raise Conflict(
            f"session {session['id']}: until {reserve} each organisation holds at most {ALLOCATION.per_org} "
            f"seats and {org.short_name} holds {mine}; "
            f"seats left go first come from {reserve + timedelta(days=1)}"
        )


def _session_enrolments(
    conn: Connection, course: dict[str, Any], provider: Organisation, session_id: str
) -> list[dict[str, Any]]:
    """Every enrolment of a session, read as the provider sees them (it is in each one's audience)."""
    as_provider = Principal(org_id=provider.id, org_short=provider.short_name)
    return [
        e
        for e in visible_enrolments(conn, as_provider)
        if e["course_ref"] == course["id"] and e["session_id"] == session_id
    ]


def _taken(conn: Connection, course: dict[str, Any]) -> dict[str, int]:
    provider = _org_by_identity(conn, course["provider_ref"])
    as_provider = Principal(org_id=provider.id, org_short=provider.short_name)
    counts: Counter[str] = Counter(
        e["session_id"]
        for e in visible_enrolments(conn, as_provider)
        if e["course_ref"] == course["id"] and EnrolmentStatus(e["status"]) in policy.HELD
    )
    return dict(counts)


def _audience_group(engine: Engine, org: Organisation, parties: list[Organisation]) -> SharingGroup:
    """The named-recipients group of the organisation, the provider and the hub, made on first use."""
    members = sorted({o.short_name for o in parties})
    others = [m for m in members if m != org.short_name]
    name = f"training {org.short_name}" + (f"+{'+'.join(others)}" if others else "")
    with write_transaction(engine) as conn:
        try:
            found: SharingGroup | None = get_group(conn, name=name)
        except NotFound:
            found = None
        if found is not None:
            if set(found.members) != set(members) or found.kind != GroupKind.NAMED_RECIPIENTS:
                raise Invalid(
                    f"sharing_group: the group {name!r} no longer holds just {', '.join(members)}; "
                    "name a sharing_group for this enrolment"
                )
            return found
        group = add_group(
            conn,
            name=name,
            members=members,
            kind=GroupKind.NAMED_RECIPIENTS,
            owner=org.short_name,
            actor=_SYSTEM,
        )
    publish_definitions(engine)
    return group


def _collection(engine: Engine) -> str:
    with write_transaction(engine) as conn:
        try:
            return get_collection(conn, TRAINING_COLLECTION).id
        except NotFound:
            return add_collection(
                conn,
                title="Training",
                description="The course catalogue and enrolments of compulsory training",
                alias=TRAINING_COLLECTION,
                readers="all",
                writers="all",
                actor=_SYSTEM,
            ).id


def _collection_id(conn: Connection) -> str:
    """The collection's id, or one no reader holds when nothing was stored yet (every read is empty)."""
    try:
        return get_collection(conn, TRAINING_COLLECTION).id
    except NotFound:
        return TRAINING_COLLECTION


def _tlp(text: str, allowed: tuple[TLP, ...], what: str) -> TLP:
    tlp = TLP.parse(text)
    if tlp not in allowed:
        raise Invalid(f"tlp: {what} is marked {', '.join(t.slug for t in allowed)}, never {tlp.slug}")
    return tlp


def _entry(status: EnrolmentStatus, at: str, by: str, note: str) -> dict[str, str]:
    return {"status": str(status), "at": at, "by": by, "note": note}


def _publisher(conn: Connection, fallback: Organisation) -> str:
    found = _hub_or_none(conn)
    return (found or fallback).identity_id


def _hub_or_none(conn: Connection) -> Organisation | None:
    try:
        return hub(conn)
    except NotFound:
        return None


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

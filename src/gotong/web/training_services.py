"""The service calls behind the training page, one function per page action, each taking ``actor``.
Each calls ``gotong.training`` verbs, which check roles, the provider rule and the sharing policy
themselves; what is left here is reading forms and turning refusals into problems by form field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import Engine

from gotong import training
from gotong.core.auth import Principal
from gotong.core.permissions import may_write
from gotong.db.engine import read_connection
from gotong.errors import Conflict, Invalid, NotFound
from gotong.orgs.service import hub
from gotong.web.forms import problems_of
from gotong.web.services import FormInvalid, signed_in

ENROL_FIELDS = {"session", "participant", "participant_name", "participant_role"}


@dataclass(frozen=True)
class TrainingPage:
    compliance: list[training.CompliancePublic]
    courses: list[training.CoursePublic]
    enrolments: list[training.EnrolmentPublic]
    sessions: list[tuple[str, str]]  # (course id|session id, what the enrol form shows)
    editable: frozenset[str] = frozenset()  # the courses the viewer is offered to edit


def page(engine: Engine, *, actor: Principal) -> TrainingPage:
    signed_in(actor)
    courses = training.list_courses(engine, actor=actor)
    with read_connection(engine) as conn:
        compliance = training.compliance_for(conn, actor=actor)
    sessions = [
        (f"{c.id}|{s.id}", f"{c.title} ({c.provider}): {s.starts} to {s.ends}, {s.location or 'online'}, "
         f"{s.seats_left} of {s.seats} seats left")
        for c in courses
        for s in c.sessions
    ]  # fmt: skip
    editable = frozenset(c.id for c in courses if may_edit(engine, actor=actor, course=c))
    return TrainingPage(
        compliance, courses, training.list_enrolments(engine, actor=actor), sessions, editable
    )


def due_count(engine: Engine, *, actor: Principal) -> tuple[int, int]:
    """How many of the actor's organisation's requirements are due soon, and how many overdue."""
    if actor.org_short is None:
        return 0, 0
    with read_connection(engine) as conn:
        rows = training.compliance_for(conn, actor=actor, org=actor.org_short)
    soon = sum(1 for r in rows if r.status == training.ComplianceStatus.DUE_SOON)
    return soon, sum(1 for r in rows if r.status == training.ComplianceStatus.OVERDUE)


def enrol(
    engine: Engine, *, actor: Principal, session: str, participant: str, name: str, role: str
) -> training.EnrolmentPublic:
    signed_in(actor)
    course_id, _, session_id = session.partition("|")
    if not course_id or not session_id:
        raise FormInvalid({"session": "Choose a session"})
    if not participant.strip():
        raise FormInvalid({"participant": "Enter the participant's e-mail address"})
    try:
        body = training.EnrolmentCreate(
            course=course_id,
            session=session_id,
            participant=participant.strip(),
            participant_name=name.strip(),
            participant_role=role.strip() or "analyst",
        )
        return training.enrol(engine, actor=actor, enrolment=body)
    except Conflict as exc:
        field = "participant" if exc.message.startswith("participant") else "session"
        raise SeatRefused({field: exc.message}) from None
    except (ValidationError, Invalid, NotFound) as exc:
        raise FormInvalid(problems_of(exc, ENROL_FIELDS, "session")) from None


def complete(engine: Engine, *, actor: Principal, enrolment_id: str) -> None:
    signed_in(actor)
    done = training.Attestation(status=training.EnrolmentStatus.COMPLETED)
    try:
        training.attest(engine, actor=actor, enrolment_id=enrolment_id, attestation=done)
    except Invalid as exc:
        raise FormInvalid({"attest": exc.message}) from None


class SeatRefused(FormInvalid):
    """No seat for the organisation (a 409 on the page, as on the REST API)."""


FORMATS: list[str] = [str(f) for f in training.CourseFormat]
LEVELS: list[str] = [str(level) for level in training.Level]
COURSE_FIELDS = {
    "title",
    "description",
    "format",
    "duration_hours",
    "language",
    "level",
    "topics",
    "roles",
    "tlp",
}


@dataclass(frozen=True)
class CourseForm:
    title: str = ""
    description: str = ""
    format: str = "online-live"
    duration_hours: str = ""
    language: str = "en"
    level: str = "basic"
    topics: tuple[str, ...] = ()
    roles: str = ""
    tlp: str = "green"
    starts: str = ""
    ends: str = ""
    seats: str = ""
    location: str = ""


def topics() -> list[tuple[str, str]]:
    """The catalogue's topics a course may serve: (key, name)."""
    return [(key, topic.name) for key, topic in training.TOPICS.items()]


def publish_course(engine: Engine, *, actor: Principal, form: CourseForm) -> str:
    """Publish a course provided by the viewer's organisation, with one session when its dates and
    seats are given; returns the course's id."""
    signed_in(actor)
    problems: dict[str, str] = {}
    if not form.title.strip():
        problems["title"] = "Enter the course's title"
    try:
        hours = float(form.duration_hours)
    except ValueError:
        problems["duration_hours"] = "Enter the hours the course takes, e.g. 16"
        hours = 0.0
    if not form.topics:
        problems["topics"] = "Choose at least one topic the course serves"
    session_given = any(v.strip() for v in (form.starts, form.ends, form.seats))
    if session_given and not (form.starts and form.ends and form.seats.strip().isdigit()):
        problems["session-starts"] = "A session needs its first and last day and a whole number of seats"
    if problems:
        raise FormInvalid(problems)
    try:
        sessions = (
            [
                training.SessionCreate(
                    starts=form.starts, ends=form.ends, seats=int(form.seats), location=form.location.strip()
                )
            ]
            if session_given
            else []
        )
        body = training.CourseCreate(
            title=form.title.strip(),
            description=form.description.strip(),
            format=form.format,
            duration_hours=hours,
            language=form.language.strip() or "en",
            level=form.level,
            topics=list(form.topics),
            roles=[r.strip() for r in form.roles.split(",") if r.strip()],
            sessions=sessions,
            tlp=form.tlp,
        )
        return training.add_course(engine, actor=actor, course=body).id
    except ValidationError as exc:
        found = problems_of(exc, COURSE_FIELDS | {"sessions"}, "title")
        if "sessions" in found:
            found["session-starts"] = found.pop("sessions")
        raise FormInvalid(found) from None
    except Invalid as exc:
        if exc.message.startswith("sessions."):
            raise FormInvalid({"session-starts": exc.message.split(": ", 1)[-1].capitalize()}) from None
        raise FormInvalid(problems_of(exc, COURSE_FIELDS, "title")) from None


def may_edit(engine: Engine, *, actor: Principal, course: training.CoursePublic) -> bool:
    """Whether the page offers the viewer the edit form (the verb decides again when it is sent)."""
    with read_connection(engine) as conn:
        try:
            the_hub: str | None = hub(conn).short_name
        except NotFound:
            the_hub = None
    return may_write(actor) and actor.org_short in (course.provider, the_hub)


def course(engine: Engine, *, actor: Principal, course_id: str) -> training.CoursePublic:
    signed_in(actor)
    return training.get_course(engine, actor=actor, course_id=course_id)


def edit_course(engine: Engine, *, actor: Principal, course_id: str, posted: Mapping[str, str]) -> None:
    """The edit form: the course's fields, and each session's dates, seats and place by its id."""
    signed_in(actor)
    found = training.get_course(engine, actor=actor, course_id=course_id)
    problems: dict[str, str] = {}
    sessions = []
    for s in found.sessions:
        seats = posted.get(f"{s.id}-seats", str(s.seats)).strip()
        if not seats.isdigit():
            problems[f"{s.id}-seats"] = "Enter a whole number of seats"
            continue
        sessions.append(
            {
                "id": s.id,
                "starts": posted.get(f"{s.id}-starts", "") or str(s.starts),
                "ends": posted.get(f"{s.id}-ends", "") or str(s.ends),
                "seats": int(seats),
                "location": posted.get(f"{s.id}-location", s.location).strip(),
            }
        )
    if problems:
        raise FormInvalid(problems)
    fields = {"title", "description", "duration_hours", "language", "level", "sim3", "roles"}
    try:
        update = training.CourseUpdate.model_validate(
            {
                "title": posted.get("title", "").strip() or None,
                "description": posted.get("description", "").strip(),
                "duration_hours": posted.get("duration_hours", "").strip() or None,
                "language": posted.get("language", "").strip() or None,
                "level": posted.get("level", "") or None,
                "sim3": [p.strip() for p in posted.get("sim3", "").split(",") if p.strip()],
                "roles": [r.strip() for r in posted.get("roles", "").split(",") if r.strip()],
                "sessions": sessions,
            }
        )
        training.update_course(engine, actor=actor, course_id=course_id, update=update)
    except (ValidationError, Invalid) as exc:
        ids = [str(x["id"]) for x in sessions]
        raise FormInvalid(_session_problems(exc, ids) or problems_of(exc, fields, "title")) from None


def _session_problems(exc: ValidationError | Invalid, ids: list[str]) -> dict[str, str]:
    """A refusal about a session (``sessions.0.seats: ...``) next to that session's field."""
    if isinstance(exc, ValidationError):
        for error in exc.errors():
            loc = error["loc"]
            if len(loc) >= 3 and loc[0] == "sessions":
                return {f"{ids[int(loc[1])]}-{loc[2]}": str(error["msg"])}
        return {}
    head, _, rest = exc.message.partition(":")
    parts = head.strip().split(".")
    if rest and len(parts) == 3 and parts[0] == "sessions" and parts[1].isdigit():
        return {f"{ids[int(parts[1])]}-{parts[2]}": rest.strip().capitalize()}
    return {}

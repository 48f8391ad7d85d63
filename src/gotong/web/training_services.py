"""The service calls behind the training page, one function per page action, each taking ``actor``.
Each calls ``gotong.training`` verbs, which check roles, the provider rule and the sharing policy
themselves; what is left here is reading forms and turning refusals into problems by form field.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import Engine

from gotong import training
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Conflict, Invalid, NotFound
from gotong.web.forms import problems_of
from gotong.web.services import FormInvalid, signed_in

ENROL_FIELDS = {"session", "participant", "participant_name", "participant_role"}


@dataclass(frozen=True)
class TrainingPage:
    compliance: list[training.CompliancePublic]
    courses: list[training.CoursePublic]
    enrolments: list[training.EnrolmentPublic]
    sessions: list[tuple[str, str]]  # (course id|session id, what the enrol form shows)


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
    return TrainingPage(compliance, courses, training.list_enrolments(engine, actor=actor), sessions)


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

"""REST for compulsory training: each handler parses its input, calls one service verb, returns a schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from gotong import training
from gotong.db.engine import read_connection
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.training import (
    Attestation,
    CompletionCreate,
    ComplianceFilter,
    CompliancePublic,
    CourseCreate,
    CoursePublic,
    CourseUpdate,
    EnrolmentCreate,
    EnrolmentFilter,
    EnrolmentPublic,
    EnrolmentStatus,
    RequirementPublic,
)

router = APIRouter(prefix="/api/v1/training", tags=["training"], dependencies=[Depends(reject_unknown_query)])


@router.get("/courses", response_model=list[CoursePublic], responses=errors(401))
def list_courses(engine: EngineDep, actor: PrincipalDep) -> list[CoursePublic]:
    """The catalogue: the courses you may see, with their sessions and the seats left."""
    return training.list_courses(engine, actor=actor)


@router.post("/courses", status_code=201, response_model=CoursePublic, responses=errors(401, 403, 404))
def add_course(body: CourseCreate, engine: EngineDep, actor: PrincipalDep) -> CoursePublic:
    """Publish a course (your organisation is its provider)."""
    return training.add_course(engine, actor=actor, course=body)


@router.get("/courses/{course_id}", response_model=CoursePublic, responses=errors(401, 404))
def get_course(course_id: str, engine: EngineDep, actor: PrincipalDep) -> CoursePublic:
    """One course with its sessions."""
    return training.get_course(engine, actor=actor, course_id=course_id)


@router.patch("/courses/{course_id}", response_model=CoursePublic, responses=errors(401, 403, 404))
def update_course(course_id: str, body: CourseUpdate, engine: EngineDep, actor: PrincipalDep) -> CoursePublic:
    """Edit a course you provide (or, as the hub, any course): title, description, duration, language,
    level, SIM3 parameters, roles, and each session's dates, seats and place."""
    return training.update_course(engine, actor=actor, course_id=course_id, update=body)


@router.get("/requirements", response_model=list[RequirementPublic], responses=errors(401))
def list_requirements(actor: PrincipalDep) -> list[RequirementPublic]:
    """The network's compulsory training."""
    return training.list_requirements(actor=actor)


@router.get("/enrolments", response_model=list[EnrolmentPublic], responses=errors(401))
def list_enrolments(
    engine: EngineDep, actor: PrincipalDep, filter: Annotated[EnrolmentFilter, Depends()]
) -> list[EnrolmentPublic]:
    """The enrolments you may see (your own, those of your courses; the hub: every member's)."""
    return training.list_enrolments(engine, actor=actor, filter=filter)


@router.post(
    "/enrolments", status_code=201, response_model=EnrolmentPublic, responses=errors(401, 403, 404, 409)
)
def enrol(body: EnrolmentCreate, engine: EngineDep, actor: PrincipalDep) -> EnrolmentPublic:
    """Enrol one of your people in a session (409 when no seat is left for your organisation)."""
    return training.enrol(engine, actor=actor, enrolment=body)


@router.patch("/enrolments/{enrolment_id}", response_model=EnrolmentPublic, responses=errors(401, 403, 404))
def attest(enrolment_id: str, body: Attestation, engine: EngineDep, actor: PrincipalDep) -> EnrolmentPublic:
    """Attend, no-show or complete (the provider), or cancel (the enrolled organisation)."""
    return training.attest(engine, actor=actor, enrolment_id=enrolment_id, attestation=body)


@router.get("/completions", response_model=list[EnrolmentPublic], responses=errors(401))
def list_completions(engine: EngineDep, actor: PrincipalDep, org: str | None = None) -> list[EnrolmentPublic]:
    """The completed enrolments you may see."""
    wanted = EnrolmentFilter(org=org, status=EnrolmentStatus.COMPLETED)
    return training.list_enrolments(engine, actor=actor, filter=wanted)


@router.post("/completions", status_code=201, response_model=EnrolmentPublic, responses=errors(401, 403, 404))
def complete(body: CompletionCreate, engine: EngineDep, actor: PrincipalDep) -> EnrolmentPublic:
    """Attest a completion, as the course's provider."""
    done = Attestation(status=EnrolmentStatus.COMPLETED, completed_on=body.completed_on, note=body.note)
    return training.attest(engine, actor=actor, enrolment_id=body.enrolment, attestation=done)


@router.get("/compliance", response_model=list[CompliancePublic], responses=errors(401, 404))
def compliance(
    engine: EngineDep, actor: PrincipalDep, filter: Annotated[ComplianceFilter, Depends()]
) -> list[CompliancePublic]:
    """Per organisation and requirement: met, due soon or overdue (yours; the hub: every member's)."""
    with read_connection(engine) as conn:
        return training.compliance_for(conn, actor=actor, org=filter.org, on=filter.on)

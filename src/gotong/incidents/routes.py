"""REST for incident cases: each handler parses its input, calls one service verb, returns a schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from gotong import incidents
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.incidents import (
    Acknowledgement,
    CaseCreate,
    CaseFilter,
    CasePublic,
    CaseUpdate,
    ClockPublic,
    EntryPublic,
    EventCreate,
    ImpactCreate,
    TaskCreate,
    TaskUpdate,
)

router = APIRouter(prefix="/api/v1/cases", tags=["incidents"], dependencies=[Depends(reject_unknown_query)])


@router.post("", status_code=201, response_model=CasePublic, responses=errors(401, 403, 404))
def open_case(body: CaseCreate, engine: EngineDep, actor: PrincipalDep) -> CasePublic:
    """Open a case led by your organisation."""
    return incidents.open_case(engine, actor=actor, case=body)


@router.get("", response_model=list[CasePublic], responses=errors(401))
def list_cases(
    request: Request, engine: EngineDep, actor: PrincipalDep, filter: Annotated[CaseFilter, Depends()]
) -> list[CasePublic]:
    """The cases you may see (without their entries), newest first."""
    return incidents.list_cases(engine, actor=actor, filter=filter, receipts=request.app.state.receipts)


@router.post(
    "/from-alert/{alert_id}", status_code=201, response_model=CasePublic, responses=errors(401, 403, 404)
)
def case_from_alert(alert_id: int, engine: EngineDep, actor: PrincipalDep) -> CasePublic:
    """Open a case from a regional alert, linking the alert's objects you may see."""
    return incidents.case_from_alert(engine, actor=actor, alert_id=alert_id)


@router.get("/{case_id}", response_model=CasePublic, responses=errors(401, 404))
def get_case(case_id: str, request: Request, engine: EngineDep, actor: PrincipalDep) -> CasePublic:
    """One case with the entries you may see."""
    return incidents.get_case(engine, actor=actor, case_id=case_id, receipts=request.app.state.receipts)


@router.patch("/{case_id}", response_model=CasePublic, responses=errors(401, 403, 404))
def update_case(case_id: str, body: CaseUpdate, engine: EngineDep, actor: PrincipalDep) -> CasePublic:
    """Change the status (as the transitions allow), the lead or the participants."""
    return incidents.update_case(engine, actor=actor, case_id=case_id, update=body)


@router.post(
    "/{case_id}/events", status_code=201, response_model=EntryPublic, responses=errors(401, 403, 404)
)
def add_event(case_id: str, body: EventCreate, engine: EngineDep, actor: PrincipalDep) -> EntryPublic:
    return incidents.add_event(engine, actor=actor, case_id=case_id, event=body)


@router.post("/{case_id}/tasks", status_code=201, response_model=EntryPublic, responses=errors(401, 403, 404))
def add_task(case_id: str, body: TaskCreate, engine: EngineDep, actor: PrincipalDep) -> EntryPublic:
    return incidents.add_task(engine, actor=actor, case_id=case_id, task=body)


@router.patch("/{case_id}/tasks/{task_id}", response_model=EntryPublic, responses=errors(401, 403, 404))
def update_task(
    case_id: str, task_id: str, body: TaskUpdate, engine: EngineDep, actor: PrincipalDep
) -> EntryPublic:
    return incidents.update_task(engine, actor=actor, case_id=case_id, task_id=task_id, update=body)


@router.post(
    "/{case_id}/impacts", status_code=201, response_model=EntryPublic, responses=errors(401, 403, 404)
)
def add_impact(case_id: str, body: ImpactCreate, engine: EngineDep, actor: PrincipalDep) -> EntryPublic:
    return incidents.add_impact(engine, actor=actor, case_id=case_id, impact=body)


@router.get("/{case_id}/clocks", response_model=list[ClockPublic], responses=errors(401, 404))
def case_clocks(case_id: str, engine: EngineDep, actor: PrincipalDep) -> list[ClockPublic]:
    """Every party's SLA clocks of a case you may see: state, start, due and met times."""
    return incidents.case_clocks(engine, actor=actor, case_id=case_id)


@router.post(
    "/{case_id}/acknowledge", status_code=201, response_model=EntryPublic, responses=errors(401, 403, 404)
)
def acknowledge_case(
    case_id: str, engine: EngineDep, actor: PrincipalDep, body: Acknowledgement | None = None
) -> EntryPublic:
    """Record that your organisation has seen the case (meets its acknowledge clock)."""
    note = body.note if body else ""
    return incidents.acknowledge_case(engine, actor=actor, case_id=case_id, note=note)

"""REST for the taskforce: each handler parses its input, calls one service verb, returns a schema."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from gotong import taskforce
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.taskforce import (
    AgendaItemPublic,
    MeasurePublic,
    MotionCreate,
    MotionPublic,
    RemedyReport,
    ReviewCreate,
    ReviewPublic,
    ReviewResponse,
    SeatPublic,
    VoteCast,
    VotePublic,
)

router = APIRouter(
    prefix="/api/v1/taskforce", tags=["taskforce"], dependencies=[Depends(reject_unknown_query)]
)


@router.get("/seats", response_model=list[SeatPublic], responses=errors(401))
def list_seats(engine: EngineDep, actor: PrincipalDep) -> list[SeatPublic]:
    """One seat per member state: holder, alternate, term, and who chairs today."""
    return taskforce.list_seats(engine, actor=actor)


@router.get("/agenda", response_model=list[AgendaItemPublic], responses=errors(401))
def list_agenda(engine: EngineDep, actor: PrincipalDep) -> list[AgendaItemPublic]:
    """Matters tabled by a finding (a budget below its mandate), as their source record allows."""
    return taskforce.list_agenda(engine, actor=actor)


@router.get("/reviews", response_model=list[ReviewPublic], responses=errors(401))
def list_reviews(engine: EngineDep, actor: PrincipalDep) -> list[ReviewPublic]:
    """The reviews you may see: the taskforce's deliberations (none for anyone else)."""
    return taskforce.list_reviews(engine, actor=actor)


@router.post("/reviews", status_code=201, response_model=ReviewPublic, responses=errors(401, 403, 404))
def open_review(body: ReviewCreate, engine: EngineDep, actor: PrincipalDep) -> ReviewPublic:
    """Open a review of a member's implementation of a norm (a seat holder)."""
    return taskforce.open_review(engine, actor=actor, review=body)


@router.post(
    "/reviews/{review_id}/response", response_model=ReviewPublic, responses=errors(401, 403, 404, 409)
)
def respond_review(
    review_id: str, body: ReviewResponse, engine: EngineDep, actor: PrincipalDep
) -> ReviewPublic:
    """The reviewed member's written response (its own seat)."""
    return taskforce.respond_review(engine, actor=actor, review_id=review_id, response=body)


@router.get("/motions", response_model=list[MotionPublic], responses=errors(401))
def list_motions(
    engine: EngineDep,
    actor: PrincipalDep,
    status: Annotated[Literal["open", "adopted", "rejected"] | None, Query()] = None,
) -> list[MotionPublic]:
    """The motions you may see: open ones for the taskforce, decided ones for every member."""
    return taskforce.list_motions(engine, actor=actor, status=status)


@router.post("/motions", status_code=201, response_model=MotionPublic, responses=errors(401, 403, 404, 409))
def table_motion(body: MotionCreate, engine: EngineDep, actor: PrincipalDep) -> MotionPublic:
    """Table a motion, seconded by another seat; voting opens now."""
    return taskforce.table_motion(engine, actor=actor, motion=body)


@router.get("/motions/{motion_id}", response_model=MotionPublic, responses=errors(401, 404))
def get_motion(motion_id: str, engine: EngineDep, actor: PrincipalDep) -> MotionPublic:
    """One motion: text, rule, window, and its tally and votes as the rule allows."""
    return taskforce.get_motion(engine, actor=actor, motion_id=motion_id)


@router.post(
    "/motions/{motion_id}/votes",
    status_code=201,
    response_model=VotePublic,
    responses=errors(401, 403, 404, 409),
)
def cast_vote(motion_id: str, body: VoteCast, engine: EngineDep, actor: PrincipalDep) -> VotePublic:
    """Cast your seat's vote (or change it while the window is open)."""
    return taskforce.cast_vote(engine, actor=actor, motion_id=motion_id, vote=body)


@router.get("/measures", response_model=list[MeasurePublic], responses=errors(401))
def list_measures(engine: EngineDep, actor: PrincipalDep) -> list[MeasurePublic]:
    """The measures on members, with their rung, deadline and history."""
    return taskforce.list_measures(engine, actor=actor)


@router.post(
    "/measures/{measure_id}/remedy", response_model=MeasurePublic, responses=errors(401, 403, 404, 409)
)
def report_remedy(
    measure_id: str, body: RemedyReport, engine: EngineDep, actor: PrincipalDep
) -> MeasurePublic:
    """The member's seat reports a remedy: the measure stops climbing until a vote lifts it."""
    return taskforce.report_remedy(engine, actor=actor, measure_id=measure_id, report=body)

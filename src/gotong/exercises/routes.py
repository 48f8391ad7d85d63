"""REST for exercises and scenarios: each handler parses its input, calls one service verb."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from gotong import exercises, reports
from gotong.exercises import (
    ActionItemCreate,
    ActionItemPublic,
    ActionItemUpdate,
    AppealCreate,
    AppealDecision,
    AppealPublic,
    EvaluationCreate,
    ExerciseCreate,
    ExercisePublic,
    InjectPublic,
    Scenario,
    ScenarioSummary,
    ScorePublic,
    ScoresPublic,
)
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep

router = APIRouter(prefix="/api/v1", tags=["exercises"], dependencies=[Depends(reject_unknown_query)])


@router.get("/exercises", response_model=list[ExercisePublic], responses=errors(401))
def list_exercises(engine: EngineDep, actor: PrincipalDep) -> list[ExercisePublic]:
    """The exercises you take part in (every one, for the hub), newest first."""
    return exercises.list_exercises(engine, actor=actor)


@router.post("/exercises", status_code=201, response_model=ExercisePublic, responses=errors(401, 403, 404))
def create_exercise(body: ExerciseCreate, engine: EngineDep, actor: PrincipalDep) -> ExercisePublic:
    """Make a planned exercise from a scenario for its participants (the hub's coordinators)."""
    return exercises.create_exercise(engine, actor=actor, exercise=body)


@router.get("/exercises/{exercise_id}", response_model=ExercisePublic, responses=errors(401, 404))
def get_exercise(exercise_id: str, engine: EngineDep, actor: PrincipalDep) -> ExercisePublic:
    """One exercise with its published rubric and schedule."""
    return exercises.get_exercise(engine, actor=actor, exercise_id=exercise_id)


@router.post(
    "/exercises/{exercise_id}/start", response_model=ExercisePublic, responses=errors(401, 403, 404, 409)
)
def start_exercise(exercise_id: str, engine: EngineDep, actor: PrincipalDep) -> ExercisePublic:
    """Start a planned exercise or resume a paused one."""
    return exercises.start_exercise(engine, actor=actor, exercise_id=exercise_id)


@router.post(
    "/exercises/{exercise_id}/pause", response_model=ExercisePublic, responses=errors(401, 403, 404, 409)
)
def pause_exercise(exercise_id: str, engine: EngineDep, actor: PrincipalDep) -> ExercisePublic:
    """Hold the exercise's clock."""
    return exercises.pause_exercise(engine, actor=actor, exercise_id=exercise_id)


@router.post(
    "/exercises/{exercise_id}/stop", response_model=ExercisePublic, responses=errors(401, 403, 404, 409)
)
def stop_exercise(exercise_id: str, engine: EngineDep, actor: PrincipalDep) -> ExercisePublic:
    """End the exercise; what was not answered by now is missed."""
    return exercises.stop_exercise(engine, actor=actor, exercise_id=exercise_id)


@router.get("/exercises/{exercise_id}/injects", response_model=list[InjectPublic], responses=errors(401, 404))
def list_injects(exercise_id: str, engine: EngineDep, actor: PrincipalDep) -> list[InjectPublic]:
    """The delivered injects you may see: your own, or every participant's for the hub."""
    return exercises.list_injects(engine, actor=actor, exercise_id=exercise_id)


@router.post(
    "/exercises/{exercise_id}/injects/{inject_id}/ack",
    response_model=InjectPublic,
    responses=errors(401, 403, 404, 409),
)
def acknowledge_inject(
    exercise_id: str, inject_id: str, engine: EngineDep, actor: PrincipalDep
) -> InjectPublic:
    """Acknowledge one of your injects (the time the platform stores it is what counts)."""
    return exercises.acknowledge_inject(engine, actor=actor, exercise_id=exercise_id, inject_id=inject_id)


@router.get("/exercises/{exercise_id}/scores", response_model=ScoresPublic, responses=errors(401, 404))
def get_scores(exercise_id: str, engine: EngineDep, actor: PrincipalDep) -> ScoresPublic:
    """Your scores (every participant's for the hub) and the anonymised distribution."""
    return exercises.get_scores(engine, actor=actor, exercise_id=exercise_id)


@router.post(
    "/exercises/{exercise_id}/scores",
    status_code=201,
    response_model=ScorePublic,
    responses=errors(401, 403, 404),
)
def evaluate(exercise_id: str, body: EvaluationCreate, engine: EngineDep, actor: PrincipalDep) -> ScorePublic:
    """The hub's evaluator scores a manual expectation of one participant against its rubric."""
    return exercises.evaluate(engine, actor=actor, exercise_id=exercise_id, evaluation=body)


@router.get("/exercises/{exercise_id}/appeals", response_model=list[AppealPublic], responses=errors(401, 404))
def list_appeals(exercise_id: str, engine: EngineDep, actor: PrincipalDep) -> list[AppealPublic]:
    """Your appeals (all, for the hub) with their decisions."""
    return exercises.list_appeals(engine, actor=actor, exercise_id=exercise_id)


@router.post(
    "/exercises/{exercise_id}/appeals",
    status_code=201,
    response_model=AppealPublic,
    responses=errors(401, 403, 404),
)
def file_appeal(exercise_id: str, body: AppealCreate, engine: EngineDep, actor: PrincipalDep) -> AppealPublic:
    """Appeal one of your results."""
    return exercises.file_appeal(engine, actor=actor, exercise_id=exercise_id, appeal=body)


@router.post(
    "/exercises/{exercise_id}/appeals/{appeal_id}/decision",
    response_model=AppealPublic,
    responses=errors(401, 403, 404, 409),
)
def decide_appeal(
    exercise_id: str, appeal_id: str, body: AppealDecision, engine: EngineDep, actor: PrincipalDep
) -> AppealPublic:
    """The hub's decision on an appeal, recorded; an upheld one changes the score."""
    return exercises.decide_appeal(
        engine, actor=actor, exercise_id=exercise_id, appeal_id=appeal_id, decision=body
    )


@router.get(
    "/exercises/{exercise_id}/actions", response_model=list[ActionItemPublic], responses=errors(401, 404)
)
def list_action_items(
    exercise_id: str,
    engine: EngineDep,
    actor: PrincipalDep,
    overdue: Annotated[
        bool | None, Query(description="only the overdue (true) or the others (false)")
    ] = None,
) -> list[ActionItemPublic]:
    """The drill's action items you may see: your own (every participant's for the hub)."""
    return exercises.list_action_items(engine, actor=actor, exercise_id=exercise_id, overdue=overdue)


@router.post(
    "/exercises/{exercise_id}/actions",
    status_code=201,
    response_model=ActionItemPublic,
    responses=errors(401, 403, 404),
)
def create_action_item(
    exercise_id: str, body: ActionItemCreate, engine: EngineDep, actor: PrincipalDep
) -> ActionItemPublic:
    """Add an action item: the hub for any participant, a participant for itself."""
    return exercises.create_action_item(engine, actor=actor, exercise_id=exercise_id, item=body)


@router.patch(
    "/exercises/{exercise_id}/actions/{action_id}",
    response_model=ActionItemPublic,
    responses=errors(401, 403, 404),
)
def update_action_item(
    exercise_id: str, action_id: str, body: ActionItemUpdate, engine: EngineDep, actor: PrincipalDep
) -> ActionItemPublic:
    """Close an action item with evidence, reopen it, or change its owner, due date or plan link."""
    return exercises.update_action_item(
        engine, actor=actor, exercise_id=exercise_id, action_id=action_id, update=body
    )


@router.get(
    "/exercises/{exercise_id}/after-action",
    response_model=reports.AfterActionPublic,
    responses={
        **errors(401, 404, 409),
        200: {
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "text/html": {"schema": {"type": "string"}},
            },
            "description": "the report (JSON, or with ?format= an HTML or PDF document)",
        },
    },
)
def after_action(
    exercise_id: str,
    engine: EngineDep,
    actor: PrincipalDep,
    format: Annotated[
        str, Query(pattern="^(json|html|pdf)$", description="json (default), html or pdf")
    ] = "json",
) -> reports.AfterActionPublic | Response:
    """The after-action report of a stopped drill: what you may see of it (every participant's results
    for the hub; your own and the anonymised distribution otherwise). 409 while the drill runs."""
    found = reports.after_action_report(engine, actor=actor, exercise_id=exercise_id)
    if format == "pdf":
        headers = {"Content-Disposition": 'attachment; filename="gotong-after-action.pdf"'}
        return Response(reports.render_after_action_pdf(found), media_type="application/pdf", headers=headers)
    if format == "html":
        return HTMLResponse(reports.render_after_action_html(found))
    return found


@router.get("/scenarios", response_model=list[ScenarioSummary], responses=errors(401))
def list_scenarios(engine: EngineDep, actor: PrincipalDep) -> list[ScenarioSummary]:
    """The shipped templates and the scenarios imported here."""
    return exercises.list_scenarios(engine, actor=actor)


@router.post("/scenarios", status_code=201, response_model=ScenarioSummary, responses=errors(401, 403, 409))
def import_scenario(body: Scenario, engine: EngineDep, actor: PrincipalDep) -> ScenarioSummary:
    """Import a scenario (the JSON another network exported)."""
    return exercises.import_scenario(engine, actor=actor, scenario=body)


@router.get("/scenarios/{scenario_id}", response_model=Scenario, responses=errors(401, 404))
def export_scenario(scenario_id: str, engine: EngineDep, actor: PrincipalDep) -> Scenario:
    """A scenario as JSON, to import elsewhere."""
    return exercises.export_scenario(engine, actor=actor, scenario_id=scenario_id)

"""The verbs of regional drills: make an exercise from a scenario, start, pause and stop it, deliver
its injects on the clock (the job in ``clocks.py`` calls :func:`tick`), acknowledge injects, score,
evaluate, appeal and decide; import and export scenarios.

Every record is a STIX object of Gotong's exercise types in the exercise collection, written through
the intel store and read through the intel read path, so the sharing policy decides who sees it: the
exercise itself is TLP:AMBER+STRICT to a named-recipients group of its participants and the hub;
each delivered inject, score and appeal to a group of its one participant and the hub. Scores are
computed by the hub from what the platform recorded (when an acknowledgement or an indicator was
stored, when a contact check was answered), never from what a participant says of itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from gotong.exercises import delivery, objects, policy, publics, records, storage
from gotong.exercises.library import export_scenario, import_scenario, list_scenarios
from gotong.exercises.objects import APPEAL_TYPE, EXERCISE_TYPE, INJECT_TYPE, SCORE_TYPE
from gotong.exercises.records import EXERCISE_COLLECTION
from gotong.exercises.scenarios import (
    ALL,
    ExpectationKind,
)
from gotong.exercises.schemas import (
    AppealCreate,
    AppealDecision,
    AppealOutcome,
    AppealPublic,
    EvaluationCreate,
    ExerciseCreate,
    ExercisePublic,
    ExerciseStatus,
    InjectPublic,
    ScorePublic,
    ScoresPublic,
)
from gotong.intel.collections import get_collection
from gotong.orgs.service import Organisation, get_org, hub
from gotong.settings import Settings
from gotong.sharing.service import load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import micros_of, now_micros

__all__ = [
    "EXERCISE_COLLECTION",
    "acknowledge_inject",
    "create_exercise",
    "decide_appeal",
    "evaluate",
    "export_scenario",
    "file_appeal",
    "get_exercise",
    "get_scores",
    "import_scenario",
    "list_appeals",
    "list_exercises",
    "list_injects",
    "list_scenarios",
    "may_run_exercises",
    "pause_exercise",
    "start_exercise",
    "stop_exercise",
    "tick",
]


# --- exercises -----------------------------------------------------------------------------------------


def create_exercise(
    engine: Engine, *, actor: Principal, exercise: ExerciseCreate, now: int | None = None
) -> ExercisePublic:
    """Make a planned exercise of a scenario for its participants; its rubric is visible to them at once."""
    with read_connection(engine) as conn:
        controller = hub(conn)
        policy.may_control(actor, hub_id=controller.id)
        participants = records.participants(conn, exercise.participants, controller)
    scenario = export_scenario(engine, actor=actor, scenario_id=exercise.scenario)
    names = {p.short_name for p in participants}
    for inject in scenario.injects:
        strangers = [t for t in inject.targets if t != ALL and t not in names]
        if strangers:
            raise Invalid(
                f"participants: inject {inject.id} targets {', '.join(strangers)}, not a participant"
            )
    exercise_id = objects.new_id(EXERCISE_TYPE)
    group = records.group(
        engine, f"exercise {exercise_id[-12:]}", [*sorted(names), controller.short_name], controller
    )
    collection = records.collection(engine)
    stamp = records.ts(now if now is not None else now_micros())
    obj = objects.record(
        EXERCISE_TYPE,
        stix_id=exercise_id,
        exercise_id=exercise_id,
        now=stamp,
        by=controller.identity_id,
        markings=[TLP.AMBER_STRICT.marking_id, group.marking_id],
        props={
            "name": exercise.name,
            "scenario_id": scenario.id,
            "scenario": scenario.model_dump(mode="json"),
            "controller_ref": controller.identity_id,
            "participant_refs": [p.identity_id for p in participants],
            "status": str(ExerciseStatus.PLANNED),
            "history": [records.entry("created", stamp, actor)],
            "delivered": [],
            "paused_micros": 0,
            "distribution": [],
        },
    )
    storage.write(engine, actor, collection, [objects.extension_definition(controller.identity_id), obj])
    return get_exercise(engine, actor=actor, exercise_id=exercise_id)


def may_run_exercises(engine: Engine, *, actor: Principal) -> bool:
    """Whether the actor may make and run exercises (pages offer the forms only then)."""
    with read_connection(engine) as conn:
        try:
            controller = hub(conn)
            policy.may_control(actor, hub_id=controller.id)
        except (NotFound, Forbidden, Unauthorized):
            return False
    return True


def list_exercises(engine: Engine, *, actor: Principal) -> list[ExercisePublic]:
    """The exercises the actor takes part in (all of them, for the hub), newest first."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        names, groups = records.names(conn), records.groups(conn)
        collection = records.existing_collection(conn)
        if collection is None:
            return []
        found = [
            publics.exercise_public(o, collection, names, groups)
            for o in storage.latest(conn, reader, collection, types=(EXERCISE_TYPE,))
        ]
    return sorted(found, key=lambda e: (e.created, e.id), reverse=True)


def get_exercise(engine: Engine, *, actor: Principal, exercise_id: str) -> ExercisePublic:
    policy.may_read(actor)
    with read_connection(engine) as conn:
        collection, obj = records.find(conn, load_reader(conn, actor), exercise_id)
        return publics.exercise_public(obj, collection, records.names(conn), records.groups(conn))


def start_exercise(
    engine: Engine, *, actor: Principal, exercise_id: str, now: int | None = None
) -> ExercisePublic:
    """Start a planned exercise, or resume a paused one (its clock goes on where it stopped)."""
    at = now if now is not None else now_micros()

    def change(props: dict[str, Any], stamp: str) -> None:
        status = ExerciseStatus(props["status"])
        if status == ExerciseStatus.PLANNED:
            props["started_at"] = stamp
        elif status == ExerciseStatus.PAUSED:
            props["paused_micros"] = props.get("paused_micros", 0) + at - micros_of(props.pop("paused_at"))
        else:
            raise Conflict(f"an exercise that is {status} cannot be started")
        props["status"] = str(ExerciseStatus.RUNNING)

    _transition(engine, actor, exercise_id, at, "started", change)
    return get_exercise(engine, actor=actor, exercise_id=exercise_id)


def pause_exercise(
    engine: Engine, *, actor: Principal, exercise_id: str, now: int | None = None
) -> ExercisePublic:
    """Hold a running exercise's clock: no inject is sent until it is started again."""
    at = now if now is not None else now_micros()

    def change(props: dict[str, Any], stamp: str) -> None:
        if props["status"] != ExerciseStatus.RUNNING:
            raise Conflict(f"an exercise that is {props['status']} cannot be paused")
        props["status"], props["paused_at"] = str(ExerciseStatus.PAUSED), stamp

    _transition(engine, actor, exercise_id, at, "paused", change)
    return get_exercise(engine, actor=actor, exercise_id=exercise_id)


def stop_exercise(
    engine: Engine, *, actor: Principal, exercise_id: str, now: int | None = None
) -> ExercisePublic:
    """End the exercise: nothing more is sent; what was not answered by now is missed; scores are final
    but for manual evaluations and appeals."""
    at = now if now is not None else now_micros()

    def change(props: dict[str, Any], stamp: str) -> None:
        if props["status"] not in (ExerciseStatus.RUNNING, ExerciseStatus.PAUSED):
            raise Conflict(f"an exercise that is {props['status']} cannot be stopped")
        props["status"], props["stopped_at"] = str(ExerciseStatus.STOPPED), stamp
        props.pop("paused_at", None)

    _transition(engine, actor, exercise_id, at, "stopped", change)
    delivery.rescore(engine, exercise_id, now=at)
    return get_exercise(engine, actor=actor, exercise_id=exercise_id)


def tick(
    engine: Engine,
    *,
    settings: Settings | None,
    now: int | None = None,
    base_url: str = "",
    only: str | None = None,
) -> int:
    """The clock's work (the job calls it every minute; tests call it with their own ``now``): send
    every running exercise's injects that are due, then score what is running. Returns how many
    injects (per participant) were sent."""
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        collection = records.existing_collection(conn)
        if collection is None:
            return 0
        controller = hub(conn)
        if settings is not None and settings.node_org and settings.node_org != controller.short_name:
            # A participant's national node: its copies of the hub's drills arrived by federation
            # and are played here; only the hub's own node sends their injects and scores them.
            return 0
        running = [
            o
            for o in storage.latest(
                conn, records.hub_reader(conn, controller), collection, types=(EXERCISE_TYPE,)
            )
            if o["status"] == ExerciseStatus.RUNNING and (only is None or o["id"] == only)
        ]
    sent = 0
    for obj in running:
        sent += delivery.deliver_due(
            engine, obj, collection, controller, settings=settings, base_url=base_url, now=at
        )
        delivery.rescore(engine, obj["id"], now=at)
    return sent


# --- injects -------------------------------------------------------------------------------------------


def list_injects(engine: Engine, *, actor: Principal, exercise_id: str) -> list[InjectPublic]:
    """The delivered injects the actor may see: its own, or every participant's for the hub."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        collection, _exercise = records.find(conn, reader, exercise_id)
        names, groups = records.names(conn), records.groups(conn)
        injects = [
            o
            for o in storage.latest(conn, reader, collection, types=(INJECT_TYPE,))
            if o["exercise_ref"] == exercise_id
        ]
        acks = delivery.acks(conn, reader, collection, exercise_id)
    found = [publics.inject_public(o, collection, names, groups, acks) for o in injects]
    return sorted(found, key=lambda i: (i.delivered_at, i.inject, i.participant))


def acknowledge_inject(
    engine: Engine, *, actor: Principal, exercise_id: str, inject_id: str, now: int | None = None
) -> InjectPublic:
    """The participant's acknowledgement of an inject: a note on it, timed by the store."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        collection, exercise = records.find(conn, reader, exercise_id)
        inject = records.one(conn, reader, collection, INJECT_TYPE, inject_id, "inject")
        participant = records.org_by_identity(conn, inject["participant_ref"])
    policy.may_respond(actor, participant_id=participant.id, what="acknowledge an inject")
    if inject["exercise_ref"] != exercise_id:
        raise NotFound(f"inject {inject_id} is not one of exercise {exercise_id}")
    if exercise["status"] == ExerciseStatus.STOPPED:
        raise Conflict("the exercise has stopped: nothing more is scored")
    note = objects.acknowledgement(
        inject=inject, by=participant.identity_id, now=records.ts(now or now_micros())
    )
    storage.write(engine, actor, collection, [note])
    (found,) = [i for i in list_injects(engine, actor=actor, exercise_id=exercise_id) if i.id == inject_id]
    return found


# --- scores, evaluations, appeals ----------------------------------------------------------------------


def get_scores(engine: Engine, *, actor: Principal, exercise_id: str) -> ScoresPublic:
    """The scores the actor may see (its own; every participant's for the hub) and the anonymised
    distribution of all participants' percentages."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        collection, exercise = records.find(conn, reader, exercise_id)
        names, groups = records.names(conn), records.groups(conn)
        scores = [
            publics.score_public(o, names, groups)
            for o in storage.latest(conn, reader, collection, types=(SCORE_TYPE,))
            if o["exercise_ref"] == exercise_id
        ]
    return ScoresPublic(
        exercise=exercise_id,
        status=ExerciseStatus(exercise["status"]),
        scores=sorted(scores, key=lambda s: s.participant),
        distribution=list(exercise.get("distribution", [])),
    )


def evaluate(
    engine: Engine,
    *,
    actor: Principal,
    exercise_id: str,
    evaluation: EvaluationCreate,
    now: int | None = None,
) -> ScorePublic:
    """The hub's evaluator scores one participant's manual expectation against its rubric."""
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        controller = hub(conn)
        policy.may_control(actor, hub_id=controller.id)
        participant = get_org(conn, short_name=evaluation.participant)
    score = _score_of(engine, exercise_id, participant, controller)
    line = _result_line(score, evaluation.inject, evaluation.expectation)
    if line["kind"] != ExpectationKind.MANUAL:
        raise Invalid(
            f"expectation: {evaluation.expectation} is observed by the platform, not evaluated by hand"
        )
    if evaluation.points > line["max_points"]:
        raise Invalid(f"points: {evaluation.expectation} earns at most {line['max_points']}")
    entry = {
        "inject": evaluation.inject,
        "expectation": evaluation.expectation,
        "points": evaluation.points,
        "note": evaluation.note,
        "at": records.ts(at),
        "by": actor.org_short or controller.short_name,
    }
    _append(engine, score, "evaluations", entry, controller, at)
    delivery.rescore(engine, exercise_id, now=at)
    return _score_for(engine, actor, exercise_id, participant)


def file_appeal(
    engine: Engine, *, actor: Principal, exercise_id: str, appeal: AppealCreate, now: int | None = None
) -> AppealPublic:
    """A participant appeals one of its results; the hub decides (:func:`decide_appeal`)."""
    at = now if now is not None else now_micros()
    policy.may_read(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        collection, _exercise = records.find(conn, reader, exercise_id)
        mine = get_org(conn, org_id=actor.org_id)
        scores = [
            o
            for o in storage.latest(conn, reader, collection, types=(SCORE_TYPE,))
            if o["exercise_ref"] == exercise_id and o["participant_ref"] == mine.identity_id
        ]
    if not scores:
        raise NotFound("you have no score in this exercise to appeal")
    policy.may_respond(actor, participant_id=mine.id, what="appeal a score")
    _result_line(scores[0], appeal.inject, appeal.expectation)
    obj = objects.record(
        APPEAL_TYPE,
        stix_id=objects.new_id(APPEAL_TYPE),
        exercise_id=exercise_id,
        now=records.ts(at),
        by=mine.identity_id,
        markings=list(scores[0]["object_marking_refs"]),
        props={
            "exercise_ref": exercise_id,
            "participant_ref": mine.identity_id,
            "inject": appeal.inject,
            "expectation": appeal.expectation,
            "reason": appeal.reason,
        },
    )
    storage.write(engine, actor, collection, [obj])
    (found,) = [a for a in list_appeals(engine, actor=actor, exercise_id=exercise_id) if a.id == obj["id"]]
    return found


def list_appeals(engine: Engine, *, actor: Principal, exercise_id: str) -> list[AppealPublic]:
    """The appeals the actor may see (its own; all for the hub), each with the decision if there is one."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        collection, _exercise = records.find(conn, reader, exercise_id)
        names, groups = records.names(conn), records.groups(conn)
        appeals = [
            o
            for o in storage.latest(conn, reader, collection, types=(APPEAL_TYPE,))
            if o["exercise_ref"] == exercise_id
        ]
        decisions = {
            d["appeal_ref"]: d
            for o in storage.latest(conn, reader, collection, types=(SCORE_TYPE,))
            if o["exercise_ref"] == exercise_id
            for d in o.get("decisions", [])
        }
    found = [publics.appeal_public(a, decisions.get(a["id"]), names, groups) for a in appeals]
    return sorted(found, key=lambda a: (a.filed_at, a.id))


def decide_appeal(
    engine: Engine,
    *,
    actor: Principal,
    exercise_id: str,
    appeal_id: str,
    decision: AppealDecision,
    now: int | None = None,
) -> AppealPublic:
    """The hub's recorded decision on an appeal; an upheld one sets the result's points."""
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        controller = hub(conn)
        policy.may_control(actor, hub_id=controller.id)
        reader = records.hub_reader(conn, controller)
        collection, _exercise = records.find(conn, reader, exercise_id)
        appeal = records.one(conn, reader, collection, APPEAL_TYPE, appeal_id, "appeal")
        participant = records.org_by_identity(conn, appeal["participant_ref"])
    if decision.outcome == AppealOutcome.OPEN:
        raise Invalid("outcome: decide an appeal upheld or rejected")
    if decision.outcome == AppealOutcome.UPHELD and decision.points is None:
        raise Invalid("points: an upheld appeal says how many points the result now earns")
    score = _score_of(engine, exercise_id, participant, controller)
    if any(d["appeal_ref"] == appeal_id for d in score.get("decisions", [])):
        raise Conflict("this appeal is already decided")
    line = _result_line(score, appeal["inject"], appeal["expectation"])
    if decision.points is not None and decision.points > line["max_points"]:
        raise Invalid(f"points: {appeal['expectation']} earns at most {line['max_points']}")
    entry: dict[str, Any] = {
        "appeal_ref": appeal_id,
        "inject": appeal["inject"],
        "expectation": appeal["expectation"],
        "outcome": str(decision.outcome),
        "reason": decision.reason,
        "points_before": line["points"],
        "at": records.ts(at),
        "by": actor.org_short or controller.short_name,
    }
    if decision.outcome == AppealOutcome.UPHELD:
        entry["points"] = decision.points
    _append(engine, score, "decisions", entry, controller, at)
    delivery.rescore(engine, exercise_id, now=at)
    (found,) = [a for a in list_appeals(engine, actor=actor, exercise_id=exercise_id) if a.id == appeal_id]
    return found


# --- helpers -------------------------------------------------------------------------------------------


def _transition(engine: Engine, actor: Principal, exercise_id: str, at: int, event: str, change: Any) -> None:
    with read_connection(engine) as conn:
        controller = hub(conn)
        policy.may_control(actor, hub_id=controller.id)
        collection, obj = records.find(conn, load_reader(conn, actor), exercise_id)
    stamp = records.after(obj["modified"], at)
    props = objects.props_of(obj)
    change(props, records.ts(at))  # the clock's own time; ``modified`` only has to grow
    props["history"] = [*props["history"], records.entry(event, stamp, actor)]
    new = {k: v for k, v in obj.items() if k not in props}
    storage.write(engine, actor, collection, [{**new, **props, "modified": stamp}])


def _score_of(
    engine: Engine, exercise_id: str, participant: Organisation, controller: Organisation
) -> dict[str, Any]:
    with read_connection(engine) as conn:
        reader = records.hub_reader(conn, controller)
        collection, _exercise = records.find(conn, reader, exercise_id)
        for o in storage.latest(conn, reader, collection, types=(SCORE_TYPE,)):
            if o["exercise_ref"] == exercise_id and o["participant_ref"] == participant.identity_id:
                return o
    raise NotFound(
        f"{participant.short_name} has no score in exercise {exercise_id} (no inject was sent to it yet)"
    )


def _score_for(engine: Engine, actor: Principal, exercise_id: str, participant: Organisation) -> ScorePublic:
    for score in get_scores(engine, actor=actor, exercise_id=exercise_id).scores:
        if score.participant == participant.short_name:
            return score
    raise NotFound(f"no score of {participant.short_name} is visible to you")


def _result_line(score: dict[str, Any], inject: str, expectation: str) -> dict[str, Any]:
    for line in score.get("results", []):
        if line["inject"] == inject and line["expectation"] == expectation:
            return dict(line)
    raise Invalid(f"inject/expectation: there is no result {inject}/{expectation} in this score")


def _append(
    engine: Engine,
    score: dict[str, Any],
    field: str,
    entry: dict[str, Any],
    controller: Organisation,
    at: int,
) -> None:
    with read_connection(engine) as conn:
        collection = get_collection(conn, EXERCISE_COLLECTION).id
    new = objects.revised(
        score, modified=records.after(score["modified"], at), props={field: [*score.get(field, []), entry]}
    )
    storage.write(engine, Principal(org_id=controller.id, org_short=controller.short_name), collection, [new])

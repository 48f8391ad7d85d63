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

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Engine

from gotong import contacts
from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Conflict, Invalid, NotFound
from gotong.exercises import objects, policy, publics, scoring, storage
from gotong.exercises.objects import APPEAL_TYPE, EXERCISE_TYPE, INJECT_TYPE, SCENARIO_TYPE, SCORE_TYPE
from gotong.exercises.scenarios import (
    ALL,
    Channel,
    ExpectationKind,
    Scenario,
    parse_scenario,
    shipped_scenarios,
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
    ScenarioSummary,
    ScorePublic,
    ScoresPublic,
)
from gotong.intel.collections import add_collection, get_collection
from gotong.orgs.service import Organisation, get_org, hub, list_orgs
from gotong.settings import Settings
from gotong.sharing.definitions import publish_definitions
from gotong.sharing.models import GroupKind
from gotong.sharing.service import SharingGroup, add_group, get_group, list_groups, load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.exercise import EXERCISE_PROPERTY
from gotong.stix.timestamps import format_micros, micros_of, now_micros

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
    "pause_exercise",
    "start_exercise",
    "stop_exercise",
    "tick",
]

EXERCISE_COLLECTION = "gotong-exercises"
"""The alias of the exercise collection (made on first use, readable and writable by every
organisation: who sees a record is its markings' decision). Participants share their drill
indicators here, marked with ``x_gotong_exercise``."""
_MINUTE = 60_000_000
_SYSTEM = "gotong"
_DUTY_DESK = "duty-desk"


# --- scenarios -----------------------------------------------------------------------------------------


def list_scenarios(engine: Engine, *, actor: Principal) -> list[ScenarioSummary]:
    """The shipped templates and the scenarios imported on this node."""
    policy.may_read(actor)
    found = {s.id: (s, True) for s in shipped_scenarios().values()}
    with read_connection(engine) as conn:
        for obj in _imported(conn, actor, engine):
            scenario = parse_scenario(obj["scenario"])
            found.setdefault(scenario.id, (scenario, False))
    return [
        ScenarioSummary(
            id=s.id,
            title=s.title,
            version=s.version,
            injects=len(s.injects),
            max_points=s.max_points(),
            shipped=shipped,
        )
        for s, shipped in sorted(found.values(), key=lambda f: f[0].id)
    ]


def export_scenario(engine: Engine, *, actor: Principal, scenario_id: str) -> Scenario:
    """A scenario as the JSON another network imports."""
    policy.may_read(actor)
    shipped = shipped_scenarios().get(scenario_id)
    if shipped is not None:
        return shipped
    with read_connection(engine) as conn:
        for obj in _imported(conn, actor, engine):
            if obj.get("scenario_id") == scenario_id:
                return parse_scenario(obj["scenario"])
    raise NotFound(f"no scenario {scenario_id!r}; see GET /api/v1/scenarios")


def import_scenario(
    engine: Engine, *, actor: Principal, scenario: Scenario, now: int | None = None
) -> ScenarioSummary:
    """Store a scenario (from another network, or written here) for the hub's exercises; importing
    one of the same id again replaces it. The shipped templates' ids are taken."""
    with read_connection(engine) as conn:
        controller = hub(conn)
    policy.may_control(actor, hub_id=controller.id)
    if scenario.id in shipped_scenarios():
        raise Conflict(f"scenario id {scenario.id!r} is a shipped template's; give yours another id")
    collection = _collection(engine)
    stamp = _ts(now if now is not None else now_micros())
    with read_connection(engine) as conn:
        old = next((o for o in _imported(conn, actor, engine) if o.get("scenario_id") == scenario.id), None)
    props = {"name": scenario.title, "scenario_id": scenario.id, "scenario": scenario.model_dump(mode="json")}
    if old is None:
        sid = objects.new_id(SCENARIO_TYPE)
        obj = objects.record(
            SCENARIO_TYPE,
            stix_id=sid,
            exercise_id=sid,
            now=stamp,
            by=controller.identity_id,
            markings=[TLP.GREEN.marking_id],
            props=props,
        )
    else:
        obj = objects.revised(old, modified=_after(old["modified"], micros_of(stamp)), props=props)
    storage.write(engine, actor, collection, [objects.extension_definition(controller.identity_id), obj])
    return ScenarioSummary(
        id=scenario.id,
        title=scenario.title,
        version=scenario.version,
        injects=len(scenario.injects),
        max_points=scenario.max_points(),
        shipped=False,
    )


def _imported(conn: Connection, actor: Principal, engine: Engine) -> list[dict[str, Any]]:
    try:
        collection = get_collection(conn, EXERCISE_COLLECTION).id
    except NotFound:
        return []
    return list(storage.latest(conn, load_reader(conn, actor), collection, types=(SCENARIO_TYPE,)))


# --- exercises -----------------------------------------------------------------------------------------


def create_exercise(
    engine: Engine, *, actor: Principal, exercise: ExerciseCreate, now: int | None = None
) -> ExercisePublic:
    """Make a planned exercise of a scenario for its participants; its rubric is visible to them at once."""
    with read_connection(engine) as conn:
        controller = hub(conn)
        policy.may_control(actor, hub_id=controller.id)
        participants = _participants(conn, exercise.participants, controller)
    scenario = export_scenario(engine, actor=actor, scenario_id=exercise.scenario)
    names = {p.short_name for p in participants}
    for inject in scenario.injects:
        strangers = [t for t in inject.targets if t != ALL and t not in names]
        if strangers:
            raise Invalid(
                f"participants: inject {inject.id} targets {', '.join(strangers)}, not a participant"
            )
    exercise_id = objects.new_id(EXERCISE_TYPE)
    group = _group(
        engine, f"exercise {exercise_id[-12:]}", [*sorted(names), controller.short_name], controller
    )
    collection = _collection(engine)
    stamp = _ts(now if now is not None else now_micros())
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
            "history": [_entry("created", stamp, actor)],
            "delivered": [],
            "paused_micros": 0,
            "distribution": [],
        },
    )
    storage.write(engine, actor, collection, [objects.extension_definition(controller.identity_id), obj])
    return get_exercise(engine, actor=actor, exercise_id=exercise_id)


def list_exercises(engine: Engine, *, actor: Principal) -> list[ExercisePublic]:
    """The exercises the actor takes part in (all of them, for the hub), newest first."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        names, groups = _names(conn), _groups(conn)
        collection = _existing_collection(conn)
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
        collection, obj = _find(conn, load_reader(conn, actor), exercise_id)
        return publics.exercise_public(obj, collection, _names(conn), _groups(conn))


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
    _rescore(engine, exercise_id, now=at)
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
        collection = _existing_collection(conn)
        if collection is None:
            return 0
        controller = hub(conn)
        running = [
            o
            for o in storage.latest(conn, _hub_reader(conn, controller), collection, types=(EXERCISE_TYPE,))
            if o["status"] == ExerciseStatus.RUNNING and (only is None or o["id"] == only)
        ]
    sent = 0
    for obj in running:
        sent += _deliver_due(
            engine, obj, collection, controller, settings=settings, base_url=base_url, now=at
        )
        _rescore(engine, obj["id"], now=at)
    return sent


# --- injects -------------------------------------------------------------------------------------------


def list_injects(engine: Engine, *, actor: Principal, exercise_id: str) -> list[InjectPublic]:
    """The delivered injects the actor may see: its own, or every participant's for the hub."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        collection, _exercise = _find(conn, reader, exercise_id)
        names, groups = _names(conn), _groups(conn)
        injects = [
            o
            for o in storage.latest(conn, reader, collection, types=(INJECT_TYPE,))
            if o["exercise_ref"] == exercise_id
        ]
        acks = _acks(conn, reader, collection, exercise_id)
    found = [publics.inject_public(o, collection, names, groups, acks) for o in injects]
    return sorted(found, key=lambda i: (i.delivered_at, i.inject, i.participant))


def acknowledge_inject(
    engine: Engine, *, actor: Principal, exercise_id: str, inject_id: str, now: int | None = None
) -> InjectPublic:
    """The participant's acknowledgement of an inject: a note on it, timed by the store."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        collection, exercise = _find(conn, reader, exercise_id)
        inject = _one(conn, reader, collection, INJECT_TYPE, inject_id, "inject")
        participant = _org_by_identity(conn, inject["participant_ref"])
    policy.may_respond(actor, participant_id=participant.id, what="acknowledge an inject")
    if inject["exercise_ref"] != exercise_id:
        raise NotFound(f"inject {inject_id} is not one of exercise {exercise_id}")
    if exercise["status"] == ExerciseStatus.STOPPED:
        raise Conflict("the exercise has stopped: nothing more is scored")
    note = objects.acknowledgement(inject=inject, by=participant.identity_id, now=_ts(now or now_micros()))
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
        collection, exercise = _find(conn, reader, exercise_id)
        names, groups = _names(conn), _groups(conn)
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
        "at": _ts(at),
        "by": actor.org_short or controller.short_name,
    }
    _append(engine, score, "evaluations", entry, controller, at)
    _rescore(engine, exercise_id, now=at)
    return _score_for(engine, actor, exercise_id, participant)


def file_appeal(
    engine: Engine, *, actor: Principal, exercise_id: str, appeal: AppealCreate, now: int | None = None
) -> AppealPublic:
    """A participant appeals one of its results; the hub decides (:func:`decide_appeal`)."""
    at = now if now is not None else now_micros()
    policy.may_read(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        collection, _exercise = _find(conn, reader, exercise_id)
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
        now=_ts(at),
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
        collection, _exercise = _find(conn, reader, exercise_id)
        names, groups = _names(conn), _groups(conn)
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
        reader = _hub_reader(conn, controller)
        collection, _exercise = _find(conn, reader, exercise_id)
        appeal = _one(conn, reader, collection, APPEAL_TYPE, appeal_id, "appeal")
        participant = _org_by_identity(conn, appeal["participant_ref"])
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
        "at": _ts(at),
        "by": actor.org_short or controller.short_name,
    }
    if decision.outcome == AppealOutcome.UPHELD:
        entry["points"] = decision.points
    _append(engine, score, "decisions", entry, controller, at)
    _rescore(engine, exercise_id, now=at)
    (found,) = [a for a in list_appeals(engine, actor=actor, exercise_id=exercise_id) if a.id == appeal_id]
    return found


# --- delivery and scoring ------------------------------------------------------------------------------


def _deliver_due(
    engine: Engine,
    exercise: dict[str, Any],
    collection: str,
    controller: Organisation,
    *,
    settings: Settings | None,
    base_url: str,
    now: int,
) -> int:
    scenario = parse_scenario(exercise["scenario"])
    elapsed = now - micros_of(exercise["started_at"]) - exercise.get("paused_micros", 0)
    done = {d["inject"] for d in exercise.get("delivered", [])}
    due = [i for i in scenario.injects if i.id not in done and i.offset_minutes * _MINUTE <= elapsed]
    if not due:
        return 0
    operator = Principal(org_id=controller.id, org_short=controller.short_name)
    with read_connection(engine) as conn:
        participants = [_org_by_identity(conn, ref) for ref in exercise["participant_refs"]]
    stamp = _ts(now)
    made: list[dict[str, Any]] = []
    for inject in due:
        targets = [p for p in participants if ALL in inject.targets or p.short_name in inject.targets]
        for participant in targets:
            checks: list[int] = []
            contact_ids: list[int] = []
            problem: str | None = None
            if inject.channel == Channel.CONTACT_CHECK:
                checks, contact_ids, problem = _contact_checks(
                    engine, operator, participant, settings, base_url, now
                )
            group = _group(
                engine,
                f"drill {participant.short_name}+{controller.short_name}",
                [participant.short_name, controller.short_name],
                controller,
            )
            made.append(
                objects.record(
                    INJECT_TYPE,
                    stix_id=objects.new_id(INJECT_TYPE),
                    exercise_id=exercise["id"],
                    now=stamp,
                    by=controller.identity_id,
                    markings=[TLP.AMBER_STRICT.marking_id, group.marking_id],
                    props={
                        "name": inject.title,
                        "exercise_ref": exercise["id"],
                        "inject": inject.id,
                        "participant_ref": participant.identity_id,
                        "content": inject.content,
                        "channel": str(inject.channel),
                        "delivered_at": stamp,
                        "expectations": [
                            e.model_dump(mode="json", exclude_none=True) for e in inject.expectations
                        ],
                        "check_ids": checks,
                        "contact_ids": contact_ids,
                        **({"problem": problem} if problem else {}),
                    },
                )
            )
    delivered = [*exercise.get("delivered", []), *({"inject": i.id, "at": stamp} for i in due)]
    revised = objects.revised(
        exercise, modified=_after(exercise["modified"], now), props={"delivered": delivered}
    )
    storage.write(engine, operator, collection, [*made, revised])
    return len(made)


def _contact_checks(
    engine: Engine,
    operator: Principal,
    participant: Organisation,
    settings: Settings | None,
    base_url: str,
    now: int,
) -> tuple[list[int], list[int], str | None]:
    """Send the participant's 24/7 desks a reachability check each, through the contact directory."""
    if settings is None:
        settings = Settings()
    desks = [
        c
        for c in contacts.list_contacts(engine, actor=operator, org=participant.short_name)
        if c.role == _DUTY_DESK
    ]
    checks, ids, problems = [], [], []
    for desk in desks:
        channel = (
            contacts.Channel.WEBHOOK if desk.webhook_url else contacts.Channel.EMAIL if desk.email else None
        )
        if channel is None:
            continue
        check = contacts.run_check(
            engine,
            actor=operator,
            contact_id=desk.id,
            check=contacts.CheckCreate(channel=channel),
            settings=settings,
            base_url=base_url or settings.base_url,
            now=now,
        )
        checks.append(check.id)
        ids.append(desk.id)
        if check.problem:
            problems.append(f"contact {desk.id}: {check.problem}")
    if not ids:
        return [], [], "no 24/7 desk of this organisation has a webhook or an e-mail to check"
    return checks, ids, "; ".join(problems) or None


def _rescore(engine: Engine, exercise_id: str, *, now: int) -> None:
    """Score every participant from the platform's records and store what changed."""
    with read_connection(engine) as conn:
        controller = hub(conn)
        reader = _hub_reader(conn, controller)
        collection, exercise = _find(conn, reader, exercise_id)
        final = exercise["status"] == ExerciseStatus.STOPPED
        at = micros_of(exercise["stopped_at"]) if final else now
        injects: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for o in storage.latest(conn, reader, collection, types=(INJECT_TYPE,)):
            if o["exercise_ref"] == exercise_id:
                injects[o["participant_ref"]].append(o)
        scores = {
            o["participant_ref"]: o
            for o in storage.latest(conn, reader, collection, types=(SCORE_TYPE,))
            if o["exercise_ref"] == exercise_id
        }
        orgs = {o.identity_id: o for o in list_orgs(conn)}
        acks = _ack_times(conn, reader, collection, exercise_id)
        shared = _shared_indicators(conn, reader, collection, exercise_id)
    operator = Principal(org_id=controller.id, org_short=controller.short_name)
    stamp = _ts(now)
    changed: list[dict[str, Any]] = []
    percents: list[float] = []
    for ref in exercise["participant_refs"]:
        mine = injects.get(ref, [])
        old = scores.get(ref)
        observed = _observations(engine, operator, orgs[ref].id, mine, acks, shared.get(orgs[ref].id, []))
        evaluations = {(e["inject"], e["expectation"]): e for e in (old or {}).get("evaluations", [])}
        decisions = {(d["inject"], d["expectation"]): d for d in (old or {}).get("decisions", [])}
        lines = scoring.results(
            injects=mine, observed=observed, evaluations=evaluations, decisions=decisions, now=at, final=final
        )
        total, maximum, unscored = scoring.totals(lines)
        value = scoring.percent(total, maximum)
        if value is not None:
            percents.append(value)
        props = {"results": lines, "total": total, "max_points": maximum, "unscored": unscored}
        if old is None:
            if not mine:
                continue
            group = _group(
                engine,
                f"drill {orgs[ref].short_name}+{controller.short_name}",
                [orgs[ref].short_name, controller.short_name],
                controller,
            )
            changed.append(
                objects.record(
                    SCORE_TYPE,
                    stix_id=objects.new_id(SCORE_TYPE),
                    exercise_id=exercise_id,
                    now=stamp,
                    by=controller.identity_id,
                    markings=[TLP.AMBER_STRICT.marking_id, group.marking_id],
                    props={
                        "exercise_ref": exercise_id,
                        "participant_ref": ref,
                        "scored_at": stamp,
                        "evaluations": [],
                        "decisions": [],
                        **props,
                    },
                )
            )
        elif any(old.get(k) != v for k, v in props.items()):
            changed.append(
                objects.revised(
                    old, modified=_after(old["modified"], now), props={**props, "scored_at": stamp}
                )
            )
    distribution = sorted(percents)
    if distribution != exercise.get("distribution"):
        changed.append(
            objects.revised(
                exercise, modified=_after(exercise["modified"], now), props={"distribution": distribution}
            )
        )
    if changed:
        storage.write(engine, operator, collection, changed)


def _observations(
    engine: Engine,
    operator: Principal,
    participant_id: int,
    injects: list[dict[str, Any]],
    acks: dict[str, list[tuple[int, int, str]]],
    shared: list[tuple[int, dict[str, Any]]],
) -> dict[scoring.Key, tuple[int, str]]:
    """When the platform recorded each expected response (the first after the inject's delivery)."""
    found: dict[scoring.Key, tuple[int, str]] = {}
    for inject in injects:
        delivered = micros_of(inject["delivered_at"])
        participant_acks = [(t, i) for t, org, i in acks.get(inject["id"], []) if org == participant_id]
        for e in inject.get("expectations", []):
            key = (inject["inject"], e["id"])
            kind = ExpectationKind(e["kind"])
            candidates: list[tuple[int, str]] = []
            if kind == ExpectationKind.ACKNOWLEDGE:
                candidates = [(t, f"acknowledged by {i}") for t, i in participant_acks]
            elif kind == ExpectationKind.SHARE_INDICATOR:
                wanted = e["properties"]
                candidates = [
                    (t, f"indicator {obj['id']}")
                    for t, obj in shared
                    if wanted["pattern_contains"] in str(obj.get("pattern", ""))
                    and set(wanted.get("indicator_types", [])) <= set(obj.get("indicator_types", []))
                ]
            elif kind == ExpectationKind.ANSWER_CONTACT_CHECK:
                candidates = _answered_checks(engine, operator, inject)
            after = sorted(c for c in candidates if c[0] >= delivered)
            if after:
                found[key] = after[0]
    return found


def _answered_checks(engine: Engine, operator: Principal, inject: dict[str, Any]) -> list[tuple[int, str]]:
    """The answers to the checks the inject sent, and to phone checks of the same desks that the hub
    recorded after the delivery (when a mail or webhook could not reach the desk, the hub rings it)."""
    delivered = micros_of(inject["delivered_at"])
    found = []
    for contact_id in inject.get("contact_ids", []):
        for check in contacts.list_checks(engine, actor=operator, contact_id=contact_id):
            sent_here = check.id in inject.get("check_ids", [])
            rung = (
                check.channel == contacts.Channel.PHONE
                and check.recorded_by == operator.org_short
                and micros_of(check.sent_at) >= delivered
            )
            if (sent_here or rung) and check.acknowledged_at is not None:
                found.append((micros_of(check.acknowledged_at), f"contact check {check.id} answered"))
    return found


def _ack_times(
    conn: Connection, reader: Any, collection: str, exercise_id: str
) -> dict[str, list[tuple[int, int, str]]]:
    """Per inject: (stored at, submitting organisation, note id) of each acknowledgement."""
    found: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for item, note in storage.versions(conn, reader, collection, types=("note",)):
        if note.get(EXERCISE_PROPERTY) == exercise_id:
            for ref in note.get("object_refs", []):
                found[ref].append((item.date_added, item.submitter_org_id, note["id"]))
    return found


def _shared_indicators(
    conn: Connection, reader: Any, collection: str, exercise_id: str
) -> dict[int, list[tuple[int, dict[str, Any]]]]:
    """Per submitting organisation: (stored at, indicator) of the exercise's indicators."""
    found: dict[int, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for item, obj in storage.versions(conn, reader, collection, types=("indicator",)):
        if obj.get(EXERCISE_PROPERTY) == exercise_id:
            found[item.submitter_org_id].append((item.date_added, obj))
    return found


def _acks(conn: Connection, reader: Any, collection: str, exercise_id: str) -> dict[str, int]:
    return {
        ref: min(t for t, _o, _i in times)
        for ref, times in _ack_times(conn, reader, collection, exercise_id).items()
    }


# --- helpers -------------------------------------------------------------------------------------------


def _transition(engine: Engine, actor: Principal, exercise_id: str, at: int, event: str, change: Any) -> None:
    with read_connection(engine) as conn:
        controller = hub(conn)
        policy.may_control(actor, hub_id=controller.id)
        collection, obj = _find(conn, load_reader(conn, actor), exercise_id)
    stamp = _after(obj["modified"], at)
    props = objects.props_of(obj)
    change(props, _ts(at))  # the clock's own time; ``modified`` only has to grow
    props["history"] = [*props["history"], _entry(event, stamp, actor)]
    new = {k: v for k, v in obj.items() if k not in props}
    storage.write(engine, actor, collection, [{**new, **props, "modified": stamp}])


def _score_of(
    engine: Engine, exercise_id: str, participant: Organisation, controller: Organisation
) -> dict[str, Any]:
    with read_connection(engine) as conn:
        reader = _hub_reader(conn, controller)
        collection, _exercise = _find(conn, reader, exercise_id)
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
        score, modified=_after(score["modified"], at), props={field: [*score.get(field, []), entry]}
    )
    storage.write(engine, Principal(org_id=controller.id, org_short=controller.short_name), collection, [new])


def _find(conn: Connection, reader: Any, exercise_id: str) -> tuple[str, dict[str, Any]]:
    if not exercise_id.startswith(f"{EXERCISE_TYPE}--"):
        raise NotFound(f"{exercise_id!r} is not an exercise id ({EXERCISE_TYPE}--<UUID>)")
    collection = _existing_collection(conn)
    if collection is not None:
        for obj in storage.latest(conn, reader, collection, types=(EXERCISE_TYPE,), ids=(exercise_id,)):
            return collection, obj
    raise NotFound(f"no exercise {exercise_id} is visible to you")


def _one(
    conn: Connection, reader: Any, collection: str, kind: str, stix_id: str, what: str
) -> dict[str, Any]:
    if not stix_id.startswith(f"{kind}--"):
        raise NotFound(f"{stix_id!r} is not an {what} id ({kind}--<UUID>)")
    for obj in storage.latest(conn, reader, collection, types=(kind,), ids=(stix_id,)):
        return obj
    raise NotFound(f"no {what} {stix_id} is visible to you")


def _participants(conn: Connection, names: list[str], controller: Organisation) -> list[Organisation]:
    found: list[Organisation] = []
    for name in dict.fromkeys(n.strip() for n in names):
        org = get_org(conn, short_name=name)
        if org.id == controller.id:
            raise Invalid("participants: the hub runs the exercise; it does not take part in it")
        found.append(org)
    return found


def _group(engine: Engine, name: str, members: list[str], controller: Organisation) -> SharingGroup:
    """A named-recipients group of exactly ``members``, made on first use."""
    with write_transaction(engine) as conn:
        try:
            found: SharingGroup | None = get_group(conn, name=name)
        except NotFound:
            found = None
        if found is not None:
            if set(found.members) != set(members) or found.kind != GroupKind.NAMED_RECIPIENTS:
                raise Invalid(f"the sharing group {name!r} no longer holds just {', '.join(sorted(members))}")
            return found
        group = add_group(
            conn,
            name=name,
            members=members,
            kind=GroupKind.NAMED_RECIPIENTS,
            owner=controller.short_name,
            actor=_SYSTEM,
        )
    publish_definitions(engine)
    return group


def _collection(engine: Engine) -> str:
    with write_transaction(engine) as conn:
        try:
            return get_collection(conn, EXERCISE_COLLECTION).id
        except NotFound:
            return add_collection(
                conn,
                title="Exercises",
                description="Regional drills: injects, responses, scores; nothing here is real intelligence",
                alias=EXERCISE_COLLECTION,
                readers="all",
                writers="all",
                actor=_SYSTEM,
            ).id


def _existing_collection(conn: Connection) -> str | None:
    try:
        return get_collection(conn, EXERCISE_COLLECTION).id
    except NotFound:
        return None


def _hub_reader(conn: Connection, controller: Organisation) -> Any:
    return load_reader(conn, Principal(org_id=controller.id, org_short=controller.short_name))


def _names(conn: Connection) -> dict[str, str]:
    return {o.identity_id: o.short_name for o in list_orgs(conn)}


def _groups(conn: Connection) -> dict[str, str]:
    return {g.marking_id: g.name for g in list_groups(conn)}


def _org_by_identity(conn: Connection, identity_id: str) -> Organisation:
    for org in list_orgs(conn):
        if org.identity_id == identity_id:
            return org
    raise NotFound(f"no organisation here has the identity {identity_id}")


def _entry(event: str, at: str, actor: Principal) -> dict[str, str]:
    return {"event": event, "at": at, "by": actor.org_short or _SYSTEM}


def _ts(micros: int) -> str:
    return format_micros(micros, digits=3)


def _after(previous: str, at: int) -> str:
    """A ``modified`` later than ``previous``, so each change is a new version."""
    return _ts(max(at, micros_of(previous) + 1000))

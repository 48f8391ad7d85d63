"""What the exercise pages need from the domain: the exercises the viewer sees, its upcoming injects in
its own time zone (its 24/7 desk's, from the contact directory; UTC when none is set), and one
exercise with the injects, scores and appeals the viewer may see. Who sees what is the verbs' decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import Engine

from gotong import contacts, exercises, maturity, reports
from gotong.core.auth import Principal
from gotong.core.permissions import may_write
from gotong.db.engine import read_connection
from gotong.errors import Conflict, Invalid, NotFound
from gotong.orgs.service import hub, list_orgs
from gotong.stix.timestamps import micros_of
from gotong.web.forms import problems_of
from gotong.web.services import FormInvalid


@dataclass(frozen=True)
class Upcoming:
    exercise: exercises.ExercisePublic
    item: exercises.ScheduleItem
    local: str  # the due time in the viewer's zone


@dataclass(frozen=True)
class ExercisePage:
    exercise: exercises.ExercisePublic
    controller: bool
    injects: list[exercises.InjectPublic]
    scores: exercises.ScoresPublic
    appeals: list[exercises.AppealPublic]
    zone: str

    @property
    def appealed(self) -> set[str]:
        """``participant inject/expectation`` of every result with an appeal (open or decided): one
        appeal per result."""
        return {f"{a.participant} {a.inject}/{a.expectation}" for a in self.appeals}


@dataclass(frozen=True)
class Library:
    """The scenarios exercises are made from, and, for the hub's coordinators, whom they may invite."""

    scenarios: list[exercises.ScenarioSummary]
    may_create: bool
    members: list[str]


def library(engine: Engine, *, actor: Principal) -> Library:
    found = exercises.list_scenarios(engine, actor=actor)
    if not exercises.may_run_exercises(engine, actor=actor):
        return Library(found, False, [])
    with read_connection(engine) as conn:
        controller = hub(conn)
        members = [o.short_name for o in list_orgs(conn) if o.id != controller.id]
    return Library(found, True, sorted(members))


def create(engine: Engine, *, actor: Principal, scenario: str, name: str, participants: list[str]) -> str:
    """Make a planned exercise from the form; the new exercise's id."""
    problems = {}
    if not name.strip():
        problems["name"] = "Give the exercise a name the participants will recognise"
    if not participants:
        problems["participants"] = "Choose at least one participant"
    if problems:
        raise FormInvalid(problems)
    try:
        body = exercises.ExerciseCreate(scenario=scenario, name=name.strip(), participants=participants)
        return exercises.create_exercise(engine, actor=actor, exercise=body).id
    except (ValidationError, Invalid, NotFound) as exc:
        fields = {"scenario", "name", "participants"}
        raise FormInvalid(problems_of(exc, fields, "scenario")) from None


def zone_of(engine: Engine, actor: Principal) -> ZoneInfo:
    """The viewer's time zone: the first of its desks' (the 24/7 desk first) that names one."""
    found = contacts.list_contacts(engine, actor=actor, org=actor.org_short)
    for contact in sorted(found, key=lambda c: (c.role != "duty-desk", c.id)):
        if contact.timezone:
            return ZoneInfo(contact.timezone)
    return ZoneInfo("UTC")


def local(stamp: str, zone: ZoneInfo) -> str:
    moment = datetime.fromtimestamp(micros_of(stamp) / 1_000_000, tz=UTC).astimezone(zone)
    return f"{moment:%Y-%m-%d %H:%M} ({zone.key}, UTC{moment:%z})"


def is_controller(engine: Engine, actor: Principal) -> bool:
    with read_connection(engine) as conn:
        try:
            return hub(conn).id == actor.org_id
        except NotFound:
            return False


def listing(
    engine: Engine, *, actor: Principal
) -> tuple[list[exercises.ExercisePublic], list[Upcoming], str]:
    """The exercises the viewer sees, and the injects still to come to it, soonest first."""
    found = exercises.list_exercises(engine, actor=actor)
    zone = zone_of(engine, actor)
    upcoming = []
    mine = actor.org_short or ""
    for ex in found:
        if ex.status not in (exercises.ExerciseStatus.RUNNING, exercises.ExerciseStatus.PAUSED):
            continue
        for item in ex.schedule:
            addressed = exercises.ALL in item.targets or mine in item.targets
            if (
                item.delivered_at is None
                and item.due_at is not None
                and addressed
                and mine in ex.participants
            ):
                upcoming.append(Upcoming(ex, item, local(item.due_at, zone)))
    return found, sorted(upcoming, key=lambda u: (u.item.due_at or "", u.item.inject)), zone.key


def page(engine: Engine, *, actor: Principal, exercise_id: str) -> ExercisePage:
    ex = exercises.get_exercise(engine, actor=actor, exercise_id=exercise_id)
    return ExercisePage(
        exercise=ex,
        controller=is_controller(engine, actor),
        injects=exercises.list_injects(engine, actor=actor, exercise_id=exercise_id),
        scores=exercises.get_scores(engine, actor=actor, exercise_id=exercise_id),
        appeals=exercises.list_appeals(engine, actor=actor, exercise_id=exercise_id),
        zone=zone_of(engine, actor).key,
    )


def after_action(engine: Engine, *, actor: Principal, exercise_id: str) -> reports.AfterActionPublic:
    """The after-action report of a stopped drill, as the viewer may see it (reports decides)."""
    return reports.after_action_report(engine, actor=actor, exercise_id=exercise_id)


@dataclass(frozen=True)
class ReportPage:
    """The after-action report with what its action-item forms offer the viewer: the hub's
    coordinators add items for any participant, a participant's writers for itself."""

    report: reports.AfterActionPublic
    hub: bool
    may_act: bool
    objectives: list[tuple[str, str]]
    capacity: list[tuple[str, str]]  # ("plan#item", words) of the plans of participants the viewer sees


def report_page(engine: Engine, *, actor: Principal, exercise_id: str) -> ReportPage:
    found = after_action(engine, actor=actor, exercise_id=exercise_id)
    drill = exercises.get_exercise(engine, actor=actor, exercise_id=exercise_id)
    controller = exercises.may_run_exercises(engine, actor=actor)
    may_act = controller or (may_write(actor) and (actor.org_short or "") in drill.participants)
    capacity = [
        (f"{p.id}#{i.item}", f"{p.org}: item {i.item}, {i.action} ({i.status})")
        for p in (maturity.list_plans(engine, actor=actor) if may_act else [])
        if p.org in drill.participants
        for i in p.items
    ]
    return ReportPage(
        report=found,
        hub=controller,
        may_act=may_act,
        objectives=[(o.id, o.text) for o in drill.objectives],
        capacity=capacity,
    )


def add_action(
    engine: Engine,
    *,
    actor: Principal,
    exercise_id: str,
    participant: str,
    action: str,
    owner: str,
    due: str,
    objective: str,
    capacity: str,
) -> None:
    """An action item from the report page's form."""
    problems = {}
    for name, value, message in (
        ("action", action, "Say what is to be done"),
        ("owner", owner, "Say who carries it"),
        ("due", due, "Give the date it is due"),
    ):
        if not value.strip():
            problems[name] = message
    if problems:
        raise FormInvalid(problems)
    plan, _, item = capacity.partition("#")
    try:
        body = exercises.ActionItemCreate(
            participant=participant or None,
            action=action,
            owner=owner,
            due=due,
            objective=objective or None,
            capacity_plan=plan or None,
            capacity_item=int(item) if item.isdigit() else None,
        )
        exercises.create_action_item(engine, actor=actor, exercise_id=exercise_id, item=body)
    except (ValidationError, Invalid) as exc:
        fields = {"participant", "action", "owner", "due", "objective", "capacity_plan", "capacity_item"}
        found = problems_of(exc, fields, "action")
        raise FormInvalid(
            {("capacity" if k.startswith("capacity") else k): v for k, v in found.items()}
        ) from None


def change_action(
    engine: Engine, *, actor: Principal, exercise_id: str, action_id: str, status: str, evidence: str
) -> None:
    """Close an action item with its evidence, or reopen it, from the report page."""
    if status == "closed" and not evidence.strip():
        raise FormInvalid({f"evidence-{action_id[-12:]}": "Say what shows it was done"})
    try:
        body = exercises.ActionItemUpdate(status=status or None, evidence=evidence.strip() or None)
        exercises.update_action_item(
            engine, actor=actor, exercise_id=exercise_id, action_id=action_id, update=body
        )
    except (ValidationError, Invalid) as exc:
        found = problems_of(exc, set(), "evidence")
        raise FormInvalid({f"evidence-{action_id[-12:]}": v for v in found.values()}) from None


def acknowledge(engine: Engine, *, actor: Principal, exercise_id: str, inject_id: str) -> None:
    exercises.acknowledge_inject(engine, actor=actor, exercise_id=exercise_id, inject_id=inject_id)


def file_appeal(
    engine: Engine, *, actor: Principal, exercise_id: str, inject: str, expectation: str, reason: str
) -> None:
    """The viewer's organisation appeals one of its results; the reason is required."""
    if not reason.strip():
        raise FormInvalid({"appeal-reason": "Say why the result is wrong"})
    try:
        body = exercises.AppealCreate(inject=inject, expectation=expectation, reason=reason.strip())
        exercises.file_appeal(engine, actor=actor, exercise_id=exercise_id, appeal=body)
    except (ValidationError, Invalid) as exc:
        raise FormInvalid(_problems(exc, "appeal")) from None


def decide_appeal(
    engine: Engine,
    *,
    actor: Principal,
    exercise_id: str,
    appeal_id: str,
    outcome: str,
    points: str,
    reason: str,
) -> None:
    """The hub's decision on an appeal: upheld (with the points the result now earns) or rejected."""
    problems = {}
    if not reason.strip():
        problems["decision-reason"] = "Give the reason the participant will read"
    if points.strip() and not points.strip().isdigit():
        problems["decision-points"] = "Enter a whole number of points, or leave it empty"
    if problems:
        raise FormInvalid(problems)
    try:
        body = exercises.AppealDecision(
            outcome=outcome or None,
            points=int(points) if points.strip() else None,
            reason=reason.strip(),
        )
        exercises.decide_appeal(
            engine, actor=actor, exercise_id=exercise_id, appeal_id=appeal_id, decision=body
        )
    except (ValidationError, Invalid, Conflict) as exc:
        raise FormInvalid(_problems(exc, "decision")) from None


def _problems(exc: ValidationError | Invalid | Conflict, form: str) -> dict[str, str]:
    """The verb's refusal by field of one of the page's forms (``appeal-…``, ``decision-…``)."""
    fields = {"inject", "expectation", "outcome", "points", "reason"}
    return {f"{form}-{k}": v for k, v in problems_of(exc, fields, "reason").items()}


BANDS = ((0.0, "0-24 %"), (25.0, "25-49 %"), (50.0, "50-74 %"), (75.0, "75-100 %"))


def bands(distribution: list[float]) -> list[tuple[str, int]]:
    """How many participants' percentages fall in each quarter (the chart of the distribution)."""
    counts = dict.fromkeys((label for _low, label in BANDS), 0)
    for value in distribution:
        label = next(label for low, label in reversed(BANDS) if value >= low)
        counts[label] += 1
    return list(counts.items())

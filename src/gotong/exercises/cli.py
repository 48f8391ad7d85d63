"""``gotong exercise`` and ``gotong scenario``: run drills and exchange scenarios from the command line.
Thin. The command line is the node operator's: it acts for the hub (or the organisation ``--org``
names, to see what that participant sees) with no role limit. Every problem ends in one line."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import Engine

from gotong import exercises, reports
from gotong.core.auth import Principal
from gotong.core.commandline import build_model, put_document, root_engine
from gotong.db.engine import read_connection
from gotong.orgs.service import hub, operator_for


def _actor(engine: Engine, org: str | None) -> Principal:
    with read_connection(engine) as conn:
        return operator_for(conn, org=org or hub(conn).short_name)


_org = click.option("--org", help="See it as this organisation (short name); the hub by default.")
_as_json = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group(name="exercise")
def exercise() -> None:
    """Regional drills: make, start and follow exercises, and read their scores."""


@exercise.command("create")
@click.option("--scenario", required=True, help="A scenario id (gotong scenario list).")
@click.option("--name", required=True)
@click.option("--participant", "participants", multiple=True, required=True, help="Short name (repeatable).")
@_as_json
def create(scenario: str, name: str, participants: tuple[str, ...], as_json: bool) -> None:
    """Make a planned exercise of SCENARIO for the participants."""
    engine = root_engine()
    body = build_model(
        exercises.ExerciseCreate, scenario=scenario, name=name, participants=list(participants)
    )
    _show(exercises.create_exercise(engine, actor=_actor(engine, None), exercise=body), as_json)


@exercise.command("start")
@click.argument("exercise_id")
@_as_json
def start(exercise_id: str, as_json: bool) -> None:
    """Start (or resume) an exercise; the drill clock sends its injects."""
    engine = root_engine()
    _show(exercises.start_exercise(engine, actor=_actor(engine, None), exercise_id=exercise_id), as_json)


@exercise.command("stop")
@click.argument("exercise_id")
@_as_json
def stop(exercise_id: str, as_json: bool) -> None:
    """End an exercise: nothing more is sent, what was not answered is missed, scores are final."""
    engine = root_engine()
    _show(exercises.stop_exercise(engine, actor=_actor(engine, None), exercise_id=exercise_id), as_json)


@exercise.command("status")
@click.argument("exercise_id", required=False)
@_org
@_as_json
def status(exercise_id: str | None, org: str | None, as_json: bool) -> None:
    """One exercise with its schedule, or every exercise the organisation sees."""
    engine = root_engine()
    actor = _actor(engine, org)
    if exercise_id is None:
        for found in exercises.list_exercises(engine, actor=actor):
            click.echo(f"{found.id}  {found.status:<8} {found.name} ({found.scenario})")
        return
    _show(exercises.get_exercise(engine, actor=actor, exercise_id=exercise_id), as_json)


@exercise.command("scores")
@click.argument("exercise_id")
@_org
@_as_json
def scores(exercise_id: str, org: str | None, as_json: bool) -> None:
    """The scores the organisation may see, and the anonymised distribution."""
    engine = root_engine()
    found = exercises.get_scores(engine, actor=_actor(engine, org), exercise_id=exercise_id)
    if as_json:
        click.echo(found.model_dump_json(indent=2))
        return
    for score in found.scores:
        share = f" ({score.percent} %)" if score.percent is not None else ""
        click.echo(
            f"{score.participant}: {score.total} of {score.max_points}{share}, {score.unscored} unscored"
        )
        for r in score.results:
            what = f"{r.inject}/{r.expectation}" if r.expectation else f"{r.inject} (no expectation)"
            click.echo(f"  {what}: {r.status}, {r.points} of {r.max_points}")
    click.echo("distribution: " + ", ".join(f"{p} %" for p in found.distribution))


@exercise.command("appeals")
@click.argument("exercise_id")
@_org
@_as_json
def appeals(exercise_id: str, org: str | None, as_json: bool) -> None:
    """The appeals the organisation may see (every one, for the hub) with their decisions."""
    engine = root_engine()
    found = exercises.list_appeals(engine, actor=_actor(engine, org), exercise_id=exercise_id)
    if as_json:
        click.echo(json.dumps([a.model_dump(mode="json") for a in found], indent=2))
        return
    for a in found:
        decided = f": {a.decision} ({a.points_before} -> {a.points_after})" if a.decision else ""
        click.echo(f"{a.id}  {a.participant} {a.inject}/{a.expectation} {a.outcome}{decided}")
        click.echo(f"  filed {a.filed_at}: {a.reason}")


@exercise.command("appeal")
@click.argument("exercise_id")
@click.option("--org", required=True, help="The participant that appeals (short name).")
@click.option("--inject", required=True, help="The inject of the result, e.g. first-report.")
@click.option("--expectation", required=True, help="The expectation of the result, e.g. ack.")
@click.option("--reason", required=True, help="Why the result is wrong.")
def appeal(exercise_id: str, org: str, inject: str, expectation: str, reason: str) -> None:
    """File the participant's appeal of one of its results; the hub decides."""
    engine = root_engine()
    body = build_model(exercises.AppealCreate, inject=inject, expectation=expectation, reason=reason)
    made = exercises.file_appeal(engine, actor=_actor(engine, org), exercise_id=exercise_id, appeal=body)
    click.echo(f"appeal {made.id} filed: {made.inject}/{made.expectation}, {made.outcome}")


@exercise.command("decide")
@click.argument("exercise_id")
@click.argument("appeal_id")
@click.option("--outcome", type=click.Choice(["upheld", "rejected"]), required=True)
@click.option("--points", type=int, help="Upheld: the points the expectation now earns.")
@click.option("--reason", required=True, help="The decision's reason, shown to the participant.")
def decide(exercise_id: str, appeal_id: str, outcome: str, points: int | None, reason: str) -> None:
    """Record the hub's decision on an appeal (an upheld one changes the score)."""
    engine = root_engine()
    body = build_model(exercises.AppealDecision, outcome=outcome, points=points, reason=reason)
    made = exercises.decide_appeal(
        engine, actor=_actor(engine, None), exercise_id=exercise_id, appeal_id=appeal_id, decision=body
    )
    click.echo(f"appeal {made.id} {made.outcome}: points {made.points_before} -> {made.points_after}")


@exercise.command("actions")
@click.argument("exercise_id")
@_org
@click.option("--overdue", is_flag=True, help="Only the open items past their due date.")
@_as_json
def actions(exercise_id: str, org: str | None, overdue: bool, as_json: bool) -> None:
    """The drill's action items the organisation may see (every one, for the hub)."""
    engine = root_engine()
    found = exercises.list_action_items(
        engine, actor=_actor(engine, org), exercise_id=exercise_id, overdue=True if overdue else None
    )
    if as_json:
        click.echo(json.dumps([a.model_dump(mode="json") for a in found], indent=2))
        return
    for a in found:
        late = " OVERDUE" if a.overdue else ""
        click.echo(f"{a.id}  {a.participant} {a.status}{late}, due {a.due}, {a.owner}: {a.action}")
        if a.capacity is not None:
            shown = a.capacity.status or "not visible to you"
            click.echo(f"  capacity plan {a.capacity.plan} item {a.capacity.item}: {shown}")
        if a.evidence:
            click.echo(f"  evidence: {a.evidence}")


@exercise.command("add-action")
@click.argument("exercise_id")
@click.option("--org", help="Add it as this participant (for itself); the hub by default.")
@click.option("--participant", help="The participant that carries it (the hub names one).")
@click.option("--action", "action_text", required=True, help="What is to be done.")
@click.option("--owner", required=True, help="Who in the organisation carries it.")
@click.option("--due", required=True, help="YYYY-MM-DD.")
@click.option("--objective", help="The scenario objective it serves.")
@click.option("--inject", help="The inject of the result that raised it.")
@click.option("--expectation", help="The expectation of that result.")
@click.option("--plan", help="A capacity-building plan of the participant (its id).")
@click.option("--plan-item", type=int, help="The plan's item number.")
def add_action(
    exercise_id: str,
    org: str | None,
    participant: str | None,
    action_text: str,
    owner: str,
    due: str,
    objective: str | None,
    inject: str | None,
    expectation: str | None,
    plan: str | None,
    plan_item: int | None,
) -> None:
    """Add an action item of the drill for one participant."""
    engine = root_engine()
    body = build_model(
        exercises.ActionItemCreate,
        participant=participant,
        action=action_text,
        owner=owner,
        due=due,
        objective=objective,
        inject=inject,
        expectation=expectation,
        capacity_plan=plan,
        capacity_item=plan_item,
    )
    made = exercises.create_action_item(engine, actor=_actor(engine, org), exercise_id=exercise_id, item=body)
    click.echo(f"action item {made.id} for {made.participant}, due {made.due}")


@exercise.command("update-action")
@click.argument("exercise_id")
@click.argument("action_id")
@_org
@click.option("--close", "close_it", is_flag=True, help="Close it (evidence is needed).")
@click.option("--reopen", is_flag=True, help="Open it again.")
@click.option("--evidence", help="What shows it was done.")
@click.option("--owner", help="A new owner.")
@click.option("--due", help="A new due date, YYYY-MM-DD.")
@click.option("--plan", help="Link it to this capacity-building plan (with --plan-item).")
@click.option("--plan-item", type=int, help="The plan's item number.")
def update_action(
    exercise_id: str,
    action_id: str,
    org: str | None,
    close_it: bool,
    reopen: bool,
    evidence: str | None,
    owner: str | None,
    due: str | None,
    plan: str | None,
    plan_item: int | None,
) -> None:
    """Close an action item with evidence, reopen it, or change its owner, due date or plan link."""
    if close_it and reopen:
        raise click.UsageError("--close or --reopen, not both")
    engine = root_engine()
    fields: dict[str, object] = {"evidence": evidence, "owner": owner, "due": due}
    if close_it or reopen:
        fields["status"] = "closed" if close_it else "open"
    if plan is not None or plan_item is not None:
        fields.update(capacity_plan=plan, capacity_item=plan_item)
    body = build_model(exercises.ActionItemUpdate, **{k: v for k, v in fields.items() if v is not None})
    made = exercises.update_action_item(
        engine, actor=_actor(engine, org), exercise_id=exercise_id, action_id=action_id, update=body
    )
    click.echo(f"action item {made.id}: {made.status}, due {made.due}, {made.owner}")


@exercise.command("after-action")
@click.argument("exercise_id")
@_org
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html", "pdf"]), default="text")
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file (needed for pdf)."
)
def after_action(exercise_id: str, org: str | None, fmt: str, output: Path | None) -> None:
    """The after-action report of a stopped drill, as the organisation may see it."""
    engine = root_engine()
    found = reports.after_action_report(engine, actor=_actor(engine, org), exercise_id=exercise_id)
    put_document(
        fmt,
        output,
        {
            "pdf": lambda: reports.render_after_action_pdf(found),
            "json": lambda: found.model_dump_json(indent=2),
            "html": lambda: reports.render_after_action_html(found),
            "text": lambda: _after_action_text(found),
        },
    )


def _after_action_text(found: reports.AfterActionPublic) -> str:
    """The report as plain text: the facts, the summary, then each section's sentences and tables."""
    lines = [
        found.title,
        f"{found.name}: {found.started_at or '-'} to {found.stopped_at or '-'}, TLP:{found.tlp.upper()}",
        f"participants: {', '.join(found.participants)}",
        *(f"- {line}" for line in found.summary),
    ]
    for section in found.sections:
        lines += ["", section.title, *(f"- {line}" for line in section.summary)]
        for table in section.tables:
            lines += [f"  {table.caption}", "  " + " | ".join(table.headers)]
            lines += ["  " + " | ".join(str(cell) for cell in row) for row in table.rows]
    return "\n".join(lines)


def _show(found: exercises.ExercisePublic, as_json: bool) -> None:
    if as_json:
        click.echo(found.model_dump_json(indent=2))
        return
    click.echo(f"{found.id}  {found.name}")
    click.echo(f"  {found.title} ({found.scenario}), {found.status}, TLP:{found.tlp.upper()}")
    click.echo(f"  participants: {', '.join(found.participants)}")
    for item in found.schedule:
        when = (item.delivered_at and f"sent {item.delivered_at}") or (item.due_at and f"due {item.due_at}")
        points = sum(e.points for e in item.expectations)
        click.echo(
            f"  +{item.offset_minutes} min  {item.inject}: {item.title} [{points} points] {when or ''}"
        )


@click.group(name="scenario")
def scenario() -> None:
    """Drill scenarios: the shipped templates and imported ones, as JSON."""


@scenario.command("list")
def list_scenarios() -> None:
    """The scenarios exercises can be made from."""
    engine = root_engine()
    for s in exercises.list_scenarios(engine, actor=_actor(engine, None)):
        origin = "shipped" if s.shipped else "imported"
        severity = "" if s.severity is None else f", severity {s.severity}"
        click.echo(
            f"{s.id}  {s.title} ({s.kind}{severity}, {s.injects} injects, {s.max_points} points, {origin})"
        )


@scenario.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(path: Path) -> None:
    """Import the scenario in the JSON file PATH."""
    engine = root_engine()
    found = exercises.parse_scenario(path.read_text("utf-8"))
    done = exercises.import_scenario(engine, actor=_actor(engine, None), scenario=found)
    click.echo(f"imported {done.id}: {done.title} ({done.injects} injects, {done.max_points} points)")


@scenario.command("export")
@click.argument("scenario_id")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="A file instead of stdout."
)
def export(scenario_id: str, output: Path | None) -> None:
    """Write the scenario SCENARIO_ID as JSON."""
    engine = root_engine()
    text = exercises.export_scenario(
        engine, actor=_actor(engine, None), scenario_id=scenario_id
    ).model_dump_json(indent=2, exclude_defaults=True)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {output}")

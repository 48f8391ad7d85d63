"""``gotong training``: the course catalogue, requirements, enrolments, completions and compliance.
Thin.

The command line is the node operator's: it acts for the organisation named by ``--org`` with no
role limit, as the other operator commands do (the domain's rules still hold: only the provider
attests a completion). Every problem ends in one line on stderr.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import click
from sqlalchemy import Engine

from gotong import training
from gotong.core.auth import Principal
from gotong.core.commandline import build_model, root_engine, root_settings
from gotong.db.engine import read_connection
from gotong.orgs.service import operator_for
from gotong.training import (
    Attestation,
    CourseCreate,
    CourseFormat,
    CourseUpdate,
    EnrolmentCreate,
    EnrolmentFilter,
    EnrolmentPublic,
    EnrolmentStatus,
    Level,
    reminders,
)

_org = click.option("--org", "org", required=True, help="Act as this organisation (short name).")
_as_json = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
_day = click.DateTime(formats=["%Y-%m-%d"])


def _actor(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return operator_for(conn, org=org)


def _session(text: str) -> dict[str, Any]:
    parts = text.split(",")
    if len(parts) not in (3, 4):
        raise click.ClickException(
            f"--session {text!r}: write START,END,SEATS[,LOCATION], e.g. 2027-03-10,2027-03-11,20,Jakarta"
        )
    session: dict[str, Any] = {"starts": parts[0], "ends": parts[1], "seats": parts[2]}
    if len(parts) == 4:
        session["location"] = parts[3]
    return session


def _session_change(text: str) -> dict[str, Any]:
    """ID,START,END,SEATS[,LOCATION] where an empty part keeps what the session has."""
    parts = text.split(",")
    if len(parts) not in (4, 5) or not parts[0]:
        raise click.ClickException(
            f"--session {text!r}: write ID,START,END,SEATS[,LOCATION] (an empty part keeps it), e.g. s1,,,25"
        )
    names = ("id", "starts", "ends", "seats", "location")
    return {
        k: v for k, v in zip(names, parts, strict=False) if v != "" or (k == "location" and len(parts) == 5)
    }


def _echo_json(items: list[Any]) -> None:
    click.echo(json.dumps([i.model_dump(mode="json") for i in items], indent=2))


def _line(e: EnrolmentPublic) -> str:
    done = f" on {e.completed_on} (attested by {e.attested_by})" if e.completed_on else ""
    return f"{e.id}  {e.status:<9}  {e.org:<10}  {e.participant}  {e.course_title} {e.session}{done}"


@click.group(name="training")
def training_group() -> None:
    """Compulsory training: courses, requirements, enrolments, completions, compliance."""


@training_group.group("course")
def course() -> None:
    """The course catalogue."""


@course.command("add")
@_org
@click.option("--title", required=True)
@click.option("--description")
@click.option("--format", "format_", required=True, type=click.Choice([str(f) for f in CourseFormat]))
@click.option("--hours", "duration_hours", required=True, type=float)
@click.option("--language")
@click.option("--level", required=True, type=click.Choice([str(v) for v in Level]))
@click.option("--topic", "topics", multiple=True, required=True, type=click.Choice(sorted(training.TOPICS)))
@click.option("--sim3", multiple=True, help="A SIM3 parameter it serves (default: its topics').")
@click.option("--role", "roles", multiple=True, help="A role it serves, e.g. analyst (repeatable).")
@click.option("--session", "sessions", multiple=True, metavar="START,END,SEATS[,LOCATION]")
@click.option("--tlp")
@click.option("--group", "sharing_group")
@_as_json
def add_course(org: str, as_json: bool, format_: str, sessions: tuple[str, ...], **values: Any) -> None:
    """Publish a course provided by ORG."""
    engine = _engine()
    values = {k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items()}
    body = build_model(CourseCreate, format=format_, sessions=[_session(s) for s in sessions], **values)
    made = training.add_course(engine, actor=_actor(engine, org), course=body)
    if as_json:
        click.echo(made.model_dump_json(indent=2))
        return
    click.echo(f"{made.id}  {made.title} ({made.provider}, {made.level}, {made.format})")
    for s in made.sessions:
        click.echo(f"  {s.id}  {s.starts} to {s.ends}  {s.seats} seats  {s.location}")


@course.command("edit")
@click.argument("course_id")
@_org
@click.option("--title")
@click.option("--description")
@click.option("--hours", "duration_hours", type=float)
@click.option("--language")
@click.option("--level", type=click.Choice([str(v) for v in Level]))
@click.option("--sim3", multiple=True, help="The SIM3 parameters it serves (replaces them; repeatable).")
@click.option("--role", "roles", multiple=True, help="The roles it serves (replaces them; repeatable).")
@click.option("--session", "sessions", multiple=True, metavar="ID,START,END,SEATS[,LOCATION]")
@_as_json
def edit_course(course_id: str, org: str, as_json: bool, sessions: tuple[str, ...], **values: Any) -> None:
    """Edit COURSE_ID as ORG (its provider, or the hub); what is not given stays."""
    engine = _engine()
    given = {k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items() if v not in (None, ())}
    body = build_model(CourseUpdate, sessions=[_session_change(s) for s in sessions], **given)
    made = training.update_course(engine, actor=_actor(engine, org), course_id=course_id, update=body)
    if as_json:
        click.echo(made.model_dump_json(indent=2))
        return
    click.echo(f"{made.id}  {made.title} ({made.provider}, {made.level}, {made.format}, {made.language})")
    for s in made.sessions:
        click.echo(f"  {s.id}  {s.starts} to {s.ends}  {s.seats} seats  {s.location}")


@course.command("list")
@_org
@_as_json
def list_courses(org: str, as_json: bool) -> None:
    """The courses ORG may see, with the seats left per session."""
    engine = _engine()
    found = training.list_courses(engine, actor=_actor(engine, org))
    if as_json:
        _echo_json(found)
        return
    for c in found:
        click.echo(f"{c.id}  {c.title}  by {c.provider}  [{', '.join(c.topics)}; {', '.join(c.sim3)}]")
        for s in c.sessions:
            click.echo(
                f"  {s.id}  {s.starts} to {s.ends}  {s.seats_left} of {s.seats} seats left  {s.location}"
            )


@training_group.command("require")
@_as_json
def require(as_json: bool) -> None:
    """The network's compulsory training (data/training/requirements.toml)."""
    found = training.requirements()
    if as_json:
        click.echo(
            json.dumps(
                [{**vars(r), "kind": str(r.kind), "applies_to": list(r.applies_to)} for r in found], indent=2
            )
        )
        return
    for r in found:
        click.echo(
            f"{r.key}  {r.title}  (every {r.every_months} months; applies to {', '.join(r.applies_to)})"
        )


@training_group.command("enrol")
@_org
@click.option("--course", required=True, help="The course id.")
@click.option("--session", required=True, help="The session id, e.g. s1.")
@click.option("--participant", required=True, help="The participant's e-mail.")
@click.option("--name", "participant_name")
@click.option("--role", "participant_role")
@click.option("--tlp")
@click.option("--group", "sharing_group")
@_as_json
def enrol(org: str, as_json: bool, **values: Any) -> None:
    """Enrol a participant of ORG in a session."""
    engine = _engine()
    made = training.enrol(engine, actor=_actor(engine, org), enrolment=build_model(EnrolmentCreate, **values))
    click.echo(made.model_dump_json(indent=2) if as_json else _line(made))


@training_group.command("enrolments")
@_org
@click.option("--course")
@click.option("--of", "of_org", help="Only this organisation's.")
@click.option("--status", type=click.Choice([str(s) for s in EnrolmentStatus]))
@_as_json
def enrolments(org: str, as_json: bool, of_org: str | None, **values: Any) -> None:
    """The enrolments ORG may see."""
    engine = _engine()
    wanted = build_model(EnrolmentFilter, org=of_org, **values)
    found = training.list_enrolments(engine, actor=_actor(engine, org), filter=wanted)
    if as_json:
        _echo_json(found)
        return
    for e in found:
        click.echo(_line(e))


@training_group.command("complete")
@_org
@click.argument("enrolment_id")
@click.option("--status", type=click.Choice([str(s) for s in EnrolmentStatus]), default="completed")
@click.option("--on", "completed_on", type=_day, help="The day of completion (default: the session's last).")
@click.option("--note")
@_as_json
def complete(org: str, enrolment_id: str, as_json: bool, completed_on: Any, **values: Any) -> None:
    """Attest a completion (or attended, no-show) as ORG, the provider; or cancel as the enrolled one."""
    engine = _engine()
    day = completed_on.date() if completed_on else None
    body = build_model(Attestation, completed_on=day, **values)
    done = training.attest(engine, actor=_actor(engine, org), enrolment_id=enrolment_id, attestation=body)
    click.echo(done.model_dump_json(indent=2) if as_json else _line(done))


@training_group.command("compliance")
@_org
@click.option("--of", "of_org", help="Only this organisation (the hub may name any member).")
@click.option("--on", "on", type=_day, help="Judge on this day (default: today).")
@_as_json
def compliance(org: str, of_org: str | None, on: Any, as_json: bool) -> None:
    """Met, due soon or overdue, per organisation and requirement."""
    engine = _engine()
    day: date | None = on.date() if on else None
    with read_connection(engine) as conn:
        found = training.compliance_for(conn, actor=_actor(engine, org), org=of_org, on=day)
    if as_json:
        _echo_json(found)
        return
    for r in found:
        due = f"due {r.due_on}" if r.due_on else "never met"
        click.echo(f"{r.org:<10}  {r.requirement:<18}  {r.status:<8}  {due}  ({r.counted} of {r.needed})")


@training_group.command("remind")
def remind() -> None:
    """Mail now the reminders of training due soon or overdue, and the notices of sessions moved,
    not sent yet: one run of the ``training-reminders`` job (for a node that does not serve, from cron)."""
    settings = root_settings()
    if not settings.smtp_host:
        raise click.ClickException("GOTONG_SMTP_HOST is not set: no mail server to send reminders through")
    engine = _engine()
    for r in reminders.send_reminders(engine, settings=settings):
        click.echo(f"{r.org}  {r.requirement} {r.status}: mailed {', '.join(r.to)}")
    for m in reminders.send_moved_sessions(engine, settings=settings):
        click.echo(f"{m.org}  {m.enrolment} moved to {m.starts}..{m.ends}: mailed {', '.join(m.to)}")


def _engine() -> Engine:
    return root_engine()

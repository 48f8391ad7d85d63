"""``gotong maturity`` and ``gotong capacity``: assessments and capacity plans from the command line. Thin.

The command line is the node operator's: it acts for the organisation named by ``--org`` with no role
limit, as the other operator commands do (the domain's rules still hold: only the reviewer reviews).
Assessments import and export as CSV (one row per parameter) or JSON, so a team fills them in offline.
Every problem ends in one line on stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine

from gotong import maturity
from gotong.core.auth import Principal
from gotong.core.commandline import build_model, root_engine, root_settings
from gotong.db.engine import read_connection
from gotong.maturity import (
    AssessmentCreate,
    AssessmentPublic,
    AssessmentUpdate,
    EntryInput,
    ItemStatus,
    PlanCreate,
    PlanItemUpdate,
    PlanPublic,
    PlanUpdate,
    Publication,
    Review,
    ReviewChange,
    reminders,
)
from gotong.orgs.service import operator_for

_org = click.option("--org", "org", required=True, help="Act as this organisation (short name).")
_as_json = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _actor(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return operator_for(conn, org=org)


def _entries(path: str | None) -> list[EntryInput]:
    if path is None:
        return []
    text = Path(path).read_text("utf-8")
    return (
        maturity.entries_from_csv(text) if path.lower().endswith(".csv") else maturity.entries_from_json(text)
    )


def _show(found: AssessmentPublic, as_json: bool) -> None:
    if as_json:
        click.echo(found.model_dump_json(indent=2))
        return
    click.echo(f"{found.id}  {found.org} {found.framework} of {found.assessed_on}")
    reviewer = f", reviewer {found.reviewer}" if found.reviewer else ""
    click.echo(
        f"  status {found.status}, TLP:{found.tlp.upper()}, "
        f"to {found.audience or 'its organisation'}{reviewer}"
    )
    for e in found.entries:
        reviewed = (
            f" (self-assessed {e.self_level}; {e.reviewed_by}: {e.review_reason})" if e.reviewed_by else ""
        )
        level = "-" if e.level is None else e.level
        click.echo(f"  {e.parameter:5} {level}  {e.name}{reviewed}")


def _show_plan(plan: PlanPublic, as_json: bool) -> None:
    if as_json:
        click.echo(plan.model_dump_json(indent=2))
        return
    click.echo(f"{plan.id}  {plan.org}, from {plan.assessment} (TLP:{plan.tlp.upper()}, to {plan.audience})")
    for i in plan.items:
        rose = {True: ", parameter rose", False: ", parameter did not rise", None: ""}[i.rose]
        provider = f" with {i.provider}" if i.provider else ""
        click.echo(f"  {i.item:3} [{i.status}] {', '.join(i.parameters)}: {i.action}{provider}{rose}")


@click.group(name="maturity")
def maturity_group() -> None:
    """CERT maturity assessments (SIM3): self-assessment, review, publication, gaps."""


@maturity_group.command("frameworks")
def frameworks() -> None:
    """The frameworks, their categories and profiles (* the project's own values)."""
    for f in maturity.frameworks().values():
        click.echo(f"{f.id}  {f.name}: {len(f.parameters)} parameters, levels 0-{f.max_level}")
        for p in f.profiles.values():
            click.echo(f"  profile {p.id}{'*' if p.own_choice else ''}  {p.name} ({p.kind})")


@maturity_group.command("assess")
@_org
@click.option("--date", "assessed_on", help="The date assessed, YYYY-MM-DD (default: today).")
@click.option(
    "--from", "source", type=click.Path(exists=True, dir_okay=False), help="Entries from a CSV or JSON file."
)
@click.option("--framework")
@click.option("--tlp", help="Once published (default amber+strict).")
@click.option("--group", "sharing_group", help="Once published (default: ORG and the hub).")
@_as_json
def assess(org: str, as_json: bool, source: str | None, **values: Any) -> None:
    """Start a self-assessment of ORG (a draft only ORG sees)."""
    engine = _engine()
    body = build_model(AssessmentCreate, **values, entries=_entries(source))
    _show(maturity.create_assessment(engine, actor=_actor(engine, org), assessment=body), as_json)


@maturity_group.command("import")
@_org
@click.argument("assessment_id")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@_as_json
def import_(org: str, assessment_id: str, source: str, as_json: bool) -> None:
    """Fill in a draft from a CSV (one row per parameter) or JSON file."""
    engine = _engine()
    update = AssessmentUpdate(entries=_entries(source))
    _show(
        maturity.update_assessment(
            engine, actor=_actor(engine, org), assessment_id=assessment_id, update=update
        ),
        as_json,
    )


@maturity_group.command("export")
@_org
@click.argument("assessment_id")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
def export(org: str, assessment_id: str, fmt: str) -> None:
    """An assessment as CSV (one row per parameter) or JSON, on stdout."""
    engine = _engine()
    found = maturity.get_assessment(engine, actor=_actor(engine, org), assessment_id=assessment_id)
    click.echo(maturity.to_csv(found) if fmt == "csv" else maturity.to_json(found), nl=False)


@maturity_group.command("list")
@_org
@click.option("--of", "of", help="Only this organisation's.")
def list_assessments(org: str, of: str | None) -> None:
    """The assessments ORG may see, newest first."""
    engine = _engine()
    for a in maturity.list_assessments(engine, actor=_actor(engine, org), org=of):
        click.echo(f"{a.id}  {a.org}  {a.assessed_on}  {a.status}  TLP:{a.tlp.upper()}")


@maturity_group.command("show")
@_org
@click.argument("assessment_id")
@_as_json
def show(org: str, assessment_id: str, as_json: bool) -> None:
    """One assessment, parameter by parameter."""
    engine = _engine()
    _show(maturity.get_assessment(engine, actor=_actor(engine, org), assessment_id=assessment_id), as_json)


@maturity_group.command("gaps")
@_org
@click.argument("assessment_id")
@click.option("--profile", help="A target or tier profile (default: the framework's target).")
@_as_json
def gaps(org: str, assessment_id: str, profile: str | None, as_json: bool) -> None:
    """The parameters below the profile, biggest gap first; the tier reached; the change since before."""
    engine = _engine()
    report = maturity.assessment_gaps(
        engine, actor=_actor(engine, org), assessment_id=assessment_id, profile=profile
    )
    if as_json:
        click.echo(report.model_dump_json(indent=2))
        return
    mark = " (the project's own values)" if report.own_choice else ""
    click.echo(
        f"{report.org} {report.assessed_on} against {report.profile_name}{mark}: "
        f"{report.met}/{report.total} met"
    )
    click.echo(f"  tier reached: {report.tier or 'none'}")
    for g in report.gaps:
        click.echo(
            f"  {g.parameter:5} {'-' if g.level is None else g.level} -> {g.target}  (gap {g.gap})  {g.name}"
        )
    if report.previous:
        moved = ", ".join(f"{k} {v:+d}" for k, v in report.changes.items()) or "no change"
        click.echo(f"  since {report.previous}: {moved}")


@maturity_group.command("ask-review")
@_org
@click.argument("assessment_id")
@click.option("--reviewer", required=True, help="The hub or another member (short name).")
@_as_json
def ask_review(org: str, assessment_id: str, reviewer: str, as_json: bool) -> None:
    """Ask an organisation to review ORG's draft."""
    engine = _engine()
    update = AssessmentUpdate(reviewer=reviewer)
    _show(
        maturity.update_assessment(
            engine, actor=_actor(engine, org), assessment_id=assessment_id, update=update
        ),
        as_json,
    )


def _change(text: str) -> ReviewChange:
    parameter, sep, rest = text.partition("=")
    level, sep2, reason = rest.partition(":")
    if not sep or not sep2 or not level.strip().isdigit():
        raise click.ClickException(
            f"--set {text!r}: write PARAMETER=LEVEL:REASON, e.g. T-4=1:'a spreadsheet'"
        )
    return build_model(ReviewChange, parameter=parameter.strip(), level=int(level), reason=reason.strip())


@maturity_group.command("review")
@_org
@click.argument("assessment_id")
@click.option(
    "--set", "changes", multiple=True, metavar="P=LEVEL:REASON", help="A level change (repeatable)."
)
@click.option("--done", is_flag=True, help="The review is finished.")
@_as_json
def review(org: str, assessment_id: str, changes: tuple[str, ...], done: bool, as_json: bool) -> None:
    """As the reviewer ORG: change levels with reasons, and finish the review."""
    engine = _engine()
    body = Review(changes=[_change(c) for c in changes], done=done)
    _show(
        maturity.review_assessment(
            engine, actor=_actor(engine, org), assessment_id=assessment_id, review=body
        ),
        as_json,
    )


@maturity_group.command("publish")
@_org
@click.argument("assessment_id")
@click.option("--tlp")
@click.option("--group", "sharing_group")
@click.option(
    "--whole-network", "whole_network", is_flag=True, default=None, help="Every member, not a group."
)
@_as_json
def publish(org: str, assessment_id: str, as_json: bool, **values: Any) -> None:
    """Publish ORG's assessment to the audience chosen (default: ORG and the hub)."""
    engine = _engine()
    body = build_model(Publication, **values)
    actor = _actor(engine, org)
    _show(
        maturity.publish_assessment(engine, actor=actor, assessment_id=assessment_id, publication=body),
        as_json,
    )


@maturity_group.command("remind")
def remind() -> None:
    """Mail now the reminders of run-out assessment cycles not sent yet: one run of the
    ``maturity-reminders`` job (for a node that does not serve, from cron)."""
    settings = root_settings()
    if not settings.smtp_host:
        raise click.ClickException("GOTONG_SMTP_HOST is not set: no mail server to send reminders through")
    for r in reminders.send_reminders(_engine(), settings=settings):
        click.echo(f"{r.org}  {r.framework} due on {r.due_on}: mailed {', '.join(r.to)}")


@click.group(name="capacity")
def capacity_group() -> None:
    """Capacity plans built from the gaps of a published assessment."""


@capacity_group.command("plan")
@_org
@click.option("--assessment", required=True, help="A published assessment of ORG.")
@click.option("--profile", help="Default: the framework's target.")
@_as_json
def plan(org: str, as_json: bool, **values: Any) -> None:
    """Make ORG's plan with one item per gap."""
    engine = _engine()
    body = build_model(PlanCreate, **values)
    _show_plan(maturity.create_plan(engine, actor=_actor(engine, org), plan=body), as_json)


@capacity_group.command("list")
@_org
def list_plans(org: str) -> None:
    """The plans ORG may see (the hub: the regional plan)."""
    engine = _engine()
    for p in maturity.list_plans(engine, actor=_actor(engine, org)):
        _show_plan(p, False)


@capacity_group.command("item")
@_org
@click.argument("plan_id")
@click.argument("item", type=int)
@click.option("--status", type=click.Choice([str(s) for s in ItemStatus]))
@click.option("--evidence")
@click.option("--provider")
@click.option("--owner")
@click.option("--due")
@_as_json
def item(org: str, plan_id: str, item: int, as_json: bool, **values: Any) -> None:
    """Change one item of a plan (completing it needs --evidence)."""
    engine = _engine()
    change = build_model(PlanItemUpdate, item=item, **values)
    update = PlanUpdate(items=[change])
    _show_plan(
        maturity.update_plan(engine, actor=_actor(engine, org), plan_id=plan_id, update=update), as_json
    )


def _engine() -> Engine:
    return root_engine()


__all__ = ["capacity_group", "maturity_group"]

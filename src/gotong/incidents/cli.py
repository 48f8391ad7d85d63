"""``gotong case``: open, list, show, update and close cases from the command line. Thin.

The command line is the node operator's: it acts for the organisation named by ``--org`` with no role
limit, as the other operator commands do. Every problem ends in one line on stderr.
"""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy import Engine

from gotong import incidents
from gotong.core.auth import Principal
from gotong.core.commandline import build_model, root_engine, root_settings
from gotong.db.engine import read_connection
from gotong.incidents import (
    CaseCreate,
    CaseFilter,
    CasePublic,
    CaseStatus,
    CaseUpdate,
    ClockPublic,
    Participant,
)
from gotong.orgs.service import operator_for
from gotong.stix.timestamps import TimestampError, micros_of

_engine = root_engine
_build = build_model


def _actor(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return operator_for(conn, org=org)


def _participants(values: tuple[str, ...]) -> list[Participant] | None:
    if not values:
        return None
    parsed = []
    for value in values:
        org, sep, role = value.partition(":")
        if not sep:
            raise click.ClickException(f"--participant {value!r}: write ORG:ROLE, e.g. ThaiCERT:assisting")
        parsed.append(_build(Participant, org=org, role=role))
    return parsed


def _show(case: CasePublic, as_json: bool) -> None:
    if as_json:
        click.echo(case.model_dump_json(indent=2))
        return
    click.echo(f"{case.id}  {case.title}")
    severity = f"severity {case.severity} ({case.severity_name})"
    click.echo(f"  status {case.status}, {severity}, TLP:{case.tlp.upper()}, PAP:{case.pap.upper()}")
    taking_part = ", ".join(f"{p.org} ({p.role})" for p in case.participants) or "none"
    click.echo(f"  lead {case.lead}; participants: {taking_part}")
    history = [(c.at, f"{c.status} by {c.by}", c.reason) for c in case.status_history]
    history += [(h.at, f"lead handed to {h.lead} by {h.by}", h.reason) for h in case.lead_history[1:]]
    for at, what, reason in sorted(history):
        click.echo(f"  {at}  {what}" + (f": {reason}" if reason else ""))
    for kind, entries in (("event", case.events), ("task", case.tasks), ("impact", case.impacts)):
        for entry in entries:
            click.echo(f"  {kind} {entry.id}  {entry.name}  TLP:{entry.tlp.upper()}")


_org = click.option("--org", "org", required=True, help="Act as this organisation (short name).")
_as_json = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
_participant = click.option(
    "--participant",
    "participants",
    multiple=True,
    metavar="ORG:ROLE",
    help="affected, assisting or informed.",
)


@click.group()
def case() -> None:
    """Incident cases shared across the network."""


@case.command("open")
@_org
@click.option("--collection", required=True, help="Collection id or alias the case is stored in.")
@click.option("--title", required=True)
@click.option("--description")
@click.option("--tlp")
@click.option("--group", "sharing_group", help="Sharing group the case is addressed to.")
@click.option("--pap")
@click.option("--severity", type=int, help="Regional level 0-4.")
@click.option("--national-level", help="A level of the lead's national scale (or of --scale).")
@click.option("--scale", help="The scale --national-level is on (see data/incidents/severity.toml).")
@click.option("--rsit", help="RSIT classification[/type], e.g. availability/ddos.")
@click.option("--sector", "sectors", multiple=True, help="NIS2 sector affected (repeatable).")
@click.option("--cii", is_flag=True, help="Critical information infrastructure is affected.")
@_participant
@_as_json
def open_case(org: str, as_json: bool, national_level: str | None, scale: str | None, **fields: Any) -> None:
    """Open a case led by ORG."""
    engine = _engine()
    national = {"level": national_level, "scale": scale} if national_level else None
    fields["critical_infrastructure"] = fields.pop("cii")
    fields["sectors"] = list(fields["sectors"])
    fields["participants"] = _participants(fields["participants"])
    body = _build(CaseCreate, **fields, national_severity=national)
    _show(incidents.open_case(engine, actor=_actor(engine, org), case=body), as_json)


@case.command("list")
@_org
@click.option("--status", type=click.Choice([str(s) for s in CaseStatus]))
@_as_json
def list_cases(org: str, status: str | None, as_json: bool) -> None:
    """The cases ORG may see, newest first."""
    engine = _engine()
    found = incidents.list_cases(engine, actor=_actor(engine, org), filter=_build(CaseFilter, status=status))
    if as_json:
        click.echo(json.dumps([c.model_dump(mode="json") for c in found], indent=2))
        return
    for c in found:
        click.echo(f"{c.id}  {c.status:<9}  sev {c.severity}  {c.lead:<10}  {c.title}")


@case.command("show")
@_org
@click.argument("case_id")
@_as_json
def show_case(org: str, case_id: str, as_json: bool) -> None:
    """One case with the entries ORG may see."""
    engine = _engine()
    _show(incidents.get_case(engine, actor=_actor(engine, org), case_id=case_id), as_json)


@case.command("update")
@_org
@click.argument("case_id")
@click.option("--status", type=click.Choice([str(s) for s in CaseStatus]))
@click.option("--lead", help="Hand the lead over to this organisation.")
@click.option("--severity", type=int)
@click.option("--reason", help="Recorded with a status or lead change.")
@_participant
@_as_json
def update_case(org: str, case_id: str, as_json: bool, **fields: Any) -> None:
    """Change a case's status, lead, severity or participants."""
    engine = _engine()
    body = _build(CaseUpdate, **{**fields, "participants": _participants(fields["participants"])})
    _show(incidents.update_case(engine, actor=_actor(engine, org), case_id=case_id, update=body), as_json)


@case.command("close")
@_org
@click.argument("case_id")
@click.option("--reject", is_flag=True, help="End the case as rejected (not an incident) instead of closed.")
@click.option("--reason")
@_as_json
def close_case(org: str, case_id: str, reject: bool, reason: str | None, as_json: bool) -> None:
    """End a case: closed (or rejected)."""
    engine = _engine()
    status = CaseStatus.REJECTED if reject else CaseStatus.CLOSED
    body = _build(CaseUpdate, status=status, reason=reason)
    _show(incidents.update_case(engine, actor=_actor(engine, org), case_id=case_id, update=body), as_json)


def _instant(at: str | None) -> int | None:
    if at is None:
        return None
    try:
        return micros_of(at)
    except TimestampError as exc:
        raise click.ClickException(f"--at {at!r}: {exc}") from None


def _clock_line(c: ClockPublic) -> str:
    when = "business hours, " + c.timezone if c.business_hours else "24/7"
    met = f", met {c.met}" if c.met else ""
    left = f", {c.remaining_seconds // 60} min left" if c.remaining_seconds is not None else ""
    recorded = " (breach recorded)" if c.breach_recorded else ""
    if c.escalation_step:
        recorded += f" (escalated: step {c.escalation_step})"
    return (
        f"{c.party} ({c.role})  {c.name}: {c.state.upper()}{recorded}  "
        f"due {c.due} ({c.hours:g} h, {when}){met}{left}"
    )


_at = click.option("--at", help="Compute the clocks at this instant (STIX timestamp) instead of now.")


@case.command("clocks")
@_org
@click.argument("case_id")
@_at
@_as_json
def case_clocks(org: str, case_id: str, at: str | None, as_json: bool) -> None:
    """Every party's SLA clocks of a case ORG may see."""
    engine = _engine()
    found = incidents.case_clocks(engine, actor=_actor(engine, org), case_id=case_id, now=_instant(at))
    if as_json:
        click.echo(json.dumps([c.model_dump(mode="json") for c in found], indent=2))
        return
    for clock in found:
        click.echo(_clock_line(clock))


@case.command("acknowledge")
@_org
@click.argument("case_id")
@click.option("--note", default="", help="A note for the timeline.")
def acknowledge_case(org: str, case_id: str, note: str) -> None:
    """Record that ORG has seen the case (meets its acknowledge clock)."""
    engine = _engine()
    entry = incidents.acknowledge_case(engine, actor=_actor(engine, org), case_id=case_id, note=note)
    click.echo(f"{entry.id}  {entry.name}")


@case.command("check-clocks")
@_at
def check_clocks(at: str | None) -> None:
    """Record every newly breached clock of every case once, then take the escalation steps that
    are due (what the server's job does)."""
    engine, now = _engine(), _instant(at)
    for breach in incidents.check_clocks(engine, now=now):
        click.echo(f"{breach.case_id}  {breach.party} {breach.clock} breached (due {breach.due})")
    for step in incidents.escalate_clocks(engine, settings=root_settings(), now=now):
        click.echo(
            f"{step.case_id}  {step.party} {step.clock} escalated: step {step.step} ({step.action}), "
            f"severity {step.severity}"
        )


@case.command("sitrep")
@_org
@click.argument("case_id")
def case_sitrep(org: str, case_id: str) -> None:
    """A situation report of the case as Markdown, with only what ORG may see."""
    engine = _engine()
    click.echo(incidents.sitrep(engine, actor=_actor(engine, org), case_id=case_id), nl=False)

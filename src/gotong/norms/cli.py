"""``gotong norms``: the catalogue, and a member's implementation reports. Thin.

The command line is the node operator's: it acts for the organisation named by ``--org`` (the member
rules still hold: only the member edits its report). Every problem ends in one line on stderr.
"""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy import Engine

from gotong import norms
from gotong.core.auth import Principal
from gotong.core.commandline import build_model, root_engine
from gotong.db.engine import read_connection
from gotong.norms import (
    EntryUpdate,
    ItemStatus,
    ProposalCreate,
    ReportCreate,
    ReportFilter,
    ReportPublic,
    ReportUpdate,
)
from gotong.orgs.service import operator_for

_org = click.option("--org", "org", required=True, help="Act as this organisation (short name).")
_as_json = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _actor(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return operator_for(conn, org=org)


def _show(report: ReportPublic, as_json: bool) -> None:
    if as_json:
        click.echo(report.model_dump_json(indent=2))
        return
    audience = f", to {report.audience}" if report.audience else ""
    click.echo(f"{report.id}  {report.member} {report.cycle}  TLP:{report.tlp.upper()}{audience}")
    if report.summary:
        click.echo(f"  public summary {report.summary}")
    for e in report.entries:
        click.echo(f"  {e.item:<4} {e.status:<15} {e.narrative}")
        for ev in e.evidence:
            click.echo(f"       evidence: {ev}")
    for o in report.offered:
        click.echo(f"  offered for {o.item}: {o.text}")


@click.group(name="norms")
def norms_group() -> None:
    """The norms catalogue and members' implementation reports."""


@norms_group.command("list")
@_as_json
def list_norms(as_json: bool) -> None:
    """The catalogue: each norm and its implementation items, and the proposed regional norms."""
    found = norms.list_norms(root_engine())
    if as_json:
        click.echo(json.dumps([n.model_dump(mode="json") for n in found], indent=2))
        return
    for n in found:
        adopted = f" (adopted {n.adopted} by {n.decision})" if n.origin == "regional" and n.adopted else ""
        version = f" version {n.version}" if n.origin == "regional" else ""
        click.echo(f"({n.id}) {n.title}{version}" + (" (proposed)" if n.status == "proposed" else adopted))
        for h in n.history:
            click.echo(f"  earlier: version {h.version} adopted {h.adopted} by {h.decision}")
        for item in n.items:
            click.echo(f"  {item.id}  {item.text}")


@norms_group.command("propose")
@_org
@click.option("--norm", required=True, help="A new regional norm's id (e.g. r2), or an existing one's.")
@click.option("--title", required=True)
@click.option("--summary", required=True)
@click.option("--item", "items", multiple=True, required=True, metavar="ID=TEXT", help="e.g. r2-1=...")
@_as_json
def propose(org: str, as_json: bool, items: tuple[str, ...], **values: Any) -> None:
    """Propose a regional norm (or its next version) to the taskforce, as ORG."""
    engine = root_engine()
    parsed = []
    for item in items:
        item_id, sep, text = item.partition("=")
        if not sep:
            raise click.ClickException(f"--item {item!r}: write ID=TEXT, e.g. r2-1=Requests are acknowledged")
        parsed.append({"id": item_id.strip(), "text": text.strip()})
    body = build_model(ProposalCreate, items=parsed, **values)
    made = norms.propose_norm(engine, actor=_actor(engine, org), proposal=body)
    if as_json:
        click.echo(made.model_dump_json(indent=2))
        return
    click.echo(f"{made.id}  ({made.norm}) version {made.version}: {made.title}  TLP:{made.tlp.upper()}")


@norms_group.command("proposals")
@_org
@_as_json
def proposals(org: str, as_json: bool) -> None:
    """The proposals ORG may see (the taskforce: all of them)."""
    engine = root_engine()
    found = norms.list_proposals(engine, actor=_actor(engine, org))
    if as_json:
        click.echo(json.dumps([p.model_dump(mode="json") for p in found], indent=2))
        return
    for p in found:
        click.echo(f"{p.id}  ({p.norm}) version {p.version} by {p.proposed_by}: {p.title}")
        for item in p.items:
            click.echo(f"  {item.id}  {item.text}")


@norms_group.group("report")
def report_group() -> None:
    """File, fill in, show and publish implementation reports."""


@report_group.command("file")
@_org
@click.option("--cycle", help="The reporting cycle, e.g. 2026 (default: the current one).")
@click.option("--tlp")
@click.option("--group", "sharing_group", help="A named-recipients group holding ORG and the taskforce.")
@_as_json
def file_report(org: str, as_json: bool, **values: Any) -> None:
    """File ORG's report for a cycle."""
    engine = root_engine()
    body = build_model(ReportCreate, **values)
    _show(norms.create_report(engine, actor=_actor(engine, org), report=body), as_json)


@report_group.command("list")
@_org
@click.option("--member")
@click.option("--cycle")
@_as_json
def list_reports(org: str, as_json: bool, **values: Any) -> None:
    """The reports ORG may see."""
    engine = root_engine()
    found = norms.list_reports(engine, actor=_actor(engine, org), filter=build_model(ReportFilter, **values))
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json") for r in found], indent=2))
        return
    for r in found:
        done = sum(c[ItemStatus.IMPLEMENTED] for c in r.counts.values())
        click.echo(
            f"{r.id}  {r.member:<10} {r.cycle}  {done}/{len(r.entries)} implemented  TLP:{r.tlp.upper()}"
        )


@report_group.command("show")
@_org
@click.argument("report_id")
@_as_json
def show(org: str, report_id: str, as_json: bool) -> None:
    """One report, with the evidence Gotong's records offer."""
    engine = root_engine()
    _show(norms.get_report(engine, actor=_actor(engine, org), report_id=report_id), as_json)


@report_group.command("set")
@_org
@click.argument("report_id")
@click.argument("item")
@click.argument("status", metavar="STATUS")
@click.option("--narrative")
@click.option("--evidence", multiple=True, help="A piece of evidence (repeatable).")
@_as_json
def set_item(
    org: str,
    report_id: str,
    item: str,
    status: str,
    narrative: str | None,
    evidence: tuple[str, ...],
    as_json: bool,
) -> None:
    """Set one ITEM of a report to STATUS (not-started, in-progress, implemented, not-applicable)."""
    engine = root_engine()
    entry = build_model(EntryUpdate, item=item, status=status, narrative=narrative, evidence=list(evidence))
    update = ReportUpdate(entries=[entry])
    _show(norms.update_report(engine, actor=_actor(engine, org), report_id=report_id, update=update), as_json)


@report_group.command("publish")
@_org
@click.argument("report_id")
@_as_json
def publish(org: str, report_id: str, as_json: bool) -> None:
    """Publish the report's TLP:CLEAR summary (counts per norm, no narrative)."""
    engine = root_engine()
    update = ReportUpdate(publish_summary=True)
    _show(norms.update_report(engine, actor=_actor(engine, org), report_id=report_id, update=update), as_json)

"""``gotong budget``: the mandates, a member's budget reports, compliance. Thin.

The command line is the node operator's: it acts for the organisation named by ``--org`` (the member
rules still hold: only the member files its budget). Every problem ends in one line on stderr.
"""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy import Engine

from gotong import budgets
from gotong.budgets import CATEGORIES, BudgetCreate, BudgetFilter, BudgetPublic
from gotong.core.auth import Principal
from gotong.core.commandline import build_model, root_engine
from gotong.db.engine import read_connection
from gotong.orgs.service import operator_for

_org = click.option("--org", "org", required=True, help="Act as this organisation (short name).")
_as_json = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _actor(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return operator_for(conn, org=org)


def _amounts(values: tuple[str, ...]) -> dict[str, int]:
    parsed = {}
    for value in values:
        name, sep, amount = value.partition("=")
        if not sep or not amount.replace("_", "").isdigit():
            raise click.ClickException(f"--amount {value!r}: write CATEGORY=AMOUNT, e.g. cert-staff=3000000")
        parsed[name.strip()] = int(amount.replace("_", ""))
    return parsed


def _show(report: BudgetPublic, as_json: bool) -> None:
    if as_json:
        click.echo(report.model_dump_json(indent=2))
        return
    audience = f", to {report.audience}" if report.audience else ""
    click.echo(f"{report.id}  {report.member} {report.year}  TLP:{report.tlp.upper()}{audience}")
    for key, amount in report.amounts.items():
        click.echo(
            f"  {CATEGORIES[key].label}: {amount:,} {report.currency} ({report.amounts_usd[key]:,.0f} USD)"
        )
    click.echo(f"  total {report.total:,} {report.currency} = {report.total_usd:,.0f} USD")
    if report.ranges:
        click.echo(f"  ranges published: {report.ranges}")


@click.group(name="budget")
def budget_group() -> None:
    """Cybersecurity budgets against the mandate."""


@budget_group.command("mandate")
@_as_json
def mandate(as_json: bool) -> None:
    """The mandates: rules and phase-in trajectories."""
    found = budgets.list_mandates()
    if as_json:
        click.echo(json.dumps([m.model_dump(mode="json") for m in found], indent=2))
        return
    for m in found:
        click.echo(f"{m.id}  {m.title}{'  (in force)' if m.in_force else ''}")
        for rule in m.rules:
            click.echo(f"  {rule.kind}: {rule.value:g}")
        for who, steps in m.trajectory.items():
            click.echo(f"  trajectory {who}: " + ", ".join(f"{y} {f:.0%}" for y, f in steps))
        click.echo(f"  subject for review after {m.review_after_years} consecutive years below")


@budget_group.group("report")
def report_group() -> None:
    """File, list and show budget reports; publish their ranges."""


@report_group.command("file")
@_org
@click.option("--year", required=True, type=int)
@click.option(
    "--amount", "amounts", multiple=True, metavar="CATEGORY=AMOUNT", help="Local currency (repeatable)."
)
@click.option(
    "--ict-budget", "government_ict_budget", type=int, help="The government's ICT budget that year."
)
@click.option("--tlp")
@click.option("--group", "sharing_group")
@click.option(
    "--publish-ranges", is_flag=True, default=None, help="Also publish the bands (never the amounts)."
)
@_as_json
def file_report(org: str, as_json: bool, amounts: tuple[str, ...], **values: Any) -> None:
    """File ORG's budget for a year."""
    engine = root_engine()
    body = build_model(BudgetCreate, **values, amounts=_amounts(amounts))
    _show(budgets.create_report(engine, actor=_actor(engine, org), report=body), as_json)


@report_group.command("list")
@_org
@click.option("--member")
@click.option("--year", type=int)
@_as_json
def list_reports(org: str, as_json: bool, **values: Any) -> None:
    """The budget reports ORG may see (with amounts)."""
    engine = root_engine()
    found = budgets.list_reports(
        engine, actor=_actor(engine, org), filter=build_model(BudgetFilter, **values)
    )
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json") for r in found], indent=2))
        return
    for r in found:
        click.echo(f"{r.id}  {r.member:<10} {r.year}  {r.total:,} {r.currency} = {r.total_usd:,.0f} USD")


@report_group.command("ranges")
@_org
@click.argument("report_id")
@_as_json
def ranges(org: str, report_id: str, as_json: bool) -> None:
    """Publish a report's bands to every member."""
    engine = root_engine()
    _show(budgets.publish_ranges(engine, actor=_actor(engine, org), report_id=report_id), as_json)


@budget_group.command("compliance")
@_org
@click.option("--year", type=int)
@_as_json
def compliance(org: str, year: int | None, as_json: bool) -> None:
    """Each member against the mandate, as ORG may know it (exact, or only bands)."""
    engine = root_engine()
    found = budgets.compliance(engine, actor=_actor(engine, org), year=year)
    if as_json:
        click.echo(json.dumps([c.model_dump(mode="json") for c in found], indent=2))
        return
    for c in found:
        if c.exact:
            review = "  SUBJECT FOR REVIEW" if c.subject_for_review else ""
            click.echo(f"{c.member:<10} {c.year}  {c.status}  {c.share:.0%} of the minimum{review}")
        else:
            click.echo(f"{c.member:<10} {c.year}  range: {c.share_band} of the minimum, total {c.total_band}")

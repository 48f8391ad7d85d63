"""``gotong report``: generate, list and show posture reports, and manage who receives them. Thin.

The command line is the node operator's: it acts for ``--org`` with no role limit; a report is
still that organisation's view, readable only as that organisation. Problems end in one line.
"""

from __future__ import annotations

from pathlib import Path

import click

from gotong import reports
from gotong.core.auth import Principal, Role
from gotong.core.commandline import put_document, root_engine
from gotong.db.engine import read_connection
from gotong.orgs.service import operator_for


def _actor(org: str) -> Principal:
    with read_connection(root_engine()) as conn:
        found = operator_for(conn, org=org)
    return Principal(org_id=found.org_id, org_short=found.org_short, role=Role.ADMIN)


_org = click.option("--org", "org", required=True, help="Act as this organisation (short name).")
_as_json = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group(name="report")
def report() -> None:
    """Regional posture reports: an executive summary, a section per domain, tables in an appendix."""


@report.command("generate")
@_org
@click.option("--period", default="month", show_default=True, help="month, quarter, 2026-11, 2026-Q4...")
@click.option(
    "--tlp",
    default=None,
    help="Make it for a wider audience (clear, green, amber, amber+strict): records marked at most that.",
)
@_as_json
def generate(org: str, period: str, tlp: str | None, as_json: bool) -> None:
    """Make the report of PERIOD over what ORG may see, and store it as ORG's."""
    made = reports.generate_report(root_engine(), actor=_actor(org), period=period, tlp=tlp)
    if as_json:
        click.echo(made.model_dump_json(indent=2))
        return
    click.echo(
        f"report {made.id}: {made.period_label}{', ' + made.tlp if made.tlp else ''}, "
        f"sections {', '.join(s.key for s in made.sections) or 'none'}"
    )


@report.command("list")
@_org
@_as_json
def list_(org: str, as_json: bool) -> None:
    """ORG's reports, newest first."""
    found = reports.list_reports(root_engine(), actor=_actor(org))
    if as_json:
        click.echo("[" + ",".join(r.model_dump_json() for r in found) + "]")
        return
    for r in found:
        click.echo(
            f"{r.id}  {r.period_kind} {r.period_label}  generated {r.generated_at} by {r.generated_by}"
        )


@report.command("show")
@click.argument("report_id", type=int)
@_org
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html", "csv", "pdf"]),
    default="text",
    show_default=True,
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
def show(report_id: int, org: str, fmt: str, output: Path | None) -> None:
    """One of ORG's reports (PDF needs --output)."""
    found = reports.get_report(root_engine(), actor=_actor(org), report_id=report_id)

    def text() -> str:
        lines = [f"Regional posture report {found.period_label} ({found.org})", "", "Executive summary"]
        lines += [f"  - {line}" for line in found.summary] or ["  Nothing to report."]
        for section in found.sections:
            lines += ["", section.title, *[f"  {line}" for line in section.summary]]
        return "\n".join(lines)

    put_document(
        fmt,
        output,
        {
            "pdf": lambda: reports.render_pdf(found),
            "json": lambda: found.model_dump_json(indent=2),
            "html": lambda: reports.render_html(found),
            "csv": lambda: reports.render_csv(found),
            "text": text,
        },
    )


@report.command("subscribe")
@click.argument("email")
@_org
def subscribe(email: str, org: str) -> None:
    """Mail ORG's scheduled reports to EMAIL."""
    made = reports.subscribe(root_engine(), actor=_actor(org), email=email)
    click.echo(f"subscriber {made.id}: {made.email} receives {made.org}'s reports")


@report.command("unsubscribe")
@click.argument("subscriber_id", type=int)
@_org
def unsubscribe(subscriber_id: int, org: str) -> None:
    """Stop mailing ORG's reports to that subscriber."""
    reports.unsubscribe(root_engine(), actor=_actor(org), subscriber_id=subscriber_id)
    click.echo(f"subscriber {subscriber_id} removed")

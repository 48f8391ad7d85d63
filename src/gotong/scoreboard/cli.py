"""``gotong scoreboard``: the sharing scoreboard of a period, as an organisation sees it. Thin.

The command line is the node operator's: it acts for ``--org`` with no role limit. Every problem
ends in one line on stderr.
"""

from __future__ import annotations

import click

from gotong import scoreboard as domain
from gotong.core.auth import Principal, Role
from gotong.core.commandline import root_engine
from gotong.db.engine import read_connection
from gotong.orgs.service import operator_for
from gotong.scoreboard import ScoreboardPublic, ScoreboardSettingsUpdate


def _actor(org: str) -> Principal:
    with read_connection(root_engine()) as conn:
        found = operator_for(conn, org=org)
    return Principal(org_id=found.org_id, org_short=found.org_short, role=Role.ADMIN)


def _hours(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 3600:.1f} h"


def _show(board: ScoreboardPublic) -> None:
    region = board.region
    click.echo(f"Scoreboard {board.period.label} as {board.viewer} sees it")
    click.echo(
        f"  region: {region.volume.objects} objects from {region.contributors} members "
        f"({region.through_hub} through the hub), median delay "
        f"{_hours(region.timeliness.first_seen_to_submission.median_seconds)}"
    )
    if board.position.rank is not None:
        click.echo(f"  your position: {board.position.rank} of {board.position.contributors}")
    for org in board.organisations:
        delay = org.timeliness.first_seen_to_submission
        click.echo(
            f"  {org.org}: {org.volume.objects} shared, {org.reciprocity.consumed} retrieved, "
            f"median {_hours(delay.median_seconds)}, p90 {_hours(delay.p90_seconds)}"
            + (" (published)" if org.published else "")
        )


@click.command(name="scoreboard")
@click.option("--org", "org", required=True, help="Act as this organisation (short name).")
@click.option(
    "--period", default="month", show_default=True, help="month, quarter, year, 2026-11, 2026-Q4..."
)
@click.option("--of", "detail_of", help="Only this organisation's detail.")
@click.option("--matrix", is_flag=True, help="Show who shares with whom instead.")
@click.option("--publish/--withdraw", default=None, help="Publish (or withdraw) ORG's detail first.")
@click.option("--team-size", type=int, help="Record ORG's team size first (a capacity source).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def scoreboard(
    org: str,
    period: str,
    detail_of: str | None,
    matrix: bool,
    publish: bool | None,
    team_size: int | None,
    as_json: bool,
) -> None:
    """The sharing scoreboard of PERIOD as ORG may see it."""
    engine = root_engine()
    actor = _actor(org)
    if publish is not None or team_size is not None:
        change = ScoreboardSettingsUpdate(publish=publish, team_size=team_size)
        domain.update_scoreboard_settings(engine, actor=actor, change=change)
    if matrix:
        found = domain.matrix(engine, actor=actor, period=period)
        if as_json:
            click.echo(found.model_dump_json(indent=2))
            return
        for cell in found.cells:
            click.echo(f"{cell.source} -> {cell.reader}  {cell.tlp}  {cell.objects}")
        return
    board = domain.scoreboard(engine, actor=actor, period=period, org=detail_of)
    if as_json:
        click.echo(board.model_dump_json(indent=2))
        return
    _show(board)

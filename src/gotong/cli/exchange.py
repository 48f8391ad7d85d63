"""Bundles in and out: ``import`` and ``export``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gotong.cli.base import State, pass_state
from gotong.errors import Invalid
from gotong.feeds.service import EXPORT_FORMATS, export_feed, import_misp_file, sniff
from gotong.intel.bulk import export_bundle, import_files
from gotong.sharing.tlp import TLP


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--org", "org_short", required=True, help="Submitting organisation.")
@click.option("--collection", "collection_id", help="Collection id or alias (default: the only/first one).")
@click.option("--through-hub", is_flag=True, help="Publish under the hub's name (anonymous submission).")
@click.option("--tlp", help="TLP for objects that carry none (default: the organisation's default TLP).")
@click.option(
    "--repair",
    is_flag=True,
    help="Fix producers' well-known mistakes (second-precision created/modified, uppercase x_ property "
    "names) instead of refusing the object; the summary counts each repair.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@pass_state
def import_(
    state: State,
    files: tuple[str, ...],
    org_short: str,
    collection_id: str | None,
    through_hub: bool,
    tlp: str | None,
    repair: bool,
    quiet: bool,
) -> None:
    """Import STIX 2.1 (or 2.0, upgraded) bundles, TAXII envelopes, JSON files of objects, or MISP
    events (converted as 'feed import --format misp-event' does), streamed."""
    marking = TLP.parse(tlp) if tlp else None
    kinds = {path: sniff(Path(path)) for path in files}  # STIX or MISP; anything else says what it is
    lost = False
    for path in [p for p, kind in kinds.items() if kind == "misp-event"]:
        misp = import_misp_file(
            state.engine, path=path, org=org_short, collection_id=collection_id, tlp=marking
        )
        for line in [*misp.problems, *misp.expired_lines()]:
            click.echo(line, err=True)
        click.echo(f"{path}: {misp.line().removeprefix('feed import: ')}", err=True)
        lost |= bool(misp.problems)
    stix_files = [p for p, kind in kinds.items() if kind == "stix"]
    if not stix_files:
        sys.exit(1 if lost else 0)
    summary = import_files(
        state.engine,
        tlp=marking,
        files=stix_files,
        org=org_short,
        collection_id=collection_id,
        through_hub=through_hub,
        progress=not quiet and sys.stderr.isatty(),
        on_rejected=lambda line: click.echo(line, err=True),
        repair=repair,
    )
    click.echo(summary.line(), err=True)
    if summary.rejected or lost:
        sys.exit(1)


@click.command()
@click.option("--org", "org_short", required=True, help="Export as this organisation sees it.")
@click.option("--collection", "collection_id", help="Collection id or alias (default: all readable).")
@click.option("--type", "types", multiple=True, help="Only these STIX types (repeatable).")
@click.option("--added-after", help="Only versions added after this timestamp.")
@click.option("--all-versions", is_flag=True, help="Every version, not only the latest.")
@click.option("--include-expired", is_flag=True, help="Keep indicators past their valid_until.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default="stix",
    show_default=True,
    help="stix streams a bundle; the others render the latest versions.",
)
@click.option(
    "--ceiling", help="Leave out anything marked above this TLP, e.g. clear for a public blocklist."
)
@pass_state
def export(
    state: State,
    org_short: str,
    collection_id: str | None,
    types: tuple[str, ...],
    added_after: str | None,
    all_versions: bool,
    include_expired: bool,
    fmt: str,
    ceiling: str | None,
) -> None:
    """Write what the organisation may see to stdout: a STIX bundle, MISP, CSV, blocklists or IDS rules.

    A collection the organisation may not read is an error (exit status 1), not an empty bundle.
    """
    if fmt == "stix" and not ceiling:
        export_bundle(
            state.engine,
            out=sys.stdout,
            org=org_short,
            collection_id=collection_id,
            types=list(types),
            added_after=added_after,
            all_versions=all_versions,
            include_expired=include_expired,
        )
        return
    if types or added_after or all_versions or include_expired:
        raise Invalid(
            "--type, --added-after, --all-versions and --include-expired go with --format stix only"
        )
    limit = TLP.parse(ceiling) if ceiling else TLP.RED
    done = export_feed(state.engine, org=org_short, collection_id=collection_id, fmt=fmt, ceiling=limit)
    sys.stdout.write(done.text)
    click.echo(f"export: {done.summary()}", err=True)

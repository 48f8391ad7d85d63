"""Feeds in the formats CERTs already use: ``feed formats|import|add|list|show|run|enable|disable|remove``."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from gotong.cli.base import State, counter, pass_state, print_json, print_rows, report_lines
from gotong.db.engine import read_connection, write_transaction
from gotong.feeds.fetch import authorization
from gotong.feeds.imports import import_source, run_feeds
from gotong.feeds.registry import (
    add_feed,
    get_feed,
    list_feeds,
    parse_interval,
    remove_feed,
    set_enabled,
)
from gotong.feeds.runs import FeedRun
from gotong.feeds.service import import_formats


@click.group()
def feed() -> None:
    """Feeds in the formats CERTs already use: MISP, abuse.ch, Shadowserver, plain lists."""


@feed.command("formats")
def feed_formats_command() -> None:
    """List the formats 'feed import' understands."""
    for name in import_formats():
        click.echo(name)


@feed.command("import")
@click.argument("source")
@click.option(
    "--format",
    "fmt",
    required=True,
    help="stix, misp-feed, misp-event, or a line format ('feed formats').",
)
@click.option("--org", "org_short", required=True, help="Submitting organisation.")
@click.option("--collection", "collection_id", help="Collection id or alias.")
@click.option("--name", help="Feed name (ids are derived from it; default: the file name).")
@click.option("--classification", help="RSIT class/type for line feeds, e.g. malicious-code/c2-server.")
@click.option("--tlp", help="TLP for entries that carry none (default: the organisation's default TLP).")
@click.option("--valid-days", type=click.IntRange(min=1), default=30, show_default=True)
@click.option(
    "--repair",
    is_flag=True,
    help="Fix producers' well-known mistakes (second-precision created/modified, uppercase x_ property "
    "names) instead of refusing the object; the summary counts each repair.",
)
@click.option("--quiet", is_flag=True, help="No progress display.")
@pass_state
def feed_import(
    state: State,
    source: str,
    fmt: str,
    org_short: str,
    collection_id: str | None,
    name: str | None,
    classification: str | None,
    tlp: str | None,
    valid_days: int,
    repair: bool,
    quiet: bool,
) -> None:
    """Convert a feed file once and store it; each skipped line or attribute is reported."""
    with counter(enabled=not quiet) as advance:
        result = import_source(
            state.engine,
            source=source,
            fmt=fmt,
            org=org_short,
            collection_id=collection_id,
            name=name,
            classification=classification,
            tlp=tlp,
            valid_days=valid_days,
            on_batch=lambda n: advance("storing", n),
            repair=repair,
        )
    report_lines([*result.problems, *result.expired_lines(), result.line()])
    if result.problems:
        sys.exit(1)


@feed.command("add")
@click.argument("name")
@click.option("--source", required=True, help="http(s) URL, file or folder; for taxii a collection URL.")
@click.option("--format", "fmt", required=True, help="A format of 'feed formats', or taxii.")
@click.option("--org", "org_short", required=True, help="Organisation that vouches for the feed.")
@click.option("--collection", "collection_id", help="Collection id or alias it lands in.")
@click.option("--classification", help="RSIT class/type (line formats), e.g. malicious-code/c2-server.")
@click.option("--tlp", help="TLP for objects that carry none (default: the organisation's).")
@click.option("--group", "group_name", help="Sharing group every object of the feed addresses.")
@click.option("--valid-days", type=click.IntRange(min=1), default=30, show_default=True)
@click.option("--every", help="Poll interval, e.g. 15m, 6h, 1d (default: run by hand only).")
@click.option("--token", help="Bearer token for the source (stored in the node's database).")
@click.option("--user", help="user:password for HTTP Basic (stored in the node's database).")
@click.option(
    "--repair",
    is_flag=True,
    help="Each run fixes producers' well-known mistakes, as 'feed import --repair' does.",
)
@pass_state
def feed_add(
    state: State,
    name: str,
    source: str,
    fmt: str,
    org_short: str,
    collection_id: str | None,
    classification: str | None,
    tlp: str | None,
    group_name: str | None,
    valid_days: int,
    every: str | None,
    token: str | None,
    user: str | None,
    repair: bool,
) -> None:
    """Register a feed (a row of configuration) that 'feed run' or the server's scheduler runs."""
    credentials = authorization(token, user, token_name="--token", basic_name="--user")
    interval = parse_interval(every) if every else None
    with write_transaction(state.engine) as conn:
        status = add_feed(
            conn,
            name=name,
            source=source,
            fmt=fmt,
            org=org_short,
            collection_id=collection_id,
            classification=classification,
            tlp=tlp,
            group=group_name,
            valid_days=valid_days,
            interval=interval,
            credentials=credentials,
            repair=repair,
        )
    repairs = ", repairing producers' mistakes" if status.repair else ""
    click.echo(f"feed {status.name} added ({status.format}, every {status.every}{repairs})")


@feed.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the full status as JSON.")
@pass_state
def feed_list(state: State, as_json: bool) -> None:
    """Configured feeds and the outcome of each one's last run."""
    with read_connection(state.engine) as conn:
        statuses = list_feeds(conn)
    if as_json:
        print_json([asdict(s) for s in statuses])
        return
    print_rows(
        [s.row() for s in statuses],
        False,
        ["name", "format", "every", "last run", "outcome", "added", "problems", "error"],
    )


@feed.command("show")
@click.argument("name")
@pass_state
def feed_show(state: State, name: str) -> None:
    """One feed's configuration, last run and the problems it reported."""
    with read_connection(state.engine) as conn:
        status = get_feed(conn, name)
    print_json(asdict(status))


@feed.command("run")
@click.argument("names", nargs=-1)
@click.option("--due", is_flag=True, help="Run every feed whose scheduled time has come (for cron).")
@click.option("--quiet", is_flag=True, help="No progress display.")
@pass_state
def feed_run(state: State, names: tuple[str, ...], due: bool, quiet: bool) -> None:
    """Run feeds now; exits non-zero if any failed or reported problems."""

    def said(run: FeedRun) -> None:
        lines = [*run.result.problems, *run.result.expired_lines()]
        report_lines([*(f"{run.name}: {p}" for p in lines), run.line()])

    with counter(enabled=not quiet) as advance:
        runs = run_feeds(
            state.engine,
            names=list(names),
            due=due,
            on_batch=lambda feed_name, n: advance(f"feed {feed_name}", n),
            on_run=said,
        )
    if any(r.outcome == "failed" or r.result.problems or r.result.rejected for r in runs):
        sys.exit(1)


@feed.command("enable")
@click.argument("name")
@pass_state
def feed_enable(state: State, name: str) -> None:
    """Resume a feed's schedule (it runs at the next scheduler round)."""
    with write_transaction(state.engine) as conn:
        set_enabled(conn, name, True)
    click.echo(f"feed {name} enabled")


@feed.command("disable")
@click.argument("name")
@pass_state
def feed_disable(state: State, name: str) -> None:
    """Stop a feed's schedule; it can still be run by hand."""
    with write_transaction(state.engine) as conn:
        set_enabled(conn, name, False)
    click.echo(f"feed {name} disabled")


@feed.command("remove")
@click.argument("name")
@pass_state
def feed_remove(state: State, name: str) -> None:
    """Forget a feed's configuration; what it imported stays."""
    with write_transaction(state.engine) as conn:
        remove_feed(conn, name)
    click.echo(f"feed {name} removed")

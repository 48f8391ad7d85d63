"""The ``gotong`` command. Thin: parse arguments, call one service, print the result.

Every problem a user can cause ends in one line on stderr and a non-zero exit status, never a
traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from gotong.core.auth import Role
from gotong.db.engine import make_engine, read_connection, write_transaction
from gotong.errors import GotongError, Invalid
from gotong.orgs.models import OrgKind
from gotong.settings import Settings, alert_window_micros, load_settings
from gotong.sharing.definitions import publish_definitions


class _Cli(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GotongError as exc:
            raise click.ClickException(exc.message) from None
        except (OperationalError, ProgrammingError) as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            hint = (
                " (run 'gotong init' first?)"
                if "no such table" in reason or "does not exist" in reason
                else ""
            )
            raise click.ClickException(f"database error: {reason}{hint}") from None


class _State:
    def __init__(self, database: str | None) -> None:
        overrides: dict[str, Any] = {"database_url": database} if database else {}
        try:
            self.settings: Settings = load_settings(**overrides)
        except ValidationError as exc:  # say which setting is wrong and why, in one line
            problems = "; ".join(
                f"GOTONG_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
            )
            raise click.ClickException(f"configuration: {problems}") from None
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
        return self._engine


pass_state = click.make_pass_decorator(_State)


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


@click.group(cls=_Cli)
@click.option(
    "--database", envvar="GOTONG_DATABASE_URL", help="SQLAlchemy URL (default sqlite:///gotong.db)."
)
@click.version_option(package_name="gotong")
@click.pass_context
def main(ctx: click.Context, database: str | None) -> None:
    """Gotong: threat-intelligence exchange for a regional network of national CERTs."""
    ctx.obj = _State(database)


@main.command()
@click.option("--preset", help="Apply a network preset, e.g. 'asean'.")
@click.option("--database", "database", help="SQLAlchemy URL; overrides GOTONG_DATABASE_URL.")
@click.option("--demo", is_flag=True, help="Load a little demo intelligence (needs --preset asean).")
@click.pass_context
def init(ctx: click.Context, preset: str | None, database: str | None, demo: bool) -> None:
    """Create or migrate the database and apply a preset. Safe to run again."""
    from gotong.node import init_node

    if database:
        ctx.obj = _State(database)
    state: _State = ctx.obj
    report = init_node(state.engine, preset=preset)
    click.echo(f"database ready at {state.engine.url.render_as_string(hide_password=True)}")
    if report.created_orgs:
        click.echo(f"created organisations: {', '.join(report.created_orgs)}")
    if report.created_collections:
        click.echo(f"created collections: {', '.join(report.created_collections)}")
    if demo:
        from gotong.demo import load_demo

        if preset != "asean":
            raise Invalid("--demo needs --preset asean")
        summary = load_demo(state.engine)
        click.echo(summary)


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8000).")
@pass_state
def serve(state: _State, host: str | None, port: int | None) -> None:
    """Serve the TAXII 2.1 and REST APIs."""
    import uvicorn

    from gotong.app import create_app

    app = create_app(state.settings, engine=state.engine)
    uvicorn.run(
        app,
        host=host or state.settings.host,
        port=port or state.settings.port,
        log_level="info",
        # Live change feeds never end by themselves: on shutdown, cut them after a moment.
        timeout_graceful_shutdown=3,
    )


# ----------------------------------------------------------------- organisations, users, tokens
@main.group()
def org() -> None:
    """Organisations of the network."""


@org.command("add")
@click.argument("short")
@click.option("--name", required=True)
@click.option("--country", required=False, help="ISO 3166-1 alpha-2 code, e.g. TH.")
@click.option(
    "--kind", type=click.Choice([k.value for k in OrgKind]), default="national-cert", show_default=True
)
@click.option("--parent", help="Short name of the parent organisation (for constituents).")
@pass_state
def org_add(state: _State, short: str, name: str, country: str | None, kind: str, parent: str | None) -> None:
    """Add an organisation."""
    from gotong.orgs.service import add_org

    with write_transaction(state.engine) as conn:
        created = add_org(
            conn, short_name=short, name=name, country=country, kind=OrgKind(kind), parent=parent, actor="cli"
        )
    publish_definitions(state.engine)
    click.echo(f"{created.short_name} {created.identity_id}")


@org.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def org_list(state: _State, as_json: bool) -> None:
    """List organisations."""
    from gotong.orgs.service import list_orgs

    with read_connection(state.engine) as conn:
        orgs = list_orgs(conn)
    parents = {o.id: o.short_name for o in orgs}
    rows = [
        {
            "short_name": o.short_name,
            "name": o.name,
            "country": o.country,
            "kind": str(o.kind),
            "parent": parents.get(o.parent_id) if o.parent_id else None,
            "identity_id": o.identity_id,
            "default_tlp": o.default_tlp.label,
        }
        for o in orgs
    ]
    _print_rows(rows, as_json, ["short_name", "country", "kind", "parent", "name"])


@org.command("set-default-tlp")
@click.argument("short")
@click.argument("tlp")
@pass_state
def org_set_default_tlp(state: _State, short: str, tlp: str) -> None:
    """Set the TLP assumed for the organisation's unmarked submissions."""
    from gotong.orgs.service import set_default_tlp
    from gotong.sharing.tlp import TLP

    with write_transaction(state.engine) as conn:
        updated = set_default_tlp(conn, short_name=short, tlp=TLP.parse(tlp), actor="cli")
    click.echo(f"{updated.short_name} default marking {updated.default_tlp.label}")


@main.group()
def user() -> None:
    """Users of organisations."""


@user.command("add")
@click.argument("email")
@click.option("--org", "org_short", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@pass_state
def user_add(state: _State, email: str, org_short: str, role: str) -> None:
    """Add a user to an organisation with one role."""
    from gotong.orgs.service import add_user

    with write_transaction(state.engine) as conn:
        add_user(conn, email=email, org=org_short, role=Role(role), actor="cli")
    click.echo(f"{email.lower()} {org_short} {role}")


@main.group()
def token() -> None:
    """API tokens (shown once, stored hashed)."""


@token.command("create")
@click.option("--org", "org_short", required=True)
@click.option("--user", "user_email")
@click.option("--role", type=click.Choice([r.value for r in Role]))
@click.option("--expires-in-days", type=click.IntRange(min=1), help="Expire the token after this many days.")
@click.option(
    "--through-hub", is_flag=True, help="Publish everything sent with this token under the hub's name."
)
@pass_state
def token_create(
    state: _State,
    org_short: str,
    user_email: str | None,
    role: str | None,
    expires_in_days: int | None,
    through_hub: bool,
) -> None:
    """Create a token and print it alone on stdout."""
    from gotong.orgs.service import create_token
    from gotong.stix.timestamps import now_micros

    expires = now_micros() + expires_in_days * 86_400_000_000 if expires_in_days else None
    with write_transaction(state.engine) as conn:
        secret = create_token(
            conn,
            org=org_short,
            user_email=user_email,
            role=Role(role) if role else None,
            expires_at=expires,
            through_hub=through_hub,
            actor="cli",
        )
    click.echo(secret)


@token.command("list")
@click.option("--org", "org_short", help="Only this organisation's tokens.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def token_list(state: _State, org_short: str | None, as_json: bool) -> None:
    """List tokens (their ids and first characters, never the secrets)."""
    from dataclasses import asdict

    from gotong.orgs.service import list_tokens
    from gotong.stix.timestamps import format_micros

    with read_connection(state.engine) as conn:
        tokens = list_tokens(conn, org=org_short)
    rows = []
    for t in tokens:
        row = asdict(t)
        for key in ("created_at", "expires_at", "revoked_at"):
            row[key] = format_micros(row[key], digits=0) if row[key] else None
        rows.append(row)
    _print_rows(
        rows, as_json, ["id", "prefix", "org", "user", "role", "through_hub", "expires_at", "revoked_at"]
    )


@token.command("revoke")
@click.argument("token_or_id")
@pass_state
def token_revoke(state: _State, token_or_id: str) -> None:
    """Revoke one token, by its id (see 'token list') or the whole token."""
    from gotong.orgs.service import revoke_token

    with write_transaction(state.engine) as conn:
        revoked = revoke_token(conn, token=token_or_id, actor="cli")
    click.echo(f"revoked token {revoked.id} ({revoked.prefix}…) of {revoked.org}")


# ----------------------------------------------------------------- collections
@main.group()
def collection() -> None:
    """TAXII collections."""


@collection.command("add")
@click.argument("title")
@click.option("--description", default="")
@click.option("--readers", default="all", show_default=True, help="Short names, comma-separated, or 'all'.")
@click.option("--writers", default="all", show_default=True, help="Short names, comma-separated, or 'all'.")
@click.option("--alias")
@click.option("--public", is_flag=True, help="Let unauthenticated clients read its TLP:CLEAR objects.")
@click.option("--default-group", help="Sharing group that is the audience of unaddressed objects.")
@pass_state
def collection_add(
    state: _State,
    title: str,
    description: str,
    readers: str,
    writers: str,
    alias: str | None,
    public: bool,
    default_group: str | None,
) -> None:
    """Add a collection; prints its id."""
    from gotong.intel.collections import add_collection

    with write_transaction(state.engine) as conn:
        created = add_collection(
            conn,
            title=title,
            description=description,
            readers=readers,
            writers=writers,
            alias=alias,
            public=public,
            default_group=default_group,
            actor="cli",
        )
    click.echo(created.id)


@collection.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def collection_list(state: _State, as_json: bool) -> None:
    """List collections."""
    from gotong.intel.collections import list_collections

    with read_connection(state.engine) as conn:
        rows = [
            {
                "id": c.id,
                "title": c.title,
                "alias": c.alias,
                "public": c.public,
                "readers": "all" if c.readers_all else "listed",
                "writers": "all" if c.writers_all else "listed",
            }
            for c in list_collections(conn)
        ]
    _print_rows(rows, as_json, ["id", "alias", "title"])


# ----------------------------------------------------------------- import / export
@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--org", "org_short", required=True, help="Submitting organisation.")
@click.option("--collection", "collection_id", help="Collection id or alias (default: the only/first one).")
@click.option("--through-hub", is_flag=True, help="Publish under the hub's name (anonymous submission).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@pass_state
def import_(
    state: _State,
    files: tuple[str, ...],
    org_short: str,
    collection_id: str | None,
    through_hub: bool,
    quiet: bool,
) -> None:
    """Import STIX 2.1 (or 2.0, upgraded) bundles or JSON files of objects, streamed."""
    from gotong.correlation.setup import configured_warninglists
    from gotong.intel.bulk import import_files

    summary = import_files(
        state.engine,
        files=list(files),
        org=org_short,
        collection_id=collection_id,
        through_hub=through_hub,
        warninglists=configured_warninglists(state.settings),
        alert_window=alert_window_micros(state.settings),
        progress=not quiet and sys.stderr.isatty(),
        on_rejected=lambda line: click.echo(line, err=True),
    )
    click.echo(summary.line(), err=True)
    if summary.rejected:
        sys.exit(1)


@main.command()
@click.option("--org", "org_short", required=True, help="Export as this organisation sees it.")
@click.option("--collection", "collection_id", help="Collection id or alias (default: all readable).")
@click.option("--type", "types", multiple=True, help="Only these STIX types (repeatable).")
@click.option("--added-after", help="Only versions added after this timestamp.")
@click.option("--all-versions", is_flag=True, help="Every version, not only the latest.")
@click.option("--include-expired", is_flag=True, help="Keep indicators past their valid_until.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["stix", "misp", "csv", "ip", "domain", "url", "suricata", "snort"]),
    default="stix",
    show_default=True,
    help="stix streams a bundle; the others render the latest versions.",
)
@click.option(
    "--ceiling", help="Leave out anything marked above this TLP, e.g. clear for a public blocklist."
)
@pass_state
def export(
    state: _State,
    org_short: str,
    collection_id: str | None,
    types: tuple[str, ...],
    added_after: str | None,
    all_versions: bool,
    include_expired: bool,
    fmt: str,
    ceiling: str | None,
) -> None:
    """Write what the organisation may see to stdout: a STIX bundle, MISP, CSV, blocklists or IDS rules."""
    if fmt != "stix" or ceiling:
        from gotong.feeds.service import export_feed
        from gotong.sharing.tlp import TLP

        if types or added_after or all_versions or include_expired:
            raise Invalid(
                "--type, --added-after, --all-versions and --include-expired go with --format stix only"
            )
        limit = TLP.parse(ceiling) if ceiling else TLP.RED
        sys.stdout.write(
            export_feed(state.engine, org=org_short, collection_id=collection_id, fmt=fmt, ceiling=limit)
        )
        return
    from gotong.intel.bulk import export_bundle

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


@main.group()
def feed() -> None:
    """Feeds in the formats CERTs already use: MISP, abuse.ch, Shadowserver, plain lists."""


@feed.command("formats")
def feed_formats_command() -> None:
    """List the formats 'feed import' understands."""
    from gotong.feeds.service import import_formats

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
@click.option("--tlp", default="clear", show_default=True, help="Marking of line-feed indicators.")
@click.option("--valid-days", type=click.IntRange(min=1), default=30, show_default=True)
@click.option("--quiet", is_flag=True, help="No progress display.")
@pass_state
def feed_import(
    state: _State,
    source: str,
    fmt: str,
    org_short: str,
    collection_id: str | None,
    name: str | None,
    classification: str | None,
    tlp: str,
    valid_days: int,
    quiet: bool,
) -> None:
    """Convert a feed file once and store it; each skipped line or attribute is reported."""
    from gotong.core.auth import Principal
    from gotong.correlation.setup import configured_warninglists
    from gotong.feeds.service import converted_batches, import_feed
    from gotong.intel.bulk import writable_collection
    from gotong.intel.store import add_objects
    from gotong.orgs.service import get_org
    from gotong.sharing.tlp import TLP

    with read_connection(state.engine) as conn:
        org = get_org(conn, short_name=org_short)
        principal = Principal(org_id=org.id, org_short=org.short_name)
        target = writable_collection(conn, principal, collection_id)
    warninglists = configured_warninglists(state.settings)
    window = alert_window_micros(state.settings)
    batches = converted_batches(
        source, fmt=fmt, name=name, classification=classification, tlp=TLP.parse(tlp), valid_days=valid_days
    )
    with _counter("storing", enabled=not quiet) as advance:

        def store(objects: list[dict[str, Any]]) -> Any:
            report = add_objects(
                state.engine,
                principal=principal,
                collection_id=target,
                objects=objects,
                warninglists=warninglists,
                alert_window=window,
            )
            advance(len(objects))
            return report

        result = import_feed(batches=batches, store=store)
    for problem in result.problems:
        click.echo(problem, err=True)
    click.echo(result.line(), err=True)
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
@pass_state
def feed_add(
    state: _State,
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
) -> None:
    """Register a feed (a row of configuration) that 'feed run' or the server's scheduler runs."""
    from gotong.feeds.fetch import authorization
    from gotong.feeds.registry import add_feed, parse_interval

    credentials = authorization(token, user, token_name="--token", basic_name="--user")
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
            interval=parse_interval(every) if every else None,
            credentials=credentials,
        )
    click.echo(f"feed {status.name} added ({status.format}, every {status.every})")


@feed.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the full status as JSON.")
@pass_state
def feed_list(state: _State, as_json: bool) -> None:
    """Configured feeds and the outcome of each one's last run."""
    from dataclasses import asdict

    from gotong.feeds.registry import list_feeds

    with read_connection(state.engine) as conn:
        statuses = list_feeds(conn)
    if as_json:
        click.echo(json.dumps([asdict(s) for s in statuses], indent=2))
        return
    _print_rows(
        [s.row() for s in statuses],
        False,
        ["name", "format", "every", "last run", "outcome", "added", "problems", "error"],
    )


@feed.command("show")
@click.argument("name")
@pass_state
def feed_show(state: _State, name: str) -> None:
    """One feed's configuration, last run and the problems it reported."""
    from dataclasses import asdict

    from gotong.feeds.registry import get_feed

    with read_connection(state.engine) as conn:
        status = get_feed(conn, name)
    click.echo(json.dumps(asdict(status), indent=2))


@feed.command("run")
@click.argument("names", nargs=-1)
@click.option("--due", is_flag=True, help="Run every feed whose scheduled time has come (for cron).")
@click.option("--quiet", is_flag=True, help="No progress display.")
@pass_state
def feed_run(state: _State, names: tuple[str, ...], due: bool, quiet: bool) -> None:
    """Run feeds now; exits non-zero if any failed or reported problems."""
    from gotong.correlation.setup import configured_warninglists
    from gotong.feeds.registry import FeedRun, claim_due, run_feed

    if bool(names) == due:
        raise Invalid("name the feeds to run, or give --due")
    warninglists = configured_warninglists(state.settings)
    window = alert_window_micros(state.settings)
    runs: list[FeedRun] = []
    for name in claim_due(state.engine) if due else list(names):
        with _counter(f"feed {name}", enabled=not quiet) as advance:
            run = run_feed(
                state.engine,
                name,
                warninglists=warninglists,
                alert_window=window,
                on_batch=advance,
                claimed=due,
            )
        for problem in run.result.problems:
            click.echo(f"{name}: {problem}", err=True)
        click.echo(run.line(), err=True)
        runs.append(run)
    if any(r.outcome == "failed" or r.result.problems or r.result.rejected for r in runs):
        sys.exit(1)


@feed.command("enable")
@click.argument("name")
@pass_state
def feed_enable(state: _State, name: str) -> None:
    """Resume a feed's schedule (it runs at the next scheduler round)."""
    from gotong.feeds.registry import set_enabled

    with write_transaction(state.engine) as conn:
        set_enabled(conn, name, True)
    click.echo(f"feed {name} enabled")


@feed.command("disable")
@click.argument("name")
@pass_state
def feed_disable(state: _State, name: str) -> None:
    """Stop a feed's schedule; it can still be run by hand."""
    from gotong.feeds.registry import set_enabled

    with write_transaction(state.engine) as conn:
        set_enabled(conn, name, False)
    click.echo(f"feed {name} disabled")


@feed.command("remove")
@click.argument("name")
@pass_state
def feed_remove(state: _State, name: str) -> None:
    """Forget a feed's configuration; what it imported stays."""
    from gotong.feeds.registry import remove_feed

    with write_transaction(state.engine) as conn:
        remove_feed(conn, name)
    click.echo(f"feed {name} removed")


# ----------------------------------------------------------------- federation
@main.group()
def node() -> None:
    """This node's identity in the federation."""


@node.command("info")
@pass_state
def node_info(state: _State) -> None:
    """The organisation running this node, its STIX identity and the node's Ed25519 public key."""
    from gotong.audit import load_or_create_key
    from gotong.audit.checkpoint import public_key_b64
    from gotong.orgs.service import get_org, hub

    with read_connection(state.engine) as conn:
        org = get_org(conn, short_name=state.settings.node_org) if state.settings.node_org else hub(conn)
    key = load_or_create_key(state.settings.node_key_file)
    click.echo(
        json.dumps(
            {
                "organisation": org.short_name,
                "identity_id": org.identity_id,
                "public_key": public_key_b64(key),
            },
            indent=2,
        )
    )


@main.group()
def peer() -> None:
    """Other nodes this node exchanges intelligence with (TAXII push and pull)."""


@peer.command("add")
@click.argument("name")
@click.option("--url", required=True, help="The peer's TAXII API root, e.g. https://hub.example/api1/.")
@click.option("--token", required=True, help="The API token this node presents to the peer.")
@click.option("--org", "org_short", required=True, help="The organisation the peer stands for here.")
@click.option("--push", is_flag=True, help="Send what the peer's organisation may see.")
@click.option("--pull", is_flag=True, help="Fetch what the peer adds.")
@click.option("--collections", help="Collection ids or aliases, comma-separated (default: all).")
@click.option("--max-tlp", default="red", show_default=True, help="Never send anything marked above this.")
@click.option("--groups", help="Send group-addressed objects only for these groups (comma-separated).")
@pass_state
def peer_add(
    state: _State,
    name: str,
    url: str,
    token: str,
    org_short: str,
    push: bool,
    pull: bool,
    collections: str | None,
    max_tlp: str,
    groups: str | None,
) -> None:
    """Register a peer node."""
    from gotong.federation.service import add_peer

    with write_transaction(state.engine) as conn:
        added = add_peer(
            conn,
            name=name,
            url=url,
            token=token,
            org=org_short,
            push=push,
            pull=pull,
            collections=_csv(collections),
            max_tlp=max_tlp,
            groups=_csv(groups),
        )
    ways = " and ".join(w for w, on in (("push", added.push), ("pull", added.pull)) if on)
    click.echo(f"peer {added.name} added ({ways}; {len(added.collections)} collection(s))")


@peer.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def peer_list(state: _State, as_json: bool) -> None:
    """Configured peers."""
    from gotong.federation.service import list_peers

    with read_connection(state.engine) as conn:
        rows = [
            {
                "name": p.name,
                "url": p.url,
                "org": p.org,
                "push": "yes" if p.push else "no",
                "pull": "yes" if p.pull else "no",
                "max tlp": p.max_tlp.slug,
            }
            for p in list_peers(conn)
        ]
    _print_rows(rows, as_json, ["name", "url", "org", "push", "pull", "max tlp"])


@peer.command("status")
@click.option("--json", "as_json", is_flag=True, help="Everything, as JSON.")
@pass_state
def peer_status(state: _State, as_json: bool) -> None:
    """Lag, backlog, last success and last error of each peer."""
    from dataclasses import asdict

    from gotong.federation.service import peer_statuses

    with read_connection(state.engine) as conn:
        statuses = peer_statuses(conn)
    if as_json:
        click.echo(json.dumps([asdict(s) for s in statuses], indent=2))
        return
    rows = [
        {
            "name": s.name,
            "backlog": str(s.backlog),
            "lag": f"{s.lag_seconds:.1f}s" if s.lag_seconds is not None else "-",
            "sent": str(s.sent),
            "withheld": str(s.withheld),
            "received": str(s.received),
            "last success": s.last_success or "never",
            "last error": (s.last_error or "")[:60],
        }
        for s in statuses
    ]
    _print_rows(
        rows, False, ["name", "backlog", "lag", "sent", "withheld", "received", "last success", "last error"]
    )


@peer.command("sync")
@click.argument("name")
@pass_state
def peer_sync(state: _State, name: str) -> None:
    """Push everything pending and pull once, now (the server does this continuously)."""
    import httpx

    from gotong.federation.sync import SyncError, sync_peer_once

    with httpx.Client(timeout=30) as client:
        try:
            moved = sync_peer_once(state.engine, name, client)
        except SyncError as exc:
            raise click.ClickException(f"peer {name}: {exc}") from None
    click.echo(f"peer {name}: {moved} version(s) handled")


@peer.command("resend")
@click.argument("name")
@pass_state
def peer_resend(state: _State, name: str) -> None:
    """Send everything again from the start (the peer stores each version once)."""
    from gotong.federation.service import reset_push

    with write_transaction(state.engine) as conn:
        reset_push(conn, name)
    click.echo(f"peer {name}: everything will be sent again")


@peer.command("remove")
@click.argument("name")
@pass_state
def peer_remove(state: _State, name: str) -> None:
    """Forget a peer (what was exchanged stays)."""
    from gotong.federation.service import remove_peer

    with write_transaction(state.engine) as conn:
        remove_peer(conn, name)
    click.echo(f"peer {name} removed")


# ----------------------------------------------------------------- sharing groups and receipts
@main.group()
def group() -> None:
    """Sharing groups: named audiences that objects address through a marking definition."""


@group.command("add")
@click.argument("name")
@click.option("--members", required=True, help="Short names, comma-separated.")
@click.option(
    "--kind", type=click.Choice(["community", "named-recipients"]), default="community", show_default=True
)
@click.option("--owner", help="Owning organisation (default: the hub).")
@pass_state
def group_add(state: _State, name: str, members: str, kind: str, owner: str | None) -> None:
    """Create a sharing group; prints its marking-definition id."""
    from gotong.orgs.service import hub
    from gotong.sharing.models import GroupKind
    from gotong.sharing.service import add_group

    with write_transaction(state.engine) as conn:
        created = add_group(
            conn,
            name=name,
            members=_csv(members),
            kind=GroupKind(kind),
            owner=owner or hub(conn).short_name,
            actor="cli",
        )
    publish_definitions(state.engine)
    click.echo(created.marking_id)


@group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def group_list(state: _State, as_json: bool) -> None:
    """List sharing groups."""
    from gotong.sharing.service import list_groups

    with read_connection(state.engine) as conn:
        rows = [
            {
                "name": g.name,
                "kind": str(g.kind),
                "owner": g.owner,
                "members": ",".join(g.members),
                "marking_id": g.marking_id,
            }
            for g in list_groups(conn)
        ]
    _print_rows(rows, as_json, ["name", "kind", "owner", "members", "marking_id"])


@group.command("show")
@click.argument("name")
@pass_state
def group_show(state: _State, name: str) -> None:
    """Show a sharing group as the STIX marking-definition that publishes it."""
    from gotong.sharing.service import get_group, group_marking_definition

    with read_connection(state.engine) as conn:
        click.echo(json.dumps(group_marking_definition(get_group(conn, name=name)), indent=2))


@group.command("update")
@click.argument("name")
@click.option("--add", "to_add", help="Short names to add, comma-separated.")
@click.option("--remove", "to_remove", help="Short names to remove, comma-separated.")
@pass_state
def group_update(state: _State, name: str, to_add: str | None, to_remove: str | None) -> None:
    """Add or remove members; reads reflect the change at once."""
    from gotong.sharing.service import set_members

    if not to_add and not to_remove:
        raise Invalid("give --add and/or --remove")
    with write_transaction(state.engine) as conn:
        updated = set_members(conn, name=name, add=_csv(to_add), remove=_csv(to_remove), actor="cli")
    click.echo(f"{updated.name}: {', '.join(updated.members) or '(no members)'}")


@main.command()
@click.option("--org", "org_short", required=True, help="The submitting organisation asking.")
@click.option("--collection", "collection_id", help="Collection id or alias.")
@click.option("--object", "stix_id", help="One object id.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def receipts(
    state: _State, org_short: str, collection_id: str | None, stix_id: str | None, as_json: bool
) -> None:
    """Which organisations retrieved your objects, and when."""
    from gotong.intel.collections import get_collection
    from gotong.orgs.service import get_org
    from gotong.sharing.receipts import list_receipts

    with read_connection(state.engine) as conn:
        org_id = get_org(conn, short_name=org_short).id
        coll = get_collection(conn, collection_id).id if collection_id else None
        rows = [vars(r) for r in list_receipts(conn, org_id=org_id, collection_id=coll, stix_id=stix_id)]
    _print_rows(rows, as_json, ["stix_id", "version", "reader", "first_retrieved", "last_retrieved", "times"])


# ----------------------------------------------------------------- correlation
@main.command()
@click.argument("value")
@click.option("--org", "org_short", required=True, help="Look up as this organisation sees it.")
@click.option("--kind", help="Observable kind, e.g. ipv4-addr, domain-name, url, file:hashes.SHA-256.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def lookup(state: _State, value: str, org_short: str, kind: str | None, as_json: bool) -> None:
    """Which objects share an observable, who reported it, first and last seen."""
    from dataclasses import asdict

    from gotong.core.auth import Principal
    from gotong.correlation.lookup import lookup as correlate
    from gotong.orgs.service import get_org
    from gotong.sharing.service import load_reader

    with read_connection(state.engine) as conn:
        org = get_org(conn, short_name=org_short)
        found = correlate(
            conn,
            reader=load_reader(conn, Principal(org_id=org.id, org_short=org.short_name)),
            value=value,
            kind=kind,
        )
    if as_json:
        click.echo(json.dumps(asdict(found), indent=2))
        return
    names = ", ".join(f"{o.kind} {o.value}" for o in found.observables)
    click.echo(f"{names}: {len(found.objects)} object(s) you may see")
    if found.objects:
        click.echo(f"reported by {', '.join(found.reporters)}; countries {', '.join(found.countries) or '-'}")
        click.echo(f"first seen {found.first_seen}, last seen {found.last_seen}")
    for hit in found.warninglists:
        click.echo(f"on warninglist {hit['list']}: {hit['name']} (matched {hit['matched']})")
    if found.objects:
        columns = ["id", "type", "tlp", "reported_by", "country", "date_added"]
        _print_rows([vars(o) for o in found.objects], False, columns)


# ----------------------------------------------------------------- audit log
@main.group()
def audit() -> None:
    """The tamper-evident audit log (a hash chain with signed checkpoints)."""


@audit.command("verify")
@pass_state
def audit_verify(state: _State) -> None:
    """Check the whole chain; names the first altered, removed, inserted or reordered record."""
    from gotong.audit import verify

    with read_connection(state.engine) as conn:
        result = verify(conn)
    if not result.ok:
        raise click.ClickException(f"audit log broken at record {result.first_bad_seq}: {result.reason}")
    click.echo(f"audit log intact: {result.records} records, head {result.head}")


@audit.command("checkpoint")
@pass_state
def audit_checkpoint(state: _State) -> None:
    """Print a checkpoint of the log signed with the node's Ed25519 key (keep it; verify it later)."""
    from gotong.audit import checkpoint, load_or_create_key

    key = load_or_create_key(state.settings.node_key_file)
    with read_connection(state.engine) as conn:
        signed = checkpoint(conn, key=key, node=state.settings.base_url or state.settings.title)
    click.echo(json.dumps(signed, indent=2))


@audit.command("verify-checkpoint")
@click.argument("file", type=click.File("r"))
@click.option("--public-key", help="The node's public key you trust (base64); default: the one in the file.")
@pass_state
def audit_verify_checkpoint(state: _State, file: Any, public_key: str | None) -> None:
    """Check a kept checkpoint against the log as it is now."""
    from gotong.audit import verify_checkpoint

    with read_connection(state.engine) as conn:
        result = verify_checkpoint(conn, file.read(), public_key=public_key)
    if not result.ok:
        raise click.ClickException(
            f"checkpoint does not match the log at record {result.first_bad_seq}: {result.reason}"
        )
    click.echo(f"checkpoint verified ({result.trusted_key}); log intact with {result.records} records")


@contextmanager
def _counter(description: str, *, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A live count of stored objects on a terminal's stderr; silent when not a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield lambda _n: None
        return
    from rich.console import Console
    from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        MofNCompleteColumn(),
        TextColumn("objects"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)
        yield lambda n: bar.advance(task, n)


def _print_rows(rows: list[dict[str, Any]], as_json: bool, columns: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    widths = {c: max([len(c)] + [len(str(r.get(c) or "")) for r in rows]) for c in columns}
    click.echo("  ".join(c.upper().ljust(widths[c]) for c in columns))
    for row in rows:
        click.echo("  ".join(str(row.get(c) or "-").ljust(widths[c]) for c in columns))

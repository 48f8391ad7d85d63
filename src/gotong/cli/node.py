"""Bringing the node up and saying who it is: ``init``, ``serve``, ``node info``."""

from __future__ import annotations

from dataclasses import asdict

import click

from gotong.cli.base import State, pass_state, print_json
from gotong.db.engine import read_connection
from gotong.node import init_node, node_identity, node_key, require_initialised


@click.command()
@click.option("--preset", help="Apply a network preset, e.g. 'asean'.")
@click.option("--database", "database", help="SQLAlchemy URL; overrides GOTONG_DATABASE_URL.")
@click.option("--demo", is_flag=True, help="Load a little demo intelligence (needs --preset asean).")
@click.pass_context
def init(ctx: click.Context, preset: str | None, database: str | None, demo: bool) -> None:
    """Create or migrate the database and apply a preset. Safe to run again.

    The only command that makes a database (and the data folder of a SQLite one).
    """
    given = ctx.parent.params.get("database") if ctx.parent else None
    state = ctx.obj = State(database or given, create=True)
    key = node_key(state.settings) if demo else None  # the demo taskforce's past motion is decided and signed
    report = init_node(state.engine, preset=preset, demo=demo, key=key)
    click.echo(f"database ready at {state.engine.url.render_as_string(hide_password=True)}")
    if report.created_orgs:
        click.echo(f"created organisations: {', '.join(report.created_orgs)}")
    if report.created_collections:
        click.echo(f"created collections: {', '.join(report.created_collections)}")
    if report.demo:
        click.echo(report.demo)


@click.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8000).")
@pass_state
def serve(state: State, host: str | None, port: int | None) -> None:
    """Serve the TAXII 2.1 and REST APIs (refuses a database 'gotong init' has not prepared)."""
    # The server's stack is loaded only by the command that serves: every other command starts faster.
    import uvicorn

    from gotong.app import create_app
    from gotong.wiring import log_to_stderr

    require_initialised(state.engine)
    app = create_app(state.settings, engine=state.engine)
    log_to_stderr()  # background failures and recoveries of the jobs (gotong.* loggers)
    uvicorn.run(
        app,
        host=host or state.settings.host,
        port=port or state.settings.port,
        log_level="info",
        # Live change feeds never end by themselves: on shutdown, cut them after a moment.
        timeout_graceful_shutdown=3,
    )


@click.group()
def node() -> None:
    """This node's identity in the federation."""


@node.command("info")
@pass_state
def node_info(state: State) -> None:
    """The organisation running this node, its STIX identity and the node's Ed25519 public key."""
    with read_connection(state.engine) as conn:
        identity = node_identity(conn, settings=state.settings)
    print_json(asdict(identity))

"""The ``gotong`` group, what every command shares, and the output helpers.

Commands are thin: parse options, open one transaction (or none), call one service function, print.
Every problem a user can cause ends in one line on stderr and a non-zero exit status, never a
traceback. The commands live in modules beside this one, one per domain; :data:`COMMANDS` names
them, and a module is imported only when one of its commands runs (some domains pull in libraries
that take seconds to load, such as misp-stix for feeds).
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from gotong.db.engine import make_engine
from gotong.errors import GotongError
from gotong.settings import Settings, load_settings
from gotong.wiring import wire

ACTOR = "cli"  # who the audit log names for what an operator does through this command

# Each command or group of ``gotong``: the module that defines it, and its name there.
COMMANDS = {
    "init": "node:init",
    "serve": "node:serve",
    "node": "node:node",
    "org": "orgs:org",
    "user": "orgs:user",
    "token": "orgs:token",
    "collection": "collections:collection",
    "import": "exchange:import_",
    "export": "exchange:export",
    "feed": "feeds:feed",
    "peer": "peers:peer",
    "group": "groups:group",
    "receipts": "reads:receipts",
    "lookup": "reads:lookup",
    "audit": "audit:audit",
    "case": "cases:case",
    "playbook": "playbooks:playbook_group",
    "assistance": "assistance:assistance_group",
    "contact": "contacts:contact",
    "exercise": "exercises:exercise",
    "scenario": "exercises:scenario",
    "taskforce": "taskforce:taskforce_group",
    "maturity": "maturity:maturity_group",
    "capacity": "maturity:capacity_group",
    "training": "training:training_group",
    "norms": "norms:norms_group",
    "budget": "budgets:budget_group",
    "scoreboard": "scoreboard:scoreboard",
    "report": "reports:report",
}


class _Cli(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name].split(":")
        command = getattr(importlib.import_module(f"gotong.cli.{module}"), name)
        assert isinstance(command, click.Command)
        return command

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


class State:
    """Settings read once, and the engine made on first use (never making a database unless asked)."""

    def __init__(self, database: str | None, *, create: bool = False) -> None:
        overrides: dict[str, Any] = {"database_url": database} if database else {}
        try:
            self.settings: Settings = load_settings(**overrides)
        except ValidationError as exc:  # say which setting is wrong and why, in one line
            problems = "; ".join(
                f"GOTONG_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
            )
            raise click.ClickException(f"configuration: {problems}") from None
        self._create = create
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url, create=self._create)
        return self._engine


pass_state = click.make_pass_decorator(State)


@click.group(cls=_Cli)
@click.option(
    "--database",
    envvar="GOTONG_DATABASE_URL",
    help="SQLAlchemy URL (default: the SQLite file gotong.db in GOTONG_DATA_DIR).",
)
@click.version_option(package_name="gotong")
@click.pass_context
def main(ctx: click.Context, database: str | None) -> None:
    """Gotong: threat-intelligence exchange for a regional network of national CERTs."""
    ctx.obj = State(database)
    # Correlation and federation react to what the commands store (gotong.wiring).
    state = ctx.obj
    wire(state.settings, engine=lambda: state.engine)


def csv_list(value: str | None) -> list[str]:
    """A comma-separated option as a list, blanks dropped."""
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2))


def print_rows(rows: list[dict[str, Any]], as_json: bool, columns: list[str]) -> None:
    """Rows as JSON (every field), or as a table of ``columns`` with a header line."""
    if as_json:
        print_json(rows)
        return
    widths = {c: max([len(c)] + [len(str(r.get(c) or "")) for r in rows]) for c in columns}
    click.echo("  ".join(c.upper().ljust(widths[c]) for c in columns))
    for row in rows:
        click.echo("  ".join(str(row.get(c) or "-").ljust(widths[c]) for c in columns))


def report_lines(lines: list[str]) -> None:
    """Problem and summary lines of an import, on stderr."""
    for line in lines:
        click.echo(line, err=True)


@contextmanager
def counter(*, enabled: bool) -> Iterator[Callable[[str, int], None]]:
    """A live count of stored objects per task on a terminal's stderr; silent when not a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield lambda _task, _n: None
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
        tasks: dict[str, Any] = {}

        def advance(task: str, n: int) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=None)
            bar.advance(tasks[task], n)

        yield advance

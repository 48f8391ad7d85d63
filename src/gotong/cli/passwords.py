"""Commands for web sign-in: ``gotong user add … --password-stdin`` and ``gotong user set-password``.

Attached to the ``user`` group in :mod:`gotong.cli.orgs`. A password is read from standard input when it
is not a terminal (one line; the line break is not part of it), and asked for twice, hidden, when
it is; it never comes from an option, which would leave it in the shell's history.
"""

from __future__ import annotations

import sys

import click

from gotong.cli.base import ACTOR, State, pass_state
from gotong.core.auth import Role
from gotong.db.engine import write_transaction
from gotong.errors import Invalid
from gotong.orgs.passwords import set_password
from gotong.orgs.service import add_user


def read_password(*, from_stdin: bool) -> str:
    """The password from standard input (one line) or, on a terminal, typed twice without echo."""
    if from_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password
        if not password:
            raise Invalid("no password on standard input")
        return password
    typed: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return typed


@click.command("add")
@click.argument("email")
@click.option("--org", "org_short", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the user's web password from standard input.")
@pass_state
def user_add(state: State, email: str, org_short: str, role: str, password_stdin: bool) -> None:
    """Add a user to an organisation with one role (and, with --password-stdin, a password)."""
    password = read_password(from_stdin=True) if password_stdin else None
    with write_transaction(state.engine) as conn:  # the user and the password, or neither
        add_user(conn, email=email, org=org_short, role=Role(role), actor=ACTOR)
        if password is not None:
            set_password(conn, email=email, password=password, actor=ACTOR)
    click.echo(f"{email.lower()} {org_short} {role}{' (password set)' if password is not None else ''}")


@click.command("set-password")
@click.argument("email")
@pass_state
def user_set_password(state: State, email: str) -> None:
    """Set a user's web password (from standard input when it is not a terminal); ends their sessions."""
    password = read_password(from_stdin=False)
    with write_transaction(state.engine) as conn:
        set_password(conn, email=email, password=password, actor=ACTOR)
    click.echo(f"password set for {email.lower()}; their open sessions have ended")

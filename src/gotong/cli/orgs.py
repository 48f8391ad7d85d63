"""Organisations, users and API tokens: ``org``, ``user``, ``token``."""

from __future__ import annotations

from dataclasses import asdict

import click

from gotong.cli import passwords
from gotong.cli.base import ACTOR, State, pass_state, print_rows
from gotong.core.auth import Role
from gotong.db.engine import read_connection, write_transaction
from gotong.orgs.service import create_token, list_orgs, list_tokens, revoke_token, set_default_tlp
from gotong.sharing.definitions import ORG_KINDS, add_org_and_publish
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import format_micros, now_micros

ROLES = [r.value for r in Role]
_DAY = 86_400_000_000


@click.group()
def org() -> None:
    """Organisations of the network."""


@org.command("add")
@click.argument("short")
@click.option("--name", required=True)
@click.option("--country", required=False, help="ISO 3166-1 alpha-2 code, e.g. TH.")
@click.option("--kind", type=click.Choice(ORG_KINDS), default="national-cert", show_default=True)
@click.option("--parent", help="Short name of the parent organisation (for constituents).")
@pass_state
def org_add(state: State, short: str, name: str, country: str | None, kind: str, parent: str | None) -> None:
    """Add an organisation (and publish its identity in gotong-definitions)."""
    created = add_org_and_publish(
        state.engine, short_name=short, name=name, country=country, kind=kind, parent=parent, actor=ACTOR
    )
    click.echo(f"{created.short_name} {created.identity_id}")


@org.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def org_list(state: State, as_json: bool) -> None:
    """List organisations."""
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
    print_rows(rows, as_json, ["short_name", "country", "kind", "parent", "name"])


@org.command("set-default-tlp")
@click.argument("short")
@click.argument("tlp")
@pass_state
def org_set_default_tlp(state: State, short: str, tlp: str) -> None:
    """Set the TLP assumed for the organisation's unmarked submissions."""
    level = TLP.parse(tlp)
    with write_transaction(state.engine) as conn:
        updated = set_default_tlp(conn, short_name=short, tlp=level, actor=ACTOR)
    click.echo(f"{updated.short_name} default marking {updated.default_tlp.label}")


@click.group()
def user() -> None:
    """Users of organisations."""


# `user add` (with --password-stdin) and `user set-password` live with the web sign-in's passwords.
user.add_command(passwords.user_add)
user.add_command(passwords.user_set_password)


@click.group()
def token() -> None:
    """API tokens (shown once, stored hashed)."""


@token.command("create")
@click.option("--org", "org_short", required=True)
@click.option("--user", "user_email")
@click.option("--role", type=click.Choice(ROLES))
@click.option("--expires-in-days", type=click.IntRange(min=1), help="Expire the token after this many days.")
@click.option(
    "--through-hub", is_flag=True, help="Publish everything sent with this token under the hub's name."
)
@pass_state
def token_create(
    state: State,
    org_short: str,
    user_email: str | None,
    role: str | None,
    expires_in_days: int | None,
    through_hub: bool,
) -> None:
    """Create a token and print it alone on stdout."""
    expires = now_micros() + expires_in_days * _DAY if expires_in_days else None
    with write_transaction(state.engine) as conn:
        secret = create_token(
            conn,
            org=org_short,
            user_email=user_email,
            role=Role(role) if role else None,
            expires_at=expires,
            through_hub=through_hub,
            actor=ACTOR,
        )
    click.echo(secret)


@token.command("list")
@click.option("--org", "org_short", help="Only this organisation's tokens.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def token_list(state: State, org_short: str | None, as_json: bool) -> None:
    """List tokens (their ids and first characters, never the secrets)."""
    with read_connection(state.engine) as conn:
        tokens = list_tokens(conn, org=org_short)
    rows = []
    for t in tokens:
        row = asdict(t)
        for key in ("created_at", "expires_at", "revoked_at"):
            row[key] = format_micros(row[key], digits=0) if row[key] else None
        rows.append(row)
    print_rows(
        rows, as_json, ["id", "prefix", "org", "user", "role", "through_hub", "expires_at", "revoked_at"]
    )


@token.command("revoke")
@click.argument("token_or_id")
@pass_state
def token_revoke(state: State, token_or_id: str) -> None:
    """Revoke one token, by its id (see 'token list') or the whole token."""
    with write_transaction(state.engine) as conn:
        revoked = revoke_token(conn, token=token_or_id, actor=ACTOR)
    click.echo(f"revoked token {revoked.id} ({revoked.prefix}…) of {revoked.org}")

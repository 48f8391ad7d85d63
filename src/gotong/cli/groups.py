"""Sharing groups: ``group add|list|show|update``."""

from __future__ import annotations

import click

from gotong.cli.base import ACTOR, State, csv_list, pass_state, print_json, print_rows
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Invalid
from gotong.sharing.definitions import GROUP_KINDS, add_group_and_publish
from gotong.sharing.service import group_marking, list_groups, set_members


@click.group()
def group() -> None:
    """Sharing groups: named audiences that objects address through a marking definition."""


@group.command("add")
@click.argument("name")
@click.option("--members", required=True, help="Short names, comma-separated.")
@click.option("--kind", type=click.Choice(GROUP_KINDS), default="community", show_default=True)
@click.option("--owner", help="Owning organisation (default: the hub).")
@pass_state
def group_add(state: State, name: str, members: str, kind: str, owner: str | None) -> None:
    """Create a sharing group; prints its marking-definition id."""
    created = add_group_and_publish(
        state.engine, name=name, members=csv_list(members), kind=kind, owner=owner, actor=ACTOR
    )
    click.echo(created.marking_id)


@group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def group_list(state: State, as_json: bool) -> None:
    """List sharing groups."""
    with read_connection(state.engine) as conn:
        groups = list_groups(conn)
    rows = [
        {
            "name": g.name,
            "kind": str(g.kind),
            "owner": g.owner,
            "members": ",".join(g.members),
            "marking_id": g.marking_id,
        }
        for g in groups
    ]
    print_rows(rows, as_json, ["name", "kind", "owner", "members", "marking_id"])


@group.command("show")
@click.argument("name")
@pass_state
def group_show(state: State, name: str) -> None:
    """Show a sharing group as the STIX marking-definition that publishes it."""
    with read_connection(state.engine) as conn:
        marking = group_marking(conn, name=name)
    print_json(marking)


@group.command("update")
@click.argument("name")
@click.option("--add", "to_add", help="Short names to add, comma-separated.")
@click.option("--remove", "to_remove", help="Short names to remove, comma-separated.")
@pass_state
def group_update(state: State, name: str, to_add: str | None, to_remove: str | None) -> None:
    """Add or remove members; reads reflect the change at once."""
    if not to_add and not to_remove:
        raise Invalid("give --add and/or --remove")
    with write_transaction(state.engine) as conn:
        updated = set_members(conn, name=name, add=csv_list(to_add), remove=csv_list(to_remove), actor=ACTOR)
    click.echo(f"{updated.name}: {', '.join(updated.members) or '(no members)'}")

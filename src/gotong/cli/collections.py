"""TAXII collections: ``collection add``, ``collection list``."""

from __future__ import annotations

import click

from gotong.cli.base import ACTOR, State, pass_state, print_rows
from gotong.db.engine import read_connection, write_transaction
from gotong.intel.collections import add_collection, list_collection_rights


@click.group()
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
@click.option("--repair", is_flag=True, help="Fix producers' well-known mistakes in posts (trusted writers).")
@pass_state
def collection_add(
    state: State,
    title: str,
    description: str,
    readers: str,
    writers: str,
    alias: str | None,
    public: bool,
    default_group: str | None,
    repair: bool,
) -> None:
    """Add a collection; prints its id."""
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
            actor=ACTOR,
            repair=repair,
        )
    click.echo(created.id)


@collection.command("list")
@click.option("--json", "as_json", is_flag=True, help="Also public, readers and writers (names or 'all').")
@pass_state
def collection_list(state: State, as_json: bool) -> None:
    """List collections."""
    with read_connection(state.engine) as conn:
        collections = list_collection_rights(conn)
    rows = [
        {
            "id": c.collection.id,
            "title": c.collection.title,
            "alias": c.collection.alias,
            "public": c.collection.public,
            "readers": c.readers,
            "writers": c.writers,
        }
        for c in collections
    ]
    print_rows(rows, as_json, ["id", "alias", "title"])

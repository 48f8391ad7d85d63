"""What members ask of the node as an organisation: ``receipts`` and ``lookup``."""

from __future__ import annotations

from dataclasses import asdict

import click

from gotong.cli.base import State, pass_state, print_json, print_rows
from gotong.correlation.lookup import lookup_as
from gotong.db.engine import read_connection
from gotong.sharing.receipts import receipts_of


@click.command()
@click.option("--org", "org_short", required=True, help="The submitting organisation asking.")
@click.option("--collection", "collection_id", help="Collection id or alias.")
@click.option("--object", "stix_id", help="One object id.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def receipts(
    state: State, org_short: str, collection_id: str | None, stix_id: str | None, as_json: bool
) -> None:
    """Which organisations retrieved your objects, and when."""
    with read_connection(state.engine) as conn:
        found = receipts_of(conn, org=org_short, collection=collection_id, stix_id=stix_id)
    columns = ["stix_id", "version", "reader", "first_retrieved", "last_retrieved", "times"]
    print_rows([asdict(r) for r in found], as_json, columns)


@click.command()
@click.argument("value")
@click.option("--org", "org_short", required=True, help="Look up as this organisation sees it.")
@click.option("--kind", help="Observable kind, e.g. ipv4-addr, domain-name, url, file:hashes.SHA-256.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def lookup(state: State, value: str, org_short: str, kind: str | None, as_json: bool) -> None:
    """Which objects share an observable, who reported it, first and last seen."""
    with read_connection(state.engine) as conn:
        found = lookup_as(conn, org=org_short, value=value, kind=kind)
    if as_json:
        print_json(asdict(found))
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
        print_rows([vars(o) for o in found.objects], False, columns)

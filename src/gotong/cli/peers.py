"""Other nodes this node exchanges intelligence with: ``peer add|list|status|sync|resend|remove``."""

from __future__ import annotations

from dataclasses import asdict

import click

from gotong.cli.base import State, csv_list, pass_state, print_json, print_rows
from gotong.core.outbound import outbound_client
from gotong.db.engine import read_connection, write_transaction
from gotong.federation.jobs import sync_peer_once
from gotong.federation.service import add_peer, list_peers, peer_statuses, remove_peer, reset_push
from gotong.federation.transport import SyncError


@click.group()
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
    state: State,
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
    with write_transaction(state.engine) as conn:
        added = add_peer(
            conn,
            name=name,
            url=url,
            token=token,
            org=org_short,
            push=push,
            pull=pull,
            collections=csv_list(collections),
            max_tlp=max_tlp,
            groups=csv_list(groups),
        )
    ways = " and ".join(w for w, on in (("push", added.push), ("pull", added.pull)) if on)
    click.echo(f"peer {added.name} added ({ways}; {len(added.collections)} collection(s))")


@peer.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def peer_list(state: State, as_json: bool) -> None:
    """Configured peers."""
    with read_connection(state.engine) as conn:
        peers = list_peers(conn)
    rows = [
        {
            "name": p.name,
            "url": p.url,
            "org": p.org,
            "push": "yes" if p.push else "no",
            "pull": "yes" if p.pull else "no",
            "max tlp": p.max_tlp.slug,
        }
        for p in peers
    ]
    print_rows(rows, as_json, ["name", "url", "org", "push", "pull", "max tlp"])


@peer.command("status")
@click.option("--json", "as_json", is_flag=True, help="Everything, as JSON.")
@pass_state
def peer_status(state: State, as_json: bool) -> None:
    """Lag, backlog, last success and last error of each peer."""
    with read_connection(state.engine) as conn:
        statuses = peer_statuses(conn)
    if as_json:
        print_json([asdict(s) for s in statuses])
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
    columns = ["name", "backlog", "lag", "sent", "withheld", "received", "last success", "last error"]
    print_rows(rows, False, columns)


@peer.command("sync")
@click.argument("name")
@pass_state
def peer_sync(state: State, name: str) -> None:
    """Push everything pending and pull once, now (the server does this continuously)."""
    with outbound_client(state.settings, timeout=30) as client:
        try:
            moved = sync_peer_once(state.engine, name, client)
        except SyncError as exc:
            raise click.ClickException(f"peer {name}: {exc}") from None
    click.echo(f"peer {name}: {moved} version(s) handled")


@peer.command("resend")
@click.argument("name")
@pass_state
def peer_resend(state: State, name: str) -> None:
    """Send everything again from the start (the peer stores each version once; counts start again)."""
    with write_transaction(state.engine) as conn:
        reset_push(conn, name)
    click.echo(f"peer {name}: everything will be sent again")


@peer.command("remove")
@click.argument("name")
@pass_state
def peer_remove(state: State, name: str) -> None:
    """Forget a peer (what was exchanged stays)."""
    with write_transaction(state.engine) as conn:
        remove_peer(conn, name)
    click.echo(f"peer {name} removed")

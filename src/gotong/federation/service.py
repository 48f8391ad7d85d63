"""Peers: add, list, remove, and the status operators read (lag, backlog, last success, last error)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, delete, func, insert, select, update

from gotong.core.auth import Principal, Role
from gotong.errors import Conflict, Invalid, NotFound
from gotong.federation.models import peers, tombstones
from gotong.intel.collections import list_collections
from gotong.intel.models import stix_objects
from gotong.orgs.service import get_org
from gotong.sharing.service import get_group
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import format_micros, now_micros


@dataclass(frozen=True)
class Peer:
    id: int
    name: str
    url: str
    token: str = field(repr=False)  # never in a log line or a traceback
    org_id: int
    org: str
    push: bool
    pull: bool
    collections: tuple[str, ...]
    max_tlp: TLP
    groups: frozenset[int]
    push_cursor: int
    tombstone_cursor: int
    pull_cursors: dict[str, str]

    @property
    def origin(self) -> str:
        """Scheme, host and port of the peer's TAXII API root: where its REST API (``/api/v1``) is."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class PeerStatus:
    """What ``gotong peer status`` shows for one peer."""

    name: str
    url: str
    org: str
    push: bool
    pull: bool
    collections: list[str]
    max_tlp: str
    groups: list[str]
    backlog: int  # local versions and deletions not yet handled for this peer
    lag_seconds: float | None  # age of the oldest version not yet handled
    last_push: str | None
    last_pull: str | None
    last_success: str | None
    last_error: str | None
    last_error_at: str | None
    sent: int
    withheld: int
    received: int
    deletions_sent: int


def _peer(conn: Connection, row: Any) -> Peer:
    return Peer(
        id=row.id,
        name=row.name,
        url=row.url,
        token=row.token,
        org_id=row.org_id,
        org=get_org(conn, org_id=row.org_id).short_name,
        push=bool(row.push),
        pull=bool(row.pull),
        collections=tuple(json.loads(row.collections)),
        max_tlp=TLP(row.max_tlp),
        groups=frozenset(json.loads(row.groups)),
        push_cursor=row.push_cursor,
        tombstone_cursor=row.tombstone_cursor,
        pull_cursors=json.loads(row.pull_cursors),
    )


def api_root_url(url: str) -> str:
    """A peer's TAXII API root URL, checked and ending in '/'."""
    if not url.startswith(("http://", "https://")):
        raise Invalid(f"peer URL {url!r} must start with http:// or https://")
    return url if url.endswith("/") else url + "/"


def add_peer(
    conn: Connection,
    *,
    name: str,
    url: str,
    token: str,
    org: str,
    push: bool,
    pull: bool,
    collections: list[str] | None = None,
    max_tlp: str = "red",
    groups: list[str] | None = None,
) -> Peer:
    """Register a peer node standing for organisation ``org``; by default every collection."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", name):
        raise Invalid(f"peer name {name!r}: use letters, digits, '.', '_' or '-' (at most 100)")
    if not (push or pull):
        raise Invalid("a peer needs --push, --pull or both")
    if not token.strip():
        raise Invalid("a peer needs the token this node presents to it")
    if conn.execute(select(peers.c.id).where(peers.c.name == name)).first() is not None:
        raise Conflict(f"a peer named {name!r} exists")
    organisation = get_org(conn, short_name=org)
    known = {c.id: c for c in list_collections(conn)}
    aliases = {c.alias: c.id for c in known.values() if c.alias}
    chosen: list[str] = []
    for wanted in collections or []:
        collection_id = wanted if wanted in known else aliases.get(wanted)
        if collection_id is None:
            raise NotFound(f"no collection {wanted!r}")
        chosen.append(collection_id)
    if not chosen:
        chosen = sorted(cid for cid, c in known.items() if c.alias != "gotong-definitions")
    group_ids = sorted(get_group(conn, name=g).id for g in groups or [])
    conn.execute(
        insert(peers).values(
            name=name,
            url=api_root_url(url),
            token=token.strip(),
            org_id=organisation.id,
            push=push,
            pull=pull,
            collections=json.dumps(chosen),
            max_tlp=int(TLP.parse(max_tlp)),
            groups=json.dumps(group_ids),
            created_at=now_micros(),
            # A new peer is sent everything stored that it may see, then every change.
            push_cursor=0,
            tombstone_cursor=0,
            pull_cursors="{}",
            sent=0,
            withheld=0,
            received=0,
            deletions_sent=0,
        )
    )
    return get_peer(conn, name)


def get_peer(conn: Connection, name: str) -> Peer:
    row = conn.execute(select(peers).where(peers.c.name == name)).first()
    if row is None:
        raise NotFound(f"no peer named {name!r}")
    return _peer(conn, row)


def get_peer_by_id(conn: Connection, peer_id: int) -> Peer:
    row = conn.execute(select(peers).where(peers.c.id == peer_id)).first()
    if row is None:
        raise NotFound(f"no peer with id {peer_id}")
    return _peer(conn, row)


def list_peers(conn: Connection) -> list[Peer]:
    return [_peer(conn, row) for row in conn.execute(select(peers).order_by(peers.c.name)).all()]


def remove_peer(conn: Connection, name: str) -> None:
    if conn.execute(delete(peers).where(peers.c.name == name)).rowcount == 0:
        raise NotFound(f"no peer named {name!r}")


def reset_push(conn: Connection, name: str) -> None:
    """Send everything stored again (idempotent at the peer), e.g. after the peer restored a backup.

    The sent, withheld and deletion counts start again with the new pass, so that each stored
    version is counted once, not once per pass.
    """
    changed = conn.execute(
        update(peers)
        .where(peers.c.name == name)
        .values(push_cursor=0, tombstone_cursor=0, sent=0, withheld=0, deletions_sent=0)
    )
    if changed.rowcount == 0:
        raise NotFound(f"no peer named {name!r}")


def _current(row: Any) -> bool:
    return row.last_error_at is not None and (
        row.last_success_at is None or row.last_error_at >= row.last_success_at
    )


def peer_statuses(conn: Connection, *, now: int | None = None) -> list[PeerStatus]:
    moment = now if now is not None else now_micros()
    statuses = []
    for row in conn.execute(select(peers).order_by(peers.c.name)).all():
        peer = _peer(conn, row)
        in_scope = stix_objects.c.collection_id.in_(peer.collections)
        pending = stix_objects.c.date_added > peer.push_cursor
        backlog = 0
        lag = None
        if peer.push:
            backlog = conn.execute(select(func.count()).where(in_scope, pending)).scalar_one()
            backlog += conn.execute(
                select(func.count()).where(
                    tombstones.c.seq > peer.tombstone_cursor, tombstones.c.collection_id.in_(peer.collections)
                )
            ).scalar_one()
            oldest = conn.execute(
                select(func.min(stix_objects.c.date_added)).where(in_scope, pending)
            ).scalar()
            lag = (moment - oldest) / 1e6 if oldest is not None else 0.0

        def when(micros: int | None) -> str | None:
            return format_micros(micros) if micros is not None else None

        statuses.append(
            PeerStatus(
                name=peer.name,
                url=peer.url,
                org=peer.org,
                push=peer.push,
                pull=peer.pull,
                collections=list(peer.collections),
                max_tlp=peer.max_tlp.slug,
                groups=[get_group(conn, group_id=g).name for g in sorted(peer.groups)],
                backlog=int(backlog),
                lag_seconds=lag,
                last_push=when(row.last_push_at),
                last_pull=when(row.last_pull_at),
                last_success=when(row.last_success_at),
                # An error older than the last success is history, not the state of the link.
                last_error=row.last_error if _current(row) else None,
                last_error_at=when(row.last_error_at),
                sent=row.sent,
                withheld=row.withheld,
                received=_received(conn, peer.id),
                deletions_sent=row.deletions_sent,
            )
        )
    return statuses


def peer_statuses_for(conn: Connection, *, actor: Principal) -> list[PeerStatus]:
    """The peers' status as ``actor`` may know it: the node's admins run the federation and see every
    peer; nobody else sees any (a peer's name and errors say whom this node trusts)."""
    return peer_statuses(conn) if actor.authenticated and actor.role == Role.ADMIN else []


def _received(conn: Connection, peer_id: int) -> int:
    """Versions that arrived from the peer: those stored, and those deleted since (their tombstones),
    so that a deletion does not make the count go down."""
    stored = conn.execute(select(func.count()).where(stix_objects.c.via_peer_id == peer_id)).scalar_one()
    deleted = conn.execute(select(func.count()).where(tombstones.c.via_peer_id == peer_id)).scalar_one()
    return int(stored) + int(deleted)


def record_peer_error(conn: Connection, *, peer_id: int, message: str) -> None:
    """Keep the last error of a peer for its status (the cursors did not move)."""
    conn.execute(
        update(peers)
        .where(peers.c.id == peer_id)
        .values(last_error=message[:2000], last_error_at=now_micros())
    )


def record_pull(conn: Connection, *, peer_id: int) -> None:
    """Note that a pull from the peer succeeded now (for its status)."""
    now = now_micros()
    conn.execute(update(peers).where(peers.c.id == peer_id).values(last_pull_at=now, last_success_at=now))


def save_pull_cursor(conn: Connection, *, peer_id: int, key: str, cursor: str) -> None:
    """Move one pull cursor of a peer (a collection's ``added_after``, or its change feed's)."""
    row = conn.execute(select(peers.c.pull_cursors).where(peers.c.id == peer_id)).one()
    cursors = {**json.loads(row.pull_cursors), key: cursor}
    conn.execute(update(peers).where(peers.c.id == peer_id).values(pull_cursors=json.dumps(cursors)))

"""Pushing to a peer: the next batch of versions as TAXII POSTs, deletions as TAXII DELETEs.

Cursors are durable: a push cursor moves only after the peer has acknowledged the batch, so a
crash or a partition re-sends at most one batch, which the peer stores once (idempotent by id and
``modified``). Deletions travel from the tombstone log.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import quote

import httpx
import orjson
from sqlalchemy import Engine, update

from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import NotFound
from gotong.federation.models import peers
from gotong.federation.sending import Facts, Parties, may_leave, parties_of, pending, sendable
from gotong.federation.service import Peer, get_peer
from gotong.federation.transport import TAXII, failure, headers
from gotong.sharing.policy import Reader
from gotong.sharing.receipts import Retrieval, write_retrievals
from gotong.sharing.service import load_reader
from gotong.stix.timestamps import format_micros, now_micros


def push_once(engine: Engine, peer: Peer, client: httpx.Client) -> int:
    """Send the next batch of versions and deletions; how many were handled (0: nothing pending)."""
    with read_connection(engine) as conn:
        reader = load_reader(conn, Principal(org_id=peer.org_id))
        rows, graves = pending(
            conn, peer.collections, after_added=peer.push_cursor, after_tombstone=peer.tombstone_cursor
        )
        parties = parties_of(conn, rows)
    handled = 0
    if rows:
        handled += _push_versions(engine, peer, client, reader, rows, parties)
    if graves:
        handled += _push_deletions(engine, peer, client, reader, graves)
    return handled


def push_pending(engine: Engine, name: str, client: httpx.Client, stop: threading.Event | None = None) -> int:
    """Push batch after batch (the cursor re-read each time) until nothing is pending or ``stop``."""
    moved = 0
    while stop is None or not stop.is_set():
        try:
            with read_connection(engine) as conn:
                peer = get_peer(conn, name)
        except NotFound:
            break  # removed meanwhile
        handled = push_once(engine, peer, client)
        if not handled:
            break
        moved += handled
    return moved


def _push_versions(
    engine: Engine, peer: Peer, client: httpx.Client, reader: Reader, rows: Sequence[Any], parties: Parties
) -> int:
    batches: dict[str, list[bytes]] = defaultdict(list)
    handed: dict[str, list[int]] = defaultdict(list)  # for access receipts: others' versions sent
    for row in rows:
        facts = Facts(row.collection_id, row.tlp, row.group_id, row.submitter_org_id, row.via_peer_id)
        if sendable(reader, peer, facts) and may_leave(row.body, peer, parties):
            batches[row.collection_id].append(row.body.encode())
            if row.submitter_org_id != peer.org_id:
                handed[row.collection_id].append(row.seq)
    refused: list[str] = []
    missing: dict[str, int] = {}
    for collection_id, bodies in batches.items():
        url = f"{peer.url}collections/{collection_id}/objects/"
        for chunk in _chunks(bodies):
            content = b'{"objects":[' + b",".join(chunk) + b"]}"
            try:
                response = client.post(url, content=content, headers={**headers(peer), "Content-Type": TAXII})
            except httpx.HTTPError as exc:
                raise failure(f"POST {url}", exc) from None
            if response.status_code in (403, 404):
                # The peer has no such collection, or will not let this node write to it: nothing
                # sent there can ever land. Say so and go on ('peer resend' once it is fixed).
                missing[collection_id] = missing.get(collection_id, 0) + len(chunk)
                continue
            if response.status_code != 202:
                raise failure(f"POST {url}", response=response)
            status = orjson.loads(response.content)
            refused += [f"{f.get('id')}: {f.get('message')}" for f in status.get("failures", [])]
    sent = sum(len(b) for b in batches.values()) - sum(missing.values())
    values: dict[str, Any] = {
        "push_cursor": rows[-1].date_added,
        "sent": peers.c.sent + sent,
        "withheld": peers.c.withheld + (len(rows) - sent),
        "last_push_at": now_micros(),
        "last_success_at": now_micros(),
    }
    problems = [f"peer refused {len(refused)}: " + "; ".join(refused[:3])] if refused else []
    problems += [f"collection {c} is not open to this node there ({n} withheld)" for c, n in missing.items()]
    if problems:
        # Re-sending cannot help with these; say so and move on.
        values["last_error"] = " / ".join(problems)[:2000]
        values["last_error_at"] = now_micros()
    with write_transaction(engine) as conn:
        conn.execute(update(peers).where(peers.c.id == peer.id).values(**values))
        write_retrievals(
            conn,
            [
                Retrieval(peer.org_id, collection_id, "federation", tuple(seqs), now_micros())
                for collection_id, seqs in handed.items()
            ],
        )
    return len(rows)


def _chunks(bodies: list[bytes], max_bytes: int = 4 * 1024 * 1024) -> Iterator[list[bytes]]:
    """Envelopes of at most ``max_bytes`` (well under a node's default 10 MiB request limit)."""
    chunk: list[bytes] = []
    size = 0
    for body in bodies:
        if chunk and size + len(body) > max_bytes:
            yield chunk
            chunk, size = [], 0
        chunk.append(body)
        size += len(body) + 1
    if chunk:
        yield chunk


def _push_deletions(
    engine: Engine, peer: Peer, client: httpx.Client, reader: Reader, graves: Sequence[Any]
) -> int:
    sent = 0
    for grave in graves:
        facts = Facts(
            grave.collection_id, grave.tlp, grave.group_id, grave.submitter_org_id, grave.via_peer_id
        )
        if not sendable(reader, peer, facts):
            continue
        url = f"{peer.url}collections/{grave.collection_id}/objects/{quote(grave.stix_id)}/"
        try:
            response = client.delete(
                url, params={"match[version]": format_micros(grave.version)}, headers=headers(peer)
            )
        except httpx.HTTPError as exc:
            raise failure(f"DELETE {url}", exc) from None
        # 404: never arrived there or already gone; 403: stored there under another sender, who
        # deletes it in turn. Either way there is nothing more this node can do.
        if response.status_code not in (200, 204, 403, 404):
            raise failure(f"DELETE {url}", response=response)
        sent += 1
    with write_transaction(engine) as conn:
        conn.execute(
            update(peers)
            .where(peers.c.id == peer.id)
            .values(
                tombstone_cursor=graves[-1].seq,
                deletions_sent=peers.c.deletions_sent + sent,
                last_push_at=now_micros(),
                last_success_at=now_micros(),
            )
        )
    return len(graves)

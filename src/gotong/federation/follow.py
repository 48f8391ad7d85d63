"""Following a peer's live change feed (``GET /api/v1/changes``, Server-Sent Events).

Objects and deletions are buffered until the batch's ``checkpoint`` event, stored in one go, and
only then does the cursor move: a cut connection replays at most one batch. A peer without a
change feed (not a Gotong node) answers 404, and is polled with :mod:`gotong.federation.pull`.
"""

from __future__ import annotations

import contextlib
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import httpx
import orjson
from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.db.engine import write_transaction
from gotong.errors import Forbidden, NotFound
from gotong.federation.service import Peer, record_pull, save_pull_cursor
from gotong.federation.transport import failure
from gotong.intel.query import ObjectFilter, delete_versions
from gotong.intel.store import add_objects
from gotong.sharing.service import load_reader

CHANGES = "changes"  # the key of the change-feed cursor among a peer's pull cursors


class NoChangeFeed(Exception):
    """The peer has no change feed (not a Gotong node): poll its TAXII collections instead."""


def changes_url(peer: Peer) -> str:
    return f"{peer.origin}/api/v1/changes"


def follow_changes(
    engine: Engine,
    peer: Peer,
    client: httpx.Client,
    stop: threading.Event,
    *,
    connected: Callable[[], None] | None = None,
) -> int:
    """Read the peer's live change feed from the stored cursor until it ends or ``stop`` is set.

    ``connected`` is called once the peer has accepted the request and the stream begins.
    """
    principal = Principal(org_id=peer.org_id, org_short=peer.org)
    request_headers = {"Authorization": f"Bearer {peer.token}", "Accept": "text/event-stream"}
    cursor = peer.pull_cursors.get(CHANGES)
    if cursor:
        request_headers["Last-Event-ID"] = cursor
    params: list[tuple[str, str | int | float | bool | None]] = [("collection", c) for c in peer.collections]
    received = 0
    objects: dict[str, list[dict[str, Any]]] = defaultdict(list)
    deletions: list[dict[str, Any]] = []
    event: dict[str, str] = {}
    url = changes_url(peer)
    try:
        with client.stream(
            "GET", url, params=params, headers=request_headers, timeout=httpx.Timeout(10.0, read=45.0)
        ) as response:
            if response.status_code == 404:
                raise NoChangeFeed(url)
            if response.status_code >= 400:
                response.read()
                raise failure(f"GET {url}", response=response)
            if connected is not None:
                connected()
            for line in response.iter_lines():
                if stop.is_set():
                    break
                if line:
                    field, _, value = line.partition(":")
                    event[field] = value[1:] if value.startswith(" ") else value
                    continue
                kind, data = event.get("event"), event.get("data")
                if kind == "object" and data:
                    item = orjson.loads(data)
                    objects[item["collection"]].append(item["object"])
                elif kind == "delete" and data:
                    deletions.append(orjson.loads(data))
                elif kind == "checkpoint" and "id" in event:
                    applied = _apply(engine, principal, objects, deletions)
                    received += applied
                    with write_transaction(engine) as conn:
                        save_pull_cursor(conn, peer_id=peer.id, key=CHANGES, cursor=event["id"])
                        if applied:
                            record_pull(conn, peer_id=peer.id)
                    objects, deletions = defaultdict(list), []
                event = {}
    except httpx.HTTPError as exc:
        raise failure(f"GET {url}", exc) from None
    return received


def _apply(
    engine: Engine,
    principal: Principal,
    objects: dict[str, list[dict[str, Any]]],
    deletions: list[dict[str, Any]],
) -> int:
    """Store a batch from a change feed; delete what the peer deleted. How many versions were new."""
    new = 0
    for collection_id, batch in objects.items():
        report = add_objects(
            engine, principal=principal, collection_id=collection_id, objects=batch, through_hub=False
        )
        new += sum(1 for s in report.successes if s.message != "already present")
    if deletions:
        with write_transaction(engine) as conn:
            reader = load_reader(conn, principal)
            for gone in deletions:
                # Not here (never arrived, already gone) or stored under another sender: nothing to do.
                with contextlib.suppress(NotFound, Forbidden):
                    delete_versions(
                        conn,
                        reader=reader,
                        collection_id=gone["collection"],
                        stix_id=gone["id"],
                        filters=ObjectFilter.parse(versions=gone["version"], default_version="all"),
                        actor=principal.org_short or "peer",
                    )
    return new

"""The live change feed: every version and deletion a reader may see, as it is committed.

``GET /api/v1/changes?collection=ID[&collection=ID…]`` answers with Server-Sent Events:

* ``event: object`` — ``data`` is ``{"collection": ID, "object": <the stored STIX version>}``;
* ``event: delete`` — ``data`` is ``{"collection", "id", "version"}`` of a deleted version;
* ``event: checkpoint`` — the end of a batch: a consumer stores what it buffered, then keeps the id.

Every event's ``id`` is the cursor ``<date_added>.<tombstone seq>``; a client resumes by sending it
back as ``Last-Event-ID`` (or ``?after=``). The rules are the sending rules of federation: the
reader's visibility, and when the reader's organisation is a configured peer, that peer's limits
(no echo, no AMBER+STRICT forwarding, its TLP ceiling and groups). A comment line every 15 s
keeps idle connections open through proxies.

A stream looks for new rows as soon as this process commits versions or deletions (the app's
:class:`ChangeSignal`, bumped by an after-commit subscriber that ``gotong.wiring`` installs), and
every second in any case, for what other processes commit.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Connection, Engine

from gotong.core.auth import Principal
from gotong.core.events import Event
from gotong.core.permissions import require_member
from gotong.db.engine import read_connection
from gotong.errors import Invalid
from gotong.federation.origin import peer_for_org
from gotong.federation.sending import Facts, is_real, may_leave, parties_of, pending, sendable
from gotong.federation.service import Peer, get_peer_by_id
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.intel.collections import require_read, view_for
from gotong.intel.limits import parse_count
from gotong.sharing.policy import Marked, Reader, may_see
from gotong.sharing.service import load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import format_micros

router = APIRouter(prefix="/api/v1", tags=["federation"], dependencies=[Depends(reject_unknown_query)])
_EVENTS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}

BATCH = 500
HEARTBEAT = 15.0
RECHECK = 1.0  # look at the database this often even without a change in this process


class ChangeSignal:
    """Counts the commits of versions and deletions in this process; the change feeds watch it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0

    @property
    def generation(self) -> int:
        return self._generation

    def bump(self, _event: Event | None = None) -> None:
        with self._lock:
            self._generation += 1


@dataclass(frozen=True)
class Cursor:
    date_added: int = 0
    tombstone: int = 0

    @classmethod
    def parse(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        added, dot, grave = text.strip().partition(".")
        try:
            if not dot:
                raise Invalid("no dot")
            return cls(parse_count("cursor", added), parse_count("cursor", grave))
        except Invalid:
            raise Invalid(f"change-feed cursor {text[:60]!r} is not <date_added>.<tombstone>") from None

    def __str__(self) -> str:
        return f"{self.date_added}.{self.tombstone}"


@dataclass
class Batch:
    events: list[bytes]
    cursor: Cursor
    handed: dict[str, list[int]]  # collection -> seqs handed over (for access receipts)


def _allowed(reader: Reader, peer: Peer | None, facts: Facts) -> bool:
    if peer is not None:
        return sendable(reader, peer, facts)
    return may_see(
        reader, Marked(facts.collection_id, TLP(facts.tlp), facts.group_id, facts.submitter_org_id)
    )


def read_changes(
    conn: Connection, *, reader: Reader, peer: Peer | None, collections: list[str], cursor: Cursor
) -> Batch:
    """The next events after ``cursor`` for ``reader`` (at most one batch of each kind)."""
    rows, graves = pending(
        conn, collections, after_added=cursor.date_added, after_tombstone=cursor.tombstone, limit=BATCH
    )
    events: list[bytes] = []
    handed: dict[str, list[int]] = {}
    added, grave_seq = cursor.date_added, cursor.tombstone
    parties = parties_of(conn, rows) if peer is not None else {}
    for row in rows:
        added = row.date_added
        facts = Facts(row.collection_id, row.tlp, row.group_id, row.submitter_org_id, row.via_peer_id)
        leaves = may_leave(row.body, peer, parties) if peer is not None else is_real(row.body)
        if _allowed(reader, peer, facts) and leaves:
            data = b'{"collection":"' + row.collection_id.encode() + b'","object":' + row.body.encode() + b"}"
            events.append(_event("object", Cursor(added, grave_seq), data))
            if row.submitter_org_id != reader.org_id:
                handed.setdefault(row.collection_id, []).append(row.seq)
    for grave in graves:
        grave_seq = grave.seq
        facts = Facts(
            grave.collection_id, grave.tlp, grave.group_id, grave.submitter_org_id, grave.via_peer_id
        )
        if _allowed(reader, peer, facts):
            data = orjson.dumps(
                {
                    "collection": grave.collection_id,
                    "id": grave.stix_id,
                    "version": format_micros(grave.version),
                }
            )
            events.append(_event("delete", Cursor(added, grave_seq), data))
    return Batch(events, Cursor(added, grave_seq), handed)


def _event(kind: str, cursor: Cursor, data: bytes) -> bytes:
    return b"id: " + str(cursor).encode() + b"\nevent: " + kind.encode() + b"\ndata: " + data + b"\n\n"


async def _stream(
    request: Request, engine: Engine, principal: Principal, collections: list[str], cursor: Cursor
) -> AsyncIterator[bytes]:
    yield b"retry: 1000\n\n"
    signal: ChangeSignal = request.app.state.changes
    seen = -1
    last_look = last_beat = 0.0
    while not await request.is_disconnected():
        now = time.monotonic()
        if signal.generation != seen or now - last_look >= RECHECK:
            seen = signal.generation
            last_look = now
            batch = await asyncio.to_thread(_next_batch, engine, principal, collections, cursor)
            moved = batch.cursor != cursor
            cursor = batch.cursor
            if batch.handed:
                for collection_id, seqs in batch.handed.items():
                    request.app.state.receipts.note(
                        reader_org_id=principal.org_id,
                        collection_id=collection_id,
                        channel="changes",
                        seqs=seqs,
                    )
            for event in batch.events:
                yield event
            if moved:
                yield _event("checkpoint", cursor, b"{}")
                last_beat = now
                continue  # there may be more right away
        if now - last_beat >= HEARTBEAT:
            yield b": keep-alive\n\n"
            last_beat = now
        await asyncio.sleep(0.05)


def _next_batch(engine: Engine, principal: Principal, collections: list[str], cursor: Cursor) -> Batch:
    with read_connection(engine) as conn:
        reader = load_reader(conn, principal)
        peer_id = peer_for_org(conn, principal.org_id)
        peer = get_peer_by_id(conn, peer_id) if peer_id is not None else None
        return read_changes(conn, reader=reader, peer=peer, collections=collections, cursor=cursor)


@router.get("/changes", response_class=StreamingResponse, responses={**_EVENTS, **errors(401, 403, 404)})
def changes(
    request: Request,
    engine: EngineDep,
    principal: PrincipalDep,
    collection: Annotated[list[str], Query(description="Collection id or alias (repeatable)")],
    after: str | None = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Server-Sent Events of every visible change after the cursor, live."""
    require_member(principal)
    cursor = Cursor.parse(last_event_id or after)
    with read_connection(engine) as conn:
        views = [view_for(conn, principal, c) for c in collection]
    for view in views:
        require_read(view)
    ids = sorted({v.collection.id for v in views})
    return StreamingResponse(
        _stream(request, engine, principal, ids, cursor),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )

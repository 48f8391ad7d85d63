"""Moving intelligence between peers: push over TAXII POST, pull from the ``added_after`` cursor.

The sender decides. Before a version leaves this node, :func:`sendable` asks the sharing policy
whether the peer's organisation may see it here, then applies the peer's limits:

* a version goes only to a peer whose organisation may see it (``may_see``: TLP, sharing groups,
  TLP:RED only to members of a named-recipients group on the object);
* nothing above the peer's ``max_tlp``; an object addressed to a sharing group goes only to a
  peer configured with that group (so TLP:RED goes only where a named-recipients group is shared);
* nothing goes back to the peer it came from (no echo), and a TLP:AMBER+STRICT version that
  arrived from a peer is never forwarded onward.

Cursors are durable: a push cursor moves only after the peer has acknowledged the batch, so a
crash or a partition re-sends at most one batch, which the peer stores once (idempotent by id and
``modified``). Deletions travel as TAXII DELETEs from the tombstone log. Each peer has its own
thread: a slow or dead peer only delays itself.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import orjson
from sqlalchemy import Connection, Engine, select, update

from gotong.core.auth import Principal
from gotong.core.media import TAXII_MEDIA_TYPE
from gotong.correlation.index import DEFAULT_ALERT_WINDOW
from gotong.correlation.warninglists import Warninglists
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Forbidden, NotFound
from gotong.federation.models import peers, tombstones
from gotong.federation.origin import generation, notify_change, wait_for_change
from gotong.federation.service import Peer, get_peer, list_peers
from gotong.feeds.fetch import FetchError, taxii_pages
from gotong.intel.models import stix_objects
from gotong.intel.query import ObjectFilter, delete_versions
from gotong.intel.store import add_objects
from gotong.sharing.policy import Marked, Reader, may_see
from gotong.sharing.receipts import Retrieval, write_retrievals
from gotong.sharing.service import load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import format_micros, now_micros

TAXII = TAXII_MEDIA_TYPE
BATCH = 500
_log = logging.getLogger("gotong.federation")


class SyncError(Exception):
    """A peer could not be reached or refused a request; the cursor did not move."""


@dataclass(frozen=True)
class Facts:
    """What the sending rules look at for one stored version or deletion."""

    collection_id: str
    tlp: int
    group_id: int | None
    submitter_org_id: int
    via_peer_id: int | None


def sendable(reader: Reader, peer: Peer, item: Facts) -> bool:
    """Whether ``item`` may leave this node for ``peer`` (whose organisation ``reader`` describes)."""
    if item.via_peer_id == peer.id:
        return False  # it came from there
    tlp = TLP(item.tlp)
    if item.via_peer_id is not None and tlp == TLP.AMBER_STRICT:
        return False  # a recipient never forwards AMBER+STRICT
    if tlp > peer.max_tlp:
        return False
    # A group is a name each node defines for itself: an object addressed to one goes only to a
    # peer configured with that group (its operator vouches that the peer has it, with the same
    # members). A node without the group would read the object as addressed to no group at all.
    if item.group_id is not None and item.group_id not in peer.groups:
        return False
    return may_see(reader, Marked(item.collection_id, tlp, item.group_id, item.submitter_org_id))


def _headers(peer: Peer) -> dict[str, str]:
    return {"Authorization": f"Bearer {peer.token}", "Accept": TAXII, "User-Agent": "gotong-federation"}


def _fail(action: str, exc: Exception | None = None, response: httpx.Response | None = None) -> SyncError:
    if response is not None:
        detail = response.text[:300].strip()
        return SyncError(f"{action}: HTTP {response.status_code} {detail}")
    return SyncError(f"{action}: {type(exc).__name__}: {exc}")


def pending(
    conn: Connection,
    collections: Sequence[str],
    *,
    after_added: int,
    after_tombstone: int,
    limit: int = BATCH,
) -> tuple[Sequence[Any], Sequence[Any]]:
    """The next stored versions (by ``date_added``) and deletions (by tombstone seq) of ``collections``.

    What the push and the change feed go through, before the sending rules pick what may leave.
    """
    o = stix_objects
    rows = conn.execute(
        select(
            o.c.seq,
            o.c.collection_id,
            o.c.tlp,
            o.c.group_id,
            o.c.submitter_org_id,
            o.c.via_peer_id,
            o.c.date_added,
            o.c.body,
        )
        .where(o.c.collection_id.in_(collections), o.c.date_added > after_added)
        .order_by(o.c.date_added)
        .limit(limit)
    ).all()
    graves = conn.execute(
        select(tombstones)
        .where(tombstones.c.collection_id.in_(collections), tombstones.c.seq > after_tombstone)
        .order_by(tombstones.c.seq)
        .limit(limit)
    ).all()
    return rows, graves


def push_once(engine: Engine, peer: Peer, client: httpx.Client) -> int:
    """Send the next batch of versions and deletions; how many were handled (0: nothing pending)."""
    with read_connection(engine) as conn:
        reader = load_reader(conn, Principal(org_id=peer.org_id))
        rows, graves = pending(
            conn, peer.collections, after_added=peer.push_cursor, after_tombstone=peer.tombstone_cursor
        )
    handled = 0
    if rows:
        handled += _push_versions(engine, peer, client, reader, rows)
    if graves:
        handled += _push_deletions(engine, peer, client, reader, graves)
    return handled


def _push_versions(
    engine: Engine, peer: Peer, client: httpx.Client, reader: Reader, rows: Sequence[Any]
) -> int:
    batches: dict[str, list[bytes]] = defaultdict(list)
    handed: dict[str, list[int]] = defaultdict(list)  # for access receipts: others' versions sent
    for row in rows:
        facts = Facts(row.collection_id, row.tlp, row.group_id, row.submitter_org_id, row.via_peer_id)
        if sendable(reader, peer, facts):
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
                response = client.post(
                    url, content=content, headers={**_headers(peer), "Content-Type": TAXII}
                )
            except httpx.HTTPError as exc:
                raise _fail(f"POST {url}", exc) from None
            if response.status_code in (403, 404):
                # The peer has no such collection, or will not let this node write to it: nothing
                # sent there can ever land. Say so and go on ('peer resend' once it is fixed).
                missing[collection_id] = missing.get(collection_id, 0) + len(chunk)
                continue
            if response.status_code != 202:
                raise _fail(f"POST {url}", response=response)
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
                url, params={"match[version]": format_micros(grave.version)}, headers=_headers(peer)
            )
        except httpx.HTTPError as exc:
            raise _fail(f"DELETE {url}", exc) from None
        # 404: never arrived there or already gone; 403: stored there under another sender, who
        # deletes it in turn. Either way there is nothing more this node can do.
        if response.status_code not in (200, 204, 403, 404):
            raise _fail(f"DELETE {url}", response=response)
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


def pull_once(
    engine: Engine,
    peer: Peer,
    client: httpx.Client,
    *,
    warninglists: Warninglists | None = None,
    alert_window: int | None = DEFAULT_ALERT_WINDOW,
) -> int:
    """Fetch what the peer added since the cursors; store it as the peer's organisation."""
    principal = Principal(org_id=peer.org_id, org_short=peer.org)
    received = 0
    for collection_id in peer.collections:
        url = f"{peer.url}collections/{collection_id}/"
        cursor = peer.pull_cursors.get(collection_id)
        try:
            for page in taxii_pages(client, url, added_after=cursor, credentials=f"Bearer {peer.token}"):
                objects = [o for o in page.objects if isinstance(o, dict)]
                report = add_objects(
                    engine,
                    principal=principal,
                    collection_id=collection_id,
                    objects=objects,
                    through_hub=False,
                )
                new = sum(1 for s in report.successes if s.message != "already present")
                received += new
                if page.date_added_last:
                    cursor = page.date_added_last
                    _save_pull_cursor(engine, peer.id, collection_id, cursor)
        except FetchError as exc:
            raise SyncError(str(exc)) from None
    with write_transaction(engine) as conn:
        conn.execute(
            update(peers)
            .where(peers.c.id == peer.id)
            .values(last_pull_at=now_micros(), last_success_at=now_micros())
        )
    return received


def _save_pull_cursor(engine: Engine, peer_id: int, collection_id: str, cursor: str) -> None:
    with write_transaction(engine) as conn:
        row = conn.execute(select(peers.c.pull_cursors).where(peers.c.id == peer_id)).one()
        cursors = {**json.loads(row.pull_cursors), collection_id: cursor}
        conn.execute(update(peers).where(peers.c.id == peer_id).values(pull_cursors=json.dumps(cursors)))


def _record_error(engine: Engine, peer_id: int, message: str) -> None:
    with write_transaction(engine) as conn:
        conn.execute(
            update(peers)
            .where(peers.c.id == peer_id)
            .values(last_error=message[:2000], last_error_at=now_micros())
        )


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


def sync_peer_once(engine: Engine, name: str, client: httpx.Client) -> int:
    """One round for one peer: push until nothing is pending, then one pull. Errors are recorded."""
    with read_connection(engine) as conn:
        peer = get_peer(conn, name)
    moved = 0
    try:
        if peer.push:
            moved += push_pending(engine, name, client)
        if peer.pull:
            moved += pull_once(engine, peer, client)
    except SyncError as exc:
        _record_error(engine, peer.id, str(exc))
        raise
    return moved


CHANGES = "changes"  # the key of the change-feed cursor among a peer's pull cursors


class NoChangeFeed(Exception):
    """The peer has no change feed (not a Gotong node): poll its TAXII collections instead."""


def changes_url(peer: Peer) -> str:
    parts = urlsplit(peer.url)
    return f"{parts.scheme}://{parts.netloc}/api/v1/changes"


def follow_changes(
    engine: Engine,
    peer: Peer,
    client: httpx.Client,
    stop: threading.Event,
    *,
    warninglists: Warninglists | None = None,
    alert_window: int | None = DEFAULT_ALERT_WINDOW,
) -> int:
    """Read the peer's live change feed from the stored cursor until it ends or ``stop`` is set.

    Objects and deletions are buffered until the batch's ``checkpoint`` event, stored in one go, and
    only then does the cursor move: a cut connection replays at most one batch.
    """
    principal = Principal(org_id=peer.org_id, org_short=peer.org)
    headers = {"Authorization": f"Bearer {peer.token}", "Accept": "text/event-stream"}
    cursor = peer.pull_cursors.get(CHANGES)
    if cursor:
        headers["Last-Event-ID"] = cursor
    params: list[tuple[str, str | int | float | bool | None]] = [("collection", c) for c in peer.collections]
    received = 0
    objects: dict[str, list[dict[str, Any]]] = defaultdict(list)
    deletions: list[dict[str, Any]] = []
    event: dict[str, str] = {}
    url = changes_url(peer)
    try:
        with client.stream(
            "GET", url, params=params, headers=headers, timeout=httpx.Timeout(10.0, read=45.0)
        ) as response:
            if response.status_code == 404:
                raise NoChangeFeed(url)
            if response.status_code >= 400:
                response.read()
                raise _fail(f"GET {url}", response=response)
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
                    received += _apply(engine, principal, objects, deletions, warninglists, alert_window)
                    _save_pull_cursor(engine, peer.id, CHANGES, event["id"])
                    objects, deletions = defaultdict(list), []
                event = {}
    except httpx.HTTPError as exc:
        raise _fail(f"GET {url}", exc) from None
    return received


def _apply(
    engine: Engine,
    principal: Principal,
    objects: dict[str, list[dict[str, Any]]],
    deletions: list[dict[str, Any]],
    warninglists: Warninglists | None,
    alert_window: int | None,
) -> int:
    """Store a batch from a change feed; delete what the peer deleted. How many versions were new."""
    new = 0
    for collection_id, batch in objects.items():
        report = add_objects(
            engine,
            principal=principal,
            collection_id=collection_id,
            objects=batch,
            through_hub=False,
            warninglists=warninglists,
            alert_window=alert_window,
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
        notify_change()
    if new:
        with write_transaction(engine) as conn:
            conn.execute(
                update(peers)
                .where(peers.c.org_id == principal.org_id)
                .values(last_pull_at=now_micros(), last_success_at=now_micros())
            )
    return new


class PeerSync:
    """Two threads per peer, one pushing and one pulling; a slow or dead peer delays only itself.

    The push thread wakes when this process commits a change, or every ``poll`` seconds for changes
    made by other processes. The pull thread follows the peer's live change feed (falling back to
    polling its TAXII collections every ``pull_every`` seconds if it has none). After a failure a
    thread waits 0.5 s, 1 s, 2 s … (at most ``max_backoff``) before trying again; the backlog stays
    in the database and goes out, in order, once the peer answers.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        poll: float = 1.0,
        pull_every: float = 1.0,
        max_backoff: float = 30.0,
        warninglists: Warninglists | None = None,
        alert_window: int | None = DEFAULT_ALERT_WINDOW,
    ) -> None:
        self._engine = engine
        self._warninglists = warninglists
        self._alert_window = alert_window
        self._poll = poll
        self._pull_every = pull_every
        self._max_backoff = max_backoff
        self._stop = threading.Event()
        self._threads: dict[tuple[str, str], threading.Thread] = {}
        self._watcher = threading.Thread(target=self._watch, name="gotong-peers", daemon=True)
        self._watcher.start()

    def close(self) -> None:
        self._stop.set()
        notify_change()  # wake the push threads
        self._watcher.join(timeout=10)
        for (_, direction), thread in list(self._threads.items()):
            if direction == "push":
                thread.join(timeout=10)

    def _watch(self) -> None:
        """Start the threads of each configured peer (peers added later are picked up)."""
        while not self._stop.is_set():
            try:
                with read_connection(self._engine) as conn:
                    configured = list_peers(conn)
            except Exception:  # e.g. a database not yet initialised; try again later
                _log.exception("listing peers failed")
                configured = []
            for peer in configured:
                for direction, wanted, target in (
                    ("push", peer.push, self._push_loop),
                    ("pull", peer.pull, self._pull_loop),
                ):
                    key = (peer.name, direction)
                    thread = self._threads.get(key)
                    if wanted and (thread is None or not thread.is_alive()):
                        thread = threading.Thread(
                            target=target,
                            args=(peer.name,),
                            name=f"peer-{direction}-{peer.name}",
                            daemon=True,
                        )
                        self._threads[key] = thread
                        thread.start()
            self._stop.wait(5.0)

    def _peer(self, name: str) -> Peer | None:
        try:
            with read_connection(self._engine) as conn:
                return get_peer(conn, name)
        except NotFound:
            return None

    def _failed(self, name: str, peer: Peer, exc: Exception, backoff: float) -> float:
        if not isinstance(exc, SyncError):
            _log.exception("sync with peer %s failed", name, exc_info=exc)
        try:
            _record_error(self._engine, peer.id, str(exc) if isinstance(exc, SyncError) else repr(exc))
        except Exception:
            _log.exception("recording the error of peer %s failed", name)
        self._stop.wait(backoff)
        return min(backoff * 2, self._max_backoff)

    def _push_loop(self, name: str) -> None:
        backoff = 0.5
        seen = generation()
        with httpx.Client(timeout=httpx.Timeout(30.0, connect=5.0)) as client:
            while not self._stop.is_set():
                peer = self._peer(name)
                if peer is None or not peer.push:
                    return
                try:
                    push_pending(self._engine, name, client, self._stop)
                    backoff = 0.5
                except Exception as exc:  # the status says what broke; the backlog waits in the database
                    backoff = self._failed(name, peer, exc, backoff)
                    continue
                seen = wait_for_change(seen, timeout=self._poll)

    def _pull_loop(self, name: str) -> None:
        backoff = 0.5
        live = True
        with httpx.Client(timeout=httpx.Timeout(30.0, connect=5.0)) as client:
            while not self._stop.is_set():
                peer = self._peer(name)
                if peer is None or not peer.pull:
                    return
                try:
                    if live:
                        follow_changes(
                            self._engine,
                            peer,
                            client,
                            self._stop,
                            warninglists=self._warninglists,
                            alert_window=self._alert_window,
                        )
                    else:
                        pull_once(
                            self._engine,
                            peer,
                            client,
                            warninglists=self._warninglists,
                            alert_window=self._alert_window,
                        )
                        self._stop.wait(self._pull_every)
                    backoff = 0.5
                except NoChangeFeed:
                    live = False
                except Exception as exc:
                    backoff = self._failed(name, peer, exc, backoff)

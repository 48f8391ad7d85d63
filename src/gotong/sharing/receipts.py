"""Access receipts: a submitting organisation can see who retrieved its objects, and when.

Reads must stay fast, so retrievals are noted in memory (:class:`ReceiptRecorder`) and written in
batches by a job of the node's runner (:meth:`ReceiptRecorder.register`, every 0.25 s, and a last
time when the runner stops); :meth:`ReceiptRecorder.flush` writes what is pending at once.
Only the submitting organisation may list the receipts of its objects.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, insert, select

from gotong.audit import Action, read_details, record
from gotong.core.jobs import JobRunner
from gotong.db.engine import write_transaction
from gotong.errors import Invalid
from gotong.intel.collections import get_collection
from gotong.intel.models import stix_objects
from gotong.orgs.models import organisations
from gotong.orgs.service import get_org
from gotong.sharing.models import retrieval_items, retrievals
from gotong.stix.timestamps import format_micros, now_micros


@dataclass(frozen=True)
class Retrieval:
    """One batch of object versions handed to one reader."""

    reader_org_id: int | None
    collection_id: str | None
    channel: str
    seqs: tuple[int, ...]
    at: int


@dataclass(frozen=True)
class Receipt:
    stix_id: str
    version: str
    reader: str
    first_retrieved: str
    last_retrieved: str
    times: int


def write_retrievals(conn: Connection, batch: Iterable[Retrieval]) -> int:
    """Write retrieval batches in the caller's (write) transaction; returns how many were written."""
    written = 0
    for item in batch:
        retrieval_id = conn.execute(
            insert(retrievals)
            .values(
                at=item.at,
                reader_org_id=item.reader_org_id,
                collection_id=item.collection_id,
                channel=item.channel,
                count=len(item.seqs),
            )
            .returning(retrievals.c.id)
        ).scalar_one()
        if item.seqs:
            conn.execute(
                insert(retrieval_items),
                [{"retrieval_id": retrieval_id, "object_seq": s} for s in set(item.seqs)],
            )
        record(
            conn,
            action=Action.OBJECTS_READ,
            actor=f"org:{item.reader_org_id}" if item.reader_org_id is not None else "unauthenticated",
            actor_org_id=item.reader_org_id,
            subject=item.collection_id or "*",
            details=read_details([str(s) for s in item.seqs], channel=item.channel, retrieval=retrieval_id),
        )
        written += 1
    return written


class ReceiptRecorder:
    """Collects retrievals from request threads; a job (or :meth:`flush`) writes them."""

    JOB = "receipts"

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: queue.Queue[Retrieval] = queue.Queue()
        self._lock = threading.Lock()

    def register(self, runner: JobRunner, *, interval: float = 0.25) -> None:
        """Write the noted retrievals every ``interval`` seconds on ``runner``, and when it stops."""

        def run(_stopping: threading.Event) -> None:
            self.flush()

        runner.register(self.JOB, run, every=interval, on_stop=self.flush)

    def note(
        self, *, reader_org_id: int | None, collection_id: str | None, channel: str, seqs: list[int]
    ) -> None:
        """Remember that a reader was handed these stored versions (its own are left out by the caller)."""
        if seqs:
            self._queue.put(Retrieval(reader_org_id, collection_id, channel, tuple(seqs), now_micros()))

    def flush(self) -> int:
        """Write everything noted so far; returns the number of batches written."""
        with self._lock:
            pending: list[Retrieval] = []
            while True:
                try:
                    pending.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if not pending:
                return 0
            with write_transaction(self._engine) as conn:
                return write_retrievals(conn, pending)

    def close(self) -> None:
        """Write what is still pending (the job does this itself when its runner stops)."""
        self.flush()


def list_receipts(
    conn: Connection, *, org_id: int, collection_id: str | None = None, stix_id: str | None = None
) -> list[Receipt]:
    """Who retrieved the objects ``org_id`` submitted (optionally one collection or one object)."""
    if collection_id is None and stix_id is None:
        raise Invalid("name a collection or an object to list its receipts")
    o = stix_objects
    query = (
        select(
            o.c.stix_id,
            o.c.version,
            func.coalesce(organisations.c.short_name, "(unauthenticated)").label("reader"),
            func.min(retrievals.c.at).label("first"),
            func.max(retrievals.c.at).label("last"),
            func.count().label("times"),
        )
        .select_from(retrieval_items)
        .join(retrievals, retrievals.c.id == retrieval_items.c.retrieval_id)
        .join(o, o.c.seq == retrieval_items.c.object_seq)
        .outerjoin(organisations, organisations.c.id == retrievals.c.reader_org_id)
        .where(o.c.submitter_org_id == org_id)
        .group_by(o.c.stix_id, o.c.version, organisations.c.short_name)
        .order_by(o.c.stix_id, o.c.version, func.min(retrievals.c.at))
    )
    if collection_id is not None:
        query = query.where(o.c.collection_id == collection_id)
    if stix_id is not None:
        query = query.where(o.c.stix_id == stix_id)
    return [
        Receipt(
            stix_id=r.stix_id,
            version=format_micros(r.version, digits=3 if r.version % 1000 == 0 else 6),
            reader=r.reader,
            first_retrieved=format_micros(r.first),
            last_retrieved=format_micros(r.last),
            times=r.times,
        )
        for r in conn.execute(query)
    ]


def receipts_of(
    conn: Connection, *, org: str, collection: str | None = None, stix_id: str | None = None
) -> list[Receipt]:
    """Who retrieved what organisation ``org`` (a short name) submitted, in one collection (id or
    alias) or of one object."""
    org_id = get_org(conn, short_name=org).id
    collection_id = get_collection(conn, collection).id if collection else None
    return list_receipts(conn, org_id=org_id, collection_id=collection_id, stix_id=stix_id)

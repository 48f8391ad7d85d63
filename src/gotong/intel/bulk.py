"""Bulk import and export of STIX bundles, streamed so memory stays flat whatever the file size."""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import ijson
from sqlalchemy import Engine

from gotong.correlation.index import DEFAULT_ALERT_WINDOW
from gotong.correlation.warninglists import Warninglists
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Invalid, NotFound
from gotong.intel import query
from gotong.intel.collections import list_collections, views_for
from gotong.intel.store import StatusReport, add_objects
from gotong.orgs.service import Principal, get_org
from gotong.sharing.receipts import Retrieval, write_retrievals
from gotong.sharing.service import load_reader
from gotong.stix.timestamps import now_micros

BATCH = 1000


@dataclass
class ImportSummary:
    accepted: int = 0
    already_present: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def count(self, report: StatusReport, path: str, on_rejected: Callable[[str], None]) -> None:
        for outcome in report.successes:
            if outcome.message == "already present":
                self.already_present += 1
            else:
                self.accepted += 1
        for outcome in report.failures:
            self.rejected += 1
            reason = outcome.message or "rejected"
            self.reasons[reason] = self.reasons.get(reason, 0) + 1
            on_rejected(f"{path}: rejected {outcome.id}: {reason}")

    def line(self) -> str:
        return (
            f"imported: {self.accepted} accepted, {self.already_present} already present, "
            f"{self.rejected} rejected"
        )


def import_files(
    engine: Engine,
    *,
    files: list[str],
    org: str,
    collection_id: str | None,
    through_hub: bool = False,
    warninglists: Warninglists | None = None,
    alert_window: int | None = DEFAULT_ALERT_WINDOW,
    progress: bool = False,
    on_rejected: Callable[[str], None] = lambda _line: None,
) -> ImportSummary:
    """Import bundles (or JSON arrays of objects, or single objects) as ``org`` into a collection."""
    with read_connection(engine) as conn:
        organisation = get_org(conn, short_name=org)
        principal = Principal(
            org_id=organisation.id, org_short=organisation.short_name, through_hub=through_hub
        )
        target = writable_collection(conn, principal, collection_id)
    for path in files:
        if not os.path.isfile(path):
            raise Invalid(f"{path}: no such file")
    summary = ImportSummary()

    def submit(batch: list[Any], path: str) -> None:
        report = add_objects(
            engine,
            principal=principal,
            collection_id=target,
            objects=batch,
            warninglists=warninglists,
            alert_window=alert_window,
        )
        summary.count(report, path, on_rejected)

    for path in files:
        with open(path, "rb") as handle:
            batch: list[Any] = []
            try:
                for obj in _progress(_objects(handle, path), handle, path, enabled=progress):
                    batch.append(obj)
                    if len(batch) >= BATCH:
                        submit(batch, path)
                        batch = []
            finally:
                # Whatever was read before a malformed stretch of the file is still kept.
                if batch:
                    submit(batch, path)
    return summary


def export_bundle(
    engine: Engine,
    *,
    out: IO[str],
    org: str,
    collection_id: str | None = None,
    types: list[str] | None = None,
    added_after: str | None = None,
    all_versions: bool = False,
    include_expired: bool = False,
) -> int:
    """Write a bundle of what ``org`` may see, page by page; returns the number of objects written.

    Indicators past their ``valid_until`` are left out unless ``include_expired``.
    """
    filters = query.ObjectFilter.parse(
        added_after=added_after,
        types=",".join(types or []) or None,
        versions="all" if all_versions else "last",
    )
    if not include_expired:
        filters = dataclasses.replace(filters, active_at=now_micros())
    with read_connection(engine) as conn:
        organisation = get_org(conn, short_name=org)
        principal = Principal(org_id=organisation.id, org_short=organisation.short_name)
        reader = load_reader(conn, principal)
        coll = _readable_collection(conn, principal, collection_id) if collection_id else None
        out.write(f'{{"type":"bundle","id":"bundle--{uuid.uuid4()}","objects":[')
        written = 0
        cursor: str | None = None
        while True:
            if coll is None:
                page = query.read_page_all_collections(
                    conn, reader=reader, filters=filters, limit=BATCH, cursor=cursor
                )
            else:
                page = query.read_page(
                    conn, reader=reader, collection_id=coll, filters=filters, limit=BATCH, cursor=cursor
                )
            for item in page.items:
                out.write(("," if written else "") + item.body)
                written += 1
            seqs = page.retrieved_by(organisation.id)
            if seqs:
                with write_transaction(engine) as receipt_conn:
                    write_retrievals(
                        receipt_conn,
                        [Retrieval(organisation.id, coll, "export", tuple(seqs), now_micros())],
                    )
            if not page.more:
                break
            cursor = page.next
        out.write("]}\n")
    return written


def writable_collection(conn: Any, principal: Principal, collection_id: str | None) -> str:
    """The collection ``principal`` imports into: the one named, or its first writable one."""
    views = views_for(conn, principal)
    if collection_id is None:
        writable = [v for v in views if v.can_write]
        if not writable:
            raise NotFound(
                f"{principal.org_short} may not write to any collection; name one with --collection"
            )
        return writable[0].collection.id
    for coll in list_collections(conn):
        if collection_id in {coll.id, coll.alias}:
            return coll.id
    raise NotFound(f"no collection {collection_id!r}")


def _readable_collection(conn: Any, principal: Principal, collection_id: str) -> str:
    for view in views_for(conn, principal):
        if collection_id in {view.collection.id, view.collection.alias} and view.can_read:
            return view.collection.id
    raise NotFound(f"no collection {collection_id!r} that {principal.org_short} may read")


def _objects(handle: IO[bytes], path: str) -> Iterator[Any]:
    """Objects of a bundle, of a top-level JSON array, or a single top-level object."""
    head = handle.read(1)
    while head and head.isspace():
        head = handle.read(1)
    handle.seek(handle.tell() - len(head))
    try:
        if head == b"[":
            yield from ijson.items(handle, "item", use_float=True)
            return
        if head != b"{":
            raise Invalid(f"{path}: not a JSON bundle, array or object")
        top_type = _top_level_type(handle)
        handle.seek(0)
        if top_type == "bundle":
            yield from ijson.items(handle, "objects.item", use_float=True)
        else:
            yield from ijson.items(handle, "", use_float=True)
    except ijson.JSONError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise Invalid(f"{path}: malformed JSON ({reason}); objects before the error were imported") from None


def _top_level_type(handle: IO[bytes]) -> str | None:
    for prefix, event, value in ijson.parse(handle):
        if prefix == "type" and event == "string":
            return str(value)
    return None


def _progress(items: Iterator[Any], handle: IO[bytes], path: str, *, enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield from items
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    size = os.path.getsize(path)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(), transient=True
    ) as bar:
        task = bar.add_task(os.path.basename(path), total=size)
        for count, item in enumerate(items, 1):
            if count % 500 == 0:
                bar.update(task, completed=min(handle.tell(), size))
            yield item

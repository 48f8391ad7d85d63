"""Bulk import and export of STIX bundles, streamed so memory stays flat whatever the file size."""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import ijson
import orjson
from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Invalid, NotFound
from gotong.intel import query
from gotong.intel.collections import list_collections, views_for
from gotong.intel.store import StatusReport, add_objects
from gotong.orgs.service import get_org
from gotong.sharing.receipts import Retrieval, write_retrievals
from gotong.sharing.service import load_reader
from gotong.sharing.tlp import TLP, with_tlp
from gotong.stix.exercise import is_exercise_body
from gotong.stix.repair import hint, repair_object, repairs_line
from gotong.stix.timestamps import now_micros
from gotong.stix.upgrade import Upgraded, upgrade_object

BATCH = 1000


@dataclass
class ImportSummary:
    accepted: int = 0
    already_present: int = 0
    rejected: int = 0
    upgraded: int = 0  # objects read from STIX 2.0 bundles and upgraded to 2.1
    reasons: dict[str, int] = field(default_factory=dict)
    tlp: str | None = None  # the TLP unmarked objects were given, and why: "TLP:AMBER (ThaiCERT's default)"
    repaired: int = 0  # objects stored after a listed repair (--repair)
    repairs: dict[str, int] = field(default_factory=dict)  # repair kind -> objects stored with it

    def count(
        self,
        report: StatusReport,
        path: str,
        on_rejected: Callable[[str], None],
        *,
        repaired: Mapping[str, tuple[str, ...]] | None = None,
        hints: Mapping[str, str] | None = None,
    ) -> None:
        """Count a store's report; ``repaired``: id -> repair kinds applied to it, ``hints``: id -> the
        words that say which option would have fixed a refused object."""
        for outcome in report.successes:
            if outcome.message == "already present":
                self.already_present += 1
            else:
                self.accepted += 1
            kinds = (repaired or {}).get(outcome.id)
            if kinds:
                self.repaired += 1
                for kind in kinds:
                    self.repairs[kind] = self.repairs.get(kind, 0) + 1
        for outcome in report.failures:
            self.rejected += 1
            reason = outcome.message or "rejected"
            self.reasons[reason] = self.reasons.get(reason, 0) + 1
            said = (hints or {}).get(outcome.id)
            on_rejected(f"{path}: rejected {outcome.id}: {reason}" + (f" {said}" if said else ""))

    def count_upgrade(self, result: Upgraded, path: str, on_rejected: Callable[[str], None]) -> None:
        """Count a STIX 2.0 object's upgrade: one left out is rejected; a part dropped is only reported."""
        self.upgraded += result.upgraded
        for problem in result.problems:
            if problem.skipped:
                self.rejected += 1
                self.reasons[problem.message] = self.reasons.get(problem.message, 0) + 1
                on_rejected(f"{path}: rejected {problem.id}: {problem.message}")
            else:
                on_rejected(f"{path}: upgraded {problem.id}: {problem.message}")

    def line(self) -> str:
        upgraded = f"; {self.upgraded} upgraded from STIX 2.0" if self.upgraded else ""
        return (
            f"imported: {self.accepted} accepted, {self.already_present} already present, "
            f"{self.rejected} rejected{upgraded}"
            + (f"; unmarked objects marked {self.tlp}" if self.tlp else "")
            + (f"; {repairs_line(self.repaired, self.repairs)}" if self.repaired else "")
        )


def import_files(
    engine: Engine,
    *,
    files: list[str],
    org: str,
    collection_id: str | None,
    through_hub: bool = False,
    progress: bool = False,
    on_rejected: Callable[[str], None] = lambda _line: None,
    tlp: TLP | None = None,
    repair: bool = False,
) -> ImportSummary:
    """Import bundles (or JSON arrays of objects, or single objects) as ``org`` into a collection.

    Objects that carry no TLP marking are marked ``tlp``, by default the organisation's default TLP
    (the summary says which).

    The objects of a STIX 2.0 bundle are upgraded to STIX 2.1 on the way in (:mod:`gotong.stix.upgrade`);
    what the upgrade cannot carry over goes to ``on_rejected`` like a rejection.

    With ``repair``, the mistakes listed in :mod:`gotong.stix.repair` are fixed before validation: the
    repaired object is what is stored, the summary counts the repairs per kind and the import's audit
    record names each repaired object. Without it such an object is refused, and its line names the
    option (``(gotong import --repair fixes its timestamp precision)``).
    """
    with read_connection(engine) as conn:
        organisation = get_org(conn, short_name=org)
        principal = Principal(
            org_id=organisation.id, org_short=organisation.short_name, through_hub=through_hub
        )
        target = writable_collection(conn, principal, collection_id)
    for path in files:
        if not os.path.isfile(path):
            raise Invalid(f"{path}: no such file")
    marking = organisation.default_tlp if tlp is None else tlp
    chosen = "--tlp" if tlp is not None else f"{organisation.short_name}'s default"
    summary = ImportSummary(tlp=f"{marking.label} ({chosen})")

    def submit(batch: list[Any], path: str) -> None:
        repaired: dict[str, tuple[str, ...]] = {}
        if repair:
            batch = [_repaired(o, repaired) for o in batch]
        report = add_objects(
            engine,
            principal=principal,
            collection_id=target,
            objects=batch if tlp is None else [with_tlp(o, tlp) for o in batch],
            repairs=repaired,
        )
        summary.count(report, path, on_rejected, repaired=repaired, hints=_hints(batch, report, repair))

    for path in files:
        with open(path, "rb") as handle:
            batch: list[Any] = []
            try:
                for obj, stix20 in _progress(read_objects(handle, path), handle, path, enabled=progress):
                    if stix20:
                        result = upgrade_object(obj)
                        summary.count_upgrade(result, path, on_rejected)
                        batch += result.objects
                    else:
                        batch.append(obj)
                    if len(batch) >= BATCH:
                        submit(batch, path)
                        batch = []
            finally:
                # Whatever was read before a malformed stretch of the file is still kept.
                if batch:
                    submit(batch, path)
    return summary


def _repaired(obj: Any, repaired: dict[str, tuple[str, ...]]) -> Any:
    result = repair_object(obj)
    if result.kinds and isinstance(result.obj.get("id"), str):
        repaired[result.obj["id"]] = result.kinds
    return result.obj


def _hints(batch: list[Any], report: StatusReport, repair: bool) -> dict[str, str]:
    """For each refused object a listed repair would fix: the words naming the option."""
    if repair or not report.failures:
        return {}
    failed = {outcome.id for outcome in report.failures}
    hints = {}
    for obj in batch:
        stix_id = obj.get("id") if isinstance(obj, dict) else None
        if stix_id in failed and (said := hint(obj, "gotong import --repair")) is not None:
            hints[str(stix_id)] = said
    return hints


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
    mark_unmarked: bool = False,
) -> int:
    """Write a bundle of what ``org`` may see, page by page; returns the number of objects written.

    Indicators past their ``valid_until`` are left out unless ``include_expired``. With
    ``mark_unmarked``, an object stored without a TLP marking is written with the level it was stored
    under (its submitter's default), for formats that must carry a TLP on everything (MISP).
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
                body = item.body
                if is_exercise_body(body):
                    continue  # a drill's objects never leave as real intelligence
                if mark_unmarked and item.tlp is not None:
                    body = orjson.dumps(with_tlp(orjson.loads(body), TLP(item.tlp))).decode()
                out.write(("," if written else "") + body)
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


def read_objects(handle: IO[bytes], path: str) -> Iterator[tuple[Any, bool]]:
    """Objects of a bundle, of a TAXII envelope, of a top-level JSON array, or a single top-level object.

    Each comes with whether it is to be upgraded: only the objects of a STIX 2.0 bundle are.
    """
    head = handle.read(1)
    while head and head.isspace():
        head = handle.read(1)
    handle.seek(handle.tell() - len(head))
    try:
        if head == b"[":
            for obj in ijson.items(handle, "item", use_float=True):
                yield obj, False
            return
        if head != b"{":
            raise Invalid(f"{path}: not a JSON bundle, array or object")
        top_type, stix20 = _top_level(handle)
        handle.seek(0)
        if top_type == "bundle":
            for obj in ijson.items(handle, "objects.item", use_float=True):
                yield obj, stix20
        else:
            for obj in ijson.items(handle, "", use_float=True):
                yield obj, False
    except ijson.JSONError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise Invalid(f"{path}: malformed JSON ({reason}); objects before the error were imported") from None


def _top_level(handle: IO[bytes]) -> tuple[str | None, bool]:
    """The top-level ``type``, and whether the document is a STIX 2.0 bundle (``spec_version`` "2.0").

    Reads no further than it must: to the bundle's ``spec_version``, or to a ``spec_version`` in its
    first object (2.1 content).  Only when the first object has none (2.0 objects have none) and the
    bundle's ``spec_version`` did not come before ``objects`` is the file read through to find it.
    """
    top_type = spec_version = None
    first_done = first_versioned = envelope = False
    for prefix, event, value in ijson.parse(handle):
        envelope |= prefix == "" and event == "map_key" and value == "objects"
        if prefix == "type" and event == "string":
            top_type = str(value)
        elif prefix == "spec_version" and event == "string":
            spec_version = str(value)
        elif prefix == "objects.item" and not first_done:  # the first object's own keys
            first_versioned |= event == "map_key" and value == "spec_version"
            first_done = event == "end_map"
        if top_type is not None and (top_type != "bundle" or spec_version is not None or first_versioned):
            break
    if top_type is None and envelope:  # a TAXII envelope ({"objects": [...]}, as curl saves one)
        return "bundle", False
    return top_type, top_type == "bundle" and spec_version == "2.0"


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

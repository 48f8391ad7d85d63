"""How the incidents domain reads and writes its STIX objects: only through the intel store and read
path, so the sharing policy decides what is seen and the write path applies markings, audiences,
audit and federation. Nothing here decides visibility.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from sqlalchemy import Connection

from gotong.core.auth import Principal
from gotong.errors import Invalid, NotFound
from gotong.incidents import objects
from gotong.intel.records import store_change, visible_versions
from gotong.sharing.policy import Reader


class ReceiptBook(Protocol):
    """Where reads note what they handed out (``gotong.sharing.receipts.ReceiptRecorder``)."""

    def note(
        self, *, reader_org_id: int | None, collection_id: str | None, channel: str, seqs: list[int]
    ) -> None: ...


write = store_change  # one change, all or none: gotong.intel.records


def versions(
    conn: Connection, reader: Reader, collection: str, *, types: tuple[str, ...], ids: tuple[str, ...] = ()
) -> Iterator[tuple[dict[str, Any], int | None]]:
    """The latest version the reader may see of each matching object of one collection, with its
    sequence number when someone else submitted it (what an access receipt records)."""
    for item, obj in visible_versions(conn, reader, collection, types=types, ids=ids):
        yield obj, (item.seq if item.submitter_org_id != reader.org_id else None)


def latest(
    conn: Connection,
    reader: Reader,
    collection: str,
    *,
    types: tuple[str, ...],
    ids: tuple[str, ...] = (),
    handed: list[tuple[str, int]] | None = None,
) -> Iterator[dict[str, Any]]:
    """Like :func:`_versions`; ``handed`` collects (collection, seq) of what another org submitted."""
    for obj, seq in versions(conn, reader, collection, types=types, ids=ids):
        if handed is not None and seq is not None:
            handed.append((collection, seq))
        yield obj


def find_case(
    conn: Connection, reader: Reader, case_id: str, *, handed: list[tuple[str, int]] | None = None
) -> tuple[str, dict[str, Any]]:
    if not case_id.startswith("incident--"):
        raise NotFound(f"{case_id!r} is not a case id (incident--<UUID>)")
    for collection in sorted(reader.readable):
        for obj in latest(conn, reader, collection, types=("incident",), ids=(case_id,), handed=handed):
            if objects.case_extension(obj) is not None:
                return collection, obj
    raise NotFound(f"no case {case_id} is visible to you")


def entries(
    conn: Connection,
    reader: Reader,
    collection: str,
    case_id: str,
    *,
    handed: list[tuple[str, int]] | None = None,
) -> list[dict[str, Any]]:
    found = []
    for obj, seq in versions(conn, reader, collection, types=objects.ENTRY_TYPES):
        if (objects.case_extension(obj) or {}).get("case_ref") == case_id:
            found.append(obj)
            if handed is not None and seq is not None:
                handed.append((collection, seq))
    return found


def entries_by_case(conn: Connection, reader: Reader, collection: str) -> dict[str, list[dict[str, Any]]]:
    """Every entry of the collection the reader may see, by the case it belongs to (as
    :func:`entries` gives them for one case), in one read."""
    found: dict[str, list[dict[str, Any]]] = {}
    for obj, _seq in versions(conn, reader, collection, types=objects.ENTRY_TYPES):
        case_ref = (objects.case_extension(obj) or {}).get("case_ref")
        if isinstance(case_ref, str):
            found.setdefault(case_ref, []).append(obj)
    return found


def note_receipts(receipts: ReceiptBook | None, actor: Principal, handed: list[tuple[str, int]]) -> None:
    if receipts is None:
        return
    by_collection: dict[str, list[int]] = {}
    for collection, seq in handed:
        by_collection.setdefault(collection, []).append(seq)
    for collection, seqs in by_collection.items():
        receipts.note(reader_org_id=actor.org_id, collection_id=collection, channel="rest", seqs=seqs)


def visible_ids(conn: Connection, reader: Reader, ids: list[str]) -> list[str]:
    """The ids among ``ids`` of objects the reader may see; linking an unseen id would be a guess."""
    wanted = list(dict.fromkeys(ids))
    found: set[str] = set()
    for collection in sorted(reader.readable):
        for start in range(0, len(wanted), 200):
            chunk = tuple(wanted[start : start + 200])
            found |= {o["id"] for o in latest(conn, reader, collection, types=(), ids=chunk)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise Invalid(f"related_refs: no object {missing[0]} is visible to you")
    return wanted

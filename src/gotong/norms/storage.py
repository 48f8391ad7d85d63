"""How reports, summaries and adoptions are read and written: in the norms collection (made on first
use), only through the intel store and read path, so the sharing policy decides who sees them.
Nothing here decides visibility.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine

from gotong.db.engine import write_transaction
from gotong.errors import Invalid, NotFound
from gotong.intel.collections import add_collection, get_collection
from gotong.intel.records import latest, store_change
from gotong.norms.objects import REPORT_TYPE, SUMMARY_TYPE, is_report, is_summary
from gotong.sharing.policy import Reader

NORMS_COLLECTION = "gotong-norms"
"""The alias of the collection reports, summaries and adoptions are stored in (made on first use; who
sees a record is its markings' decision, not the collection's)."""

write = store_change  # one change, all or none: gotong.intel.records


def existing_collection(conn: Connection) -> str | None:
    """The id of the norms collection, or None before its first record."""
    try:
        return get_collection(conn, NORMS_COLLECTION).id
    except NotFound:
        return None


def collection(engine: Engine) -> str:
    """The id of the norms collection, made now if it is not yet (readable and writable by all)."""
    with write_transaction(engine) as conn:
        try:
            return get_collection(conn, NORMS_COLLECTION).id
        except NotFound:
            return add_collection(
                conn,
                title="Norms implementation reports",
                description="Members' implementation reports on the norms, and their public summaries",
                alias=NORMS_COLLECTION,
                readers="all",
                writers="all",
                actor="gotong",
            ).id


_latest = latest


def reports(conn: Connection, reader: Reader, collection: str | None) -> Iterator[dict[str, Any]]:
    """Every report the reader may see."""
    if collection is None or collection not in reader.readable:
        return
    for obj in _latest(conn, reader, collection, types=(REPORT_TYPE,)):
        if is_report(obj):
            yield obj


def summaries(conn: Connection, reader: Reader, collection: str | None) -> Iterator[dict[str, Any]]:
    if collection is None or collection not in reader.readable:
        return
    for obj in _latest(conn, reader, collection, types=(SUMMARY_TYPE,)):
        if is_summary(obj):
            yield obj


def find(conn: Connection, reader: Reader, collection: str | None, report_id: str) -> dict[str, Any]:
    if not report_id.startswith(f"{REPORT_TYPE}--"):
        raise NotFound(f"{report_id!r} is not an implementation report id ({REPORT_TYPE}--<UUID>)")
    if collection is not None and collection in reader.readable:
        for obj in _latest(conn, reader, collection, types=(REPORT_TYPE,), ids=(report_id,)):
            if not is_report(obj):
                raise Invalid(f"{report_id} is not a report Gotong can read (a property is missing)")
            return obj
    raise NotFound(f"no implementation report {report_id} is visible to you")


def find_summary(conn: Connection, reader: Reader, collection: str, summary_id: str) -> dict[str, Any] | None:
    return next(iter(_latest(conn, reader, collection, types=(SUMMARY_TYPE,), ids=(summary_id,))), None)

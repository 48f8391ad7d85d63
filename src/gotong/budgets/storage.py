"""How budget reports and ranges are read and written: only through the intel store and read path, so
the sharing policy decides who sees them. Nothing here decides visibility.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection

from gotong.budgets.objects import RANGES_TYPE, REPORT_TYPE, is_ranges, is_report
from gotong.errors import Invalid, NotFound
from gotong.intel.records import latest, store_change
from gotong.sharing.policy import Reader

write = store_change  # one change, all or none: gotong.intel.records


_latest = latest


def reports(conn: Connection, reader: Reader, collection: str | None) -> Iterator[dict[str, Any]]:
    """Every report the reader may see."""
    if collection is None or collection not in reader.readable:
        return
    for obj in _latest(conn, reader, collection, types=(REPORT_TYPE,)):
        if is_report(obj):
            yield obj


def ranges(conn: Connection, reader: Reader, collection: str | None) -> Iterator[dict[str, Any]]:
    if collection is None or collection not in reader.readable:
        return
    for obj in _latest(conn, reader, collection, types=(RANGES_TYPE,)):
        if is_ranges(obj):
            yield obj


def find(conn: Connection, reader: Reader, collection: str | None, report_id: str) -> dict[str, Any]:
    if not report_id.startswith(f"{REPORT_TYPE}--"):
        raise NotFound(f"{report_id!r} is not an budget report id ({REPORT_TYPE}--<UUID>)")
    if collection is not None and collection in reader.readable:
        for obj in _latest(conn, reader, collection, types=(REPORT_TYPE,), ids=(report_id,)):
            if not is_report(obj):
                raise Invalid(f"{report_id} is not a report Gotong can read (a property is missing)")
            return obj
    raise NotFound(f"no budget report {report_id} is visible to you")

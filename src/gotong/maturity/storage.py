"""How assessments and plans are read and written: only through the intel store and read path, so the
sharing policy decides who sees them and the write path applies markings, audit and federation.
Nothing here decides visibility.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection

from gotong.errors import Invalid, NotFound
from gotong.intel.records import latest, store_change
from gotong.maturity.objects import ASSESSMENT_TYPE, PLAN_TYPE, is_assessment, is_plan
from gotong.sharing.policy import Reader

write = store_change  # one change, all or none: gotong.intel.records


_latest = latest


def assessments(conn: Connection, reader: Reader) -> Iterator[tuple[str, dict[str, Any]]]:
    """The latest version the reader may see of every assessment, with its collection."""
    for collection in sorted(reader.readable):
        for obj in _latest(conn, reader, collection, types=(ASSESSMENT_TYPE,)):
            if is_assessment(obj):
                yield collection, obj


def plans(conn: Connection, reader: Reader) -> Iterator[tuple[str, dict[str, Any]]]:
    for collection in sorted(reader.readable):
        for obj in _latest(conn, reader, collection, types=(PLAN_TYPE,)):
            if is_plan(obj):
                yield collection, obj


def find(conn: Connection, reader: Reader, kind: str, record_id: str) -> tuple[str, dict[str, Any]]:
    what = "assessment" if kind == ASSESSMENT_TYPE else "capacity plan"
    if not record_id.startswith(f"{kind}--"):
        raise NotFound(f"{record_id!r} is not a {what} id ({kind}--<UUID>)")
    check = is_assessment if kind == ASSESSMENT_TYPE else is_plan
    for collection in sorted(reader.readable):
        for obj in _latest(conn, reader, collection, types=(kind,), ids=(record_id,)):
            if not check(obj):
                raise Invalid(f"{record_id} is not a {what} Gotong can read (a property is missing)")
            return collection, obj
    raise NotFound(f"no {what} {record_id} is visible to you")

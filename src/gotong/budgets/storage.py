"""How budget reports and ranges are read and written: only through the intel store and read path, so
the sharing policy decides who sees them. Nothing here decides visibility.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from sqlalchemy import Connection, Engine

from gotong.budgets.objects import RANGES_TYPE, REPORT_TYPE, is_ranges, is_report
from gotong.core.auth import Principal
from gotong.errors import Invalid, NotFound
from gotong.intel.query import ObjectFilter, read_page
from gotong.intel.store import add_objects
from gotong.sharing.policy import Reader
from gotong.stix.validate import validate_object

_PAGE = 1000


def write(engine: Engine, actor: Principal, collection: str, objs: list[dict[str, Any]]) -> None:
    """Store the objects of one change, all or none (each is validated before any is sent)."""
    for obj in objs:
        problems = validate_object(obj)
        if problems:
            raise Invalid(f"{obj.get('type', 'object')}: {'; '.join(problems)}")
    report = add_objects(engine, principal=actor, collection_id=collection, objects=objs, through_hub=False)
    if report.failures:
        raise Invalid("; ".join(f"{f.id}: {f.message}" for f in report.failures))


def _latest(
    conn: Connection, reader: Reader, collection: str, *, types: tuple[str, ...], ids: tuple[str, ...] = ()
) -> Iterator[dict[str, Any]]:
    cursor = None
    while True:
        page = read_page(
            conn,
            reader=reader,
            collection_id=collection,
            filters=ObjectFilter(types=types, ids=ids),
            limit=_PAGE,
            cursor=cursor,
        )
        for item in page.items:
            yield orjson.loads(item.body)
        if not page.more:
            return
        cursor = page.next


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

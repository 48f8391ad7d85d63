"""How taskforce records are read and written: only through the intel store and read path, so the
sharing policy decides who sees them. Nothing here decides visibility.

Writes of the six taskforce types are allowed only from :func:`write` (a TAXII client that posts a
vote or a decision of its own is refused by :mod:`gotong.taskforce.ledger`), so every vote counted
went through the rules of ``policy.py``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from typing import Any

import orjson
from sqlalchemy import Connection, Engine

from gotong.core.auth import Principal
from gotong.errors import Invalid, NotFound
from gotong.intel.query import ObjectFilter, read_page
from gotong.intel.store import add_objects
from gotong.sharing.policy import Reader
from gotong.stix.validate import validate_object

_PAGE = 1000
WRITING: contextvars.ContextVar[bool] = contextvars.ContextVar("gotong_taskforce_writing", default=False)


def write(engine: Engine, actor: Principal, collection: str, objs: list[dict[str, Any]]) -> None:
    """Store the objects of one change, all or none."""
    for obj in objs:
        problems = validate_object(obj)
        if problems:
            raise Invalid(f"{obj.get('type', 'object')}: {'; '.join(problems)}")
    token = WRITING.set(True)
    try:
        report = add_objects(
            engine, principal=actor, collection_id=collection, objects=objs, through_hub=False
        )
    finally:
        WRITING.reset(token)
    if report.failures:
        raise Invalid("; ".join(f"{f.id}: {f.message}" for f in report.failures))


def latest(
    conn: Connection, reader: Reader, collection: str, *, types: tuple[str, ...], ids: tuple[str, ...] = ()
) -> Iterator[dict[str, Any]]:
    """The latest version the reader may see of each matching object of the collection."""
    if collection not in reader.readable:
        return
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


def find(
    conn: Connection, reader: Reader, collection: str, kind: str, stix_id: str, what: str
) -> dict[str, Any]:
    if not stix_id.startswith(f"{kind}--"):
        raise NotFound(f"{stix_id!r} is not a {what} id ({kind}--<UUID>)")
    for obj in latest(conn, reader, collection, types=(kind,), ids=(stix_id,)):
        return obj
    raise NotFound(f"no {what} {stix_id} is visible to you")

"""What every domain that keeps its records as STIX objects asks of the store: write one change all or
none, and read back the versions a reader may see, page by page.

Cases, assistance requests, assessments, drills, norms reports, budgets, taskforce records, courses and
playbooks all live in collections like any intelligence, so the sharing policy decides who sees them and
the write path applies markings, audiences, audit, receipts and federation. Each domain's ``storage``
module keeps only its own finders on top of these two verbs; nothing here decides visibility.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from sqlalchemy import Connection, Engine

from gotong.core.auth import Principal
from gotong.errors import Invalid
from gotong.intel.query import ObjectFilter, StoredVersion, read_page
from gotong.intel.store import add_objects
from gotong.sharing.policy import Reader
from gotong.stix.validate import validate_object

__all__ = ["latest", "store_change", "visible_versions"]

_PAGE = 1000


def store_change(engine: Engine, actor: Principal, collection: str, objs: list[dict[str, Any]]) -> None:
    """Store the objects of one change, all or none.

    The store keeps an envelope's valid objects and reports the others, so each object is validated
    first and nothing is sent when one would be refused; a version clash the store reports (another
    body under a stored id and version) is raised as ``Invalid`` naming the object.
    """
    for obj in objs:
        problems = validate_object(obj)
        if problems:
            raise Invalid(f"{obj.get('type', 'object')}: {'; '.join(problems)}")
    report = add_objects(engine, principal=actor, collection_id=collection, objects=objs, through_hub=False)
    if report.failures:
        raise Invalid("; ".join(f"{f.id}: {f.message}" for f in report.failures))


def visible_versions(
    conn: Connection,
    reader: Reader,
    collection: str,
    *,
    types: tuple[str, ...],
    ids: tuple[str, ...] = (),
    every_version: bool = False,
) -> Iterator[tuple[StoredVersion, dict[str, Any]]]:
    """The versions the reader may see of one collection's matching objects (the latest of each, or
    every one), oldest first, with what the store recorded of each (``seq``, submitter, when added).
    A collection the reader may not read yields nothing."""
    if collection not in reader.readable:
        return
    wanted = ObjectFilter(types=types, ids=ids, versions=("all",) if every_version else ("last",))
    cursor = None
    while True:
        page = read_page(
            conn, reader=reader, collection_id=collection, filters=wanted, limit=_PAGE, cursor=cursor
        )
        for item in page.items:
            yield item, orjson.loads(item.body)
        if not page.more:
            return
        cursor = page.next


def latest(
    conn: Connection, reader: Reader, collection: str, *, types: tuple[str, ...], ids: tuple[str, ...] = ()
) -> Iterator[dict[str, Any]]:
    """The latest version the reader may see of each matching object of one collection."""
    for _item, obj in visible_versions(conn, reader, collection, types=types, ids=ids):
        yield obj

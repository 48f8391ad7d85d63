"""How assistance requests are read and written: only through the intel store and read path, so the
sharing policy decides who sees them and the write path applies markings, audit and federation.
Nothing here decides visibility.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from sqlalchemy import Connection, Engine

from gotong.assistance.objects import REQUEST_TYPE, is_request
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


def latest(
    conn: Connection, reader: Reader, collection: str, *, types: tuple[str, ...], ids: tuple[str, ...] = ()
) -> Iterator[dict[str, Any]]:
    """The latest version the reader may see of each matching object of one collection."""
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


def requests(conn: Connection, reader: Reader) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every request the reader may see, with its collection."""
    for collection in sorted(reader.readable):
        for obj in latest(conn, reader, collection, types=(REQUEST_TYPE,)):
            if is_request(obj):
                yield collection, obj


def find(conn: Connection, reader: Reader, request_id: str) -> tuple[str, dict[str, Any]]:
    if not request_id.startswith(f"{REQUEST_TYPE}--"):
        raise NotFound(f"{request_id!r} is not an assistance request id ({REQUEST_TYPE}--<UUID>)")
    for collection in sorted(reader.readable):
        for obj in latest(conn, reader, collection, types=(REQUEST_TYPE,), ids=(request_id,)):
            if not is_request(obj):
                raise Invalid(f"{request_id} is not a request Gotong can read (a property is missing)")
            return collection, obj
    raise NotFound(f"no assistance request {request_id} is visible to you")


def messages(conn: Connection, reader: Reader, collection: str, request_id: str) -> list[dict[str, Any]]:
    """The notes the reader may see that belong to the request."""
    return [
        n for n in latest(conn, reader, collection, types=("note",)) if request_id in n.get("object_refs", ())
    ]

"""How assistance requests are read and written: only through the intel store and read path, so the
sharing policy decides who sees them and the write path applies markings, audit and federation.
Nothing here decides visibility.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection

from gotong.assistance.objects import REQUEST_TYPE, is_request
from gotong.errors import Invalid, NotFound
from gotong.intel.records import latest, store_change
from gotong.sharing.policy import Reader

write = store_change  # one change, all or none: gotong.intel.records


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

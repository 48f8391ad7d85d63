"""How playbooks and runs are read and written: only through the intel store and read path, so the
sharing policy decides who sees them and the write path applies markings, audit and federation.
Nothing here decides visibility.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from sqlalchemy import Connection, Engine

from gotong.core.auth import Principal
from gotong.errors import Invalid
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


def read(
    conn: Connection,
    reader: Reader,
    collection: str,
    *,
    types: tuple[str, ...],
    ids: tuple[str, ...] = (),
    every_version: bool = False,
) -> Iterator[dict[str, Any]]:
    """The versions the reader may see of one collection's matching objects (the latest of each,
    or every one)."""
    if collection not in reader.readable:
        return
    cursor = None
    versions: tuple[str | int, ...] = ("all",) if every_version else ("last",)
    while True:
        page = read_page(
            conn,
            reader=reader,
            collection_id=collection,
            filters=ObjectFilter(types=types, ids=ids, versions=versions),
            limit=_PAGE,
            cursor=cursor,
        )
        for item in page.items:
            yield orjson.loads(item.body)
        if not page.more:
            return
        cursor = page.next

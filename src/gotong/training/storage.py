"""How training records are read and written: only through the intel store and read path, so the
sharing policy decides who sees them and the write path applies markings, audit and federation.
Nothing here decides visibility.
"""

from __future__ import annotations

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
from gotong.training.objects import COURSE_TYPE, ENROLMENT_TYPE, is_course, is_enrolment

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


def courses(conn: Connection, reader: Reader, collection: str) -> Iterator[dict[str, Any]]:
    if collection in reader.readable:
        yield from (o for o in _latest(conn, reader, collection, types=(COURSE_TYPE,)) if is_course(o))


def enrolments(conn: Connection, reader: Reader, collection: str) -> Iterator[dict[str, Any]]:
    if collection in reader.readable:
        yield from (o for o in _latest(conn, reader, collection, types=(ENROLMENT_TYPE,)) if is_enrolment(o))


def find(conn: Connection, reader: Reader, collection: str, kind: str, object_id: str) -> dict[str, Any]:
    what = "course" if kind == COURSE_TYPE else "enrolment"
    if not object_id.startswith(f"{kind}--"):
        raise NotFound(f"{object_id!r} is not a training {what} id ({kind}--<UUID>)")
    if collection in reader.readable:
        for obj in _latest(conn, reader, collection, types=(kind,), ids=(object_id,)):
            if (is_course if kind == COURSE_TYPE else is_enrolment)(obj):
                return obj
    raise NotFound(f"no training {what} {object_id} is visible to you")

"""How training records are read and written: only through the intel store and read path, so the
sharing policy decides who sees them and the write path applies markings, audit and federation.
Nothing here decides visibility.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection

from gotong.errors import NotFound
from gotong.intel.records import latest, store_change
from gotong.sharing.policy import Reader
from gotong.training.objects import COURSE_TYPE, ENROLMENT_TYPE, is_course, is_enrolment

write = store_change  # one change, all or none: gotong.intel.records


_latest = latest


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

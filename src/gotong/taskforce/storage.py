"""How taskforce records are read and written: only through the intel store and read path, so the
sharing policy decides who sees them. Nothing here decides visibility.

Writes of the six taskforce types are allowed only from :func:`write` (a TAXII client that posts a
vote or a decision of its own is refused by :mod:`gotong.taskforce.ledger`), so every vote counted
went through the rules of ``policy.py``.
"""

from __future__ import annotations

import contextvars
from typing import Any

from sqlalchemy import Connection, Engine

from gotong.core.auth import Principal
from gotong.errors import NotFound
from gotong.intel.records import latest as records_latest
from gotong.intel.records import store_change
from gotong.sharing.policy import Reader

WRITING: contextvars.ContextVar[bool] = contextvars.ContextVar("gotong_taskforce_writing", default=False)


def write(engine: Engine, actor: Principal, collection: str, objs: list[dict[str, Any]]) -> None:
    """Store the objects of one change, all or none, marked as the taskforce's own write."""
    token = WRITING.set(True)
    try:
        store_change(engine, actor, collection, objs)
    finally:
        WRITING.reset(token)


latest = records_latest  # the latest version the reader may see of each matching object


def find(
    conn: Connection, reader: Reader, collection: str, kind: str, stix_id: str, what: str
) -> dict[str, Any]:
    if not stix_id.startswith(f"{kind}--"):
        raise NotFound(f"{stix_id!r} is not a {what} id ({kind}--<UUID>)")
    for obj in latest(conn, reader, collection, types=(kind,), ids=(stix_id,)):
        return obj
    raise NotFound(f"no {what} {stix_id} is visible to you")

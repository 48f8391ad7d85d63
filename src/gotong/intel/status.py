"""TAXII status resources: readable only by the organisation whose request they describe."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, select

from gotong.core.auth import Principal
from gotong.errors import NotFound, Unauthorized
from gotong.intel.models import statuses
from gotong.stix.timestamps import format_micros


def get_status(conn: Connection, *, principal: Principal, status_id: str) -> dict[str, Any]:
    """The status resource of one envelope.

    A status lists object ids, so it is shown only to the organisation that posted the envelope;
    to anyone else it does not exist.
    """
    if not principal.authenticated:
        raise Unauthorized("status resources need an API token")
    row = conn.execute(select(statuses).where(statuses.c.id == status_id)).first()
    if row is None or row.org_id != principal.org_id:
        raise NotFound(f"no status {status_id!r} of yours")
    details = orjson.loads(row.details)
    return {
        "id": row.id,
        "status": row.status,
        "request_timestamp": format_micros(row.request_timestamp),
        "total_count": row.total_count,
        "success_count": row.success_count,
        "successes": details["successes"],
        "failure_count": row.failure_count,
        "failures": details["failures"],
        "pending_count": row.pending_count,
        "pendings": [],
    }

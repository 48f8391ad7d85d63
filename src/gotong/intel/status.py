"""TAXII status resources: readable only by the organisation whose request they describe, bounded, and
forgotten after a while.

A status is written for every envelope, so it must not grow with what an attacker sends: it lists at
most :data:`~gotong.intel.limits.MAX_RECORDED_FAILURES` failures (the counts stay exact) with each
message cut to :data:`~gotong.intel.limits.MAX_FAILURE_TEXT` characters, and it expires
:data:`~gotong.intel.limits.STATUS_TTL_SECONDS` (a week) after its request: the next envelope's write
deletes what has expired.  ``GOTONG_STATUS_TTL_HOURS`` may shorten the time a status is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, delete, insert, select

from gotong.core.auth import Principal
from gotong.errors import NotFound, Unauthorized
from gotong.intel.limits import MAX_FAILURE_TEXT, MAX_RECORDED_FAILURES, STATUS_TTL_SECONDS
from gotong.intel.models import statuses
from gotong.stix.timestamps import format_micros, now_micros

if TYPE_CHECKING:
    from gotong.intel.store import Outcome, StatusReport

__all__ = ["forget_expired", "get_status", "record_status"]


def _listed(outcome: Outcome) -> dict[str, Any]:
    shown = outcome.taxii()
    message = shown.get("message")
    if isinstance(message, str) and len(message) > MAX_FAILURE_TEXT:
        shown["message"] = message[: MAX_FAILURE_TEXT - 3] + "..."
    return shown


def record_status(
    conn: Connection, *, report: StatusReport, org_id: int, ttl_seconds: int = STATUS_TTL_SECONDS
) -> None:
    """Store the status of one envelope (bounded), and forget the statuses that have expired."""
    forget_expired(conn, ttl_seconds=ttl_seconds, now=report.request_timestamp)
    conn.execute(
        insert(statuses).values(
            id=report.id,
            collection_id=report.collection_id,
            org_id=org_id,
            request_timestamp=report.request_timestamp,
            status="complete",
            total_count=report.total,
            success_count=len(report.successes),
            failure_count=len(report.failures),
            pending_count=0,
            details=orjson.dumps(
                {
                    "successes": [o.taxii() for o in report.successes],
                    "failures": [_listed(o) for o in report.failures[:MAX_RECORDED_FAILURES]],
                }
            ).decode(),
        )
    )


def forget_expired(conn: Connection, *, ttl_seconds: int = STATUS_TTL_SECONDS, now: int | None = None) -> int:
    """Delete the statuses of requests made more than ``ttl_seconds`` ago; how many went."""
    cutoff = (now if now is not None else now_micros()) - ttl_seconds * 1_000_000
    return conn.execute(delete(statuses).where(statuses.c.request_timestamp < cutoff)).rowcount or 0


def get_status(
    conn: Connection, *, principal: Principal, status_id: str, ttl_seconds: int = STATUS_TTL_SECONDS
) -> dict[str, Any]:
    """The status resource of one envelope.

    A status lists object ids, so it is shown only to the organisation that posted the envelope;
    to anyone else it does not exist.  Nor does it once expired, whether or not it was deleted yet.
    """
    if not principal.authenticated:
        raise Unauthorized("status resources need an API token")
    if len(status_id) > 36 or "\x00" in status_id:
        raise NotFound("no such status of yours")
    row = conn.execute(select(statuses).where(statuses.c.id == status_id)).first()
    expired = row is not None and row.request_timestamp < now_micros() - ttl_seconds * 1_000_000
    if row is None or row.org_id != principal.org_id or expired:
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

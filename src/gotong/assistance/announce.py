"""Announcing what happened to a request: when a stored version of a request is the one that sent it
to its addressee, or the one in which the addressee acknowledged it, publish
:class:`gotong.core.events.AssistanceRequestMoved` in the same transaction.

Requests are written through the intel store, whose :class:`~gotong.core.events.ObjectsStored`
names every stored version; :func:`announce` subscribes to it (``gotong.wiring``) and turns a
request's new last step into the domain's own event, so other domains (the contact directory)
react to "a request was sent" without reading STIX or importing this domain.
"""

from __future__ import annotations

from sqlalchemy import Connection

from gotong.assistance.models import RequestStatus
from gotong.assistance.objects import REQUEST_TYPE, is_request
from gotong.core import events
from gotong.core.events import AssistanceRequestMoved, ObjectsStored
from gotong.orgs.service import list_orgs
from gotong.stix.timestamps import micros_of

__all__ = ["announce"]

_ANNOUNCED = (str(RequestStatus.SENT), str(RequestStatus.ACKNOWLEDGED))


def announce(conn: Connection, event: ObjectsStored) -> None:
    """Publish the sending or the acknowledgement each stored request version records (if any)."""
    orgs: dict[str, int] | None = None
    for version in event.versions:
        obj = dict(version.obj)
        if obj.get("type") != REQUEST_TYPE or not is_request(obj):
            continue
        history = obj.get("history") or []
        last = history[-1] if history else {}
        # The version made by that step: its last history entry is the step, at the version's time.
        if last.get("event") not in _ANNOUNCED or last.get("at") != obj.get("modified"):
            continue
        if orgs is None:
            orgs = {o.identity_id: o.id for o in list_orgs(conn)}
        requester, addressee = orgs.get(obj["requester_ref"]), orgs.get(obj["addressee_ref"])
        if requester is None or addressee is None:
            continue
        events.publish(
            conn,
            AssistanceRequestMoved(
                request_id=str(obj["id"]),
                status=str(last["event"]),
                kind=str(obj["kind"]),
                urgency=str(obj["urgency"]),
                requester_org_id=requester,
                addressee_org_id=addressee,
                at=micros_of(str(last["at"])),
            ),
        )

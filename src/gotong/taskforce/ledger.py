"""What the tamper-evident audit log records of the taskforce's work, in the transaction that stores it.

Subscribed (by ``gotong.wiring``) to :class:`~gotong.core.events.ObjectsStored`: every vote, decision
and measure version stored gets its own audit record beside the store's ``objects.add`` record, with
what a member needs to check it later (the seat and its choice on a by-name ballot, a salted digest of
the choice on a secret one; the outcome and the digest of the signed statement of a decision). A
taskforce record that did not come through the domain's verbs (a TAXII client posting a vote of its
own) is refused, and the whole write with it.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection

from gotong.audit import record
from gotong.core.events import ObjectsStored
from gotong.errors import Forbidden
from gotong.taskforce import objects
from gotong.taskforce.storage import WRITING

VOTE_ACTION = "taskforce.vote"
DECISION_ACTION = "taskforce.decision"
MEASURE_ACTION = "taskforce.measure"


def record_stored(conn: Connection, event: ObjectsStored) -> None:
    for version in event.versions:
        obj = version.obj
        kind = str(obj.get("type", ""))
        if kind not in objects.TYPES:
            continue
        if not WRITING.get():
            raise Forbidden(f"{kind} objects are written only through the taskforce's own verbs")
        actor = str(obj.get("recorded_by", "gotong"))
        if kind == objects.VOTE:
            details = {"motion": obj["motion_ref"], "seat": obj["seat"], "version": obj["modified"]}
            if obj.get("ballot") == "secret":
                details["choice_digest"] = str(obj["choice_digest"])
            else:
                details["choice"] = str(obj["choice"])
            record(
                conn,
                action=VOTE_ACTION,
                actor=actor,
                actor_org_id=event.submitter_org_id,
                subject=str(obj["motion_ref"]),
                details=details,
            )
        elif kind == objects.DECISION:
            statement = obj["statement"]
            record(
                conn,
                action=DECISION_ACTION,
                actor=actor,
                actor_org_id=event.submitter_org_id,
                subject=str(obj["motion_ref"]),
                details={
                    "decision": obj["id"],
                    "outcome": statement["outcome"],
                    "tally": statement["tally"],
                    "signature_sha256": hashlib.sha256(statement["signature"].encode()).hexdigest(),
                },
            )
        elif kind == objects.MEASURE:
            record(
                conn,
                action=MEASURE_ACTION,
                actor=actor,
                actor_org_id=event.submitter_org_id,
                subject=str(obj["id"]),
                details={
                    "state": obj["state"],
                    "rung": obj["rung"],
                    "status": obj["measure_status"],
                    "deadline": obj["deadline"],
                },
            )

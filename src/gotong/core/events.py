"""Domain events: how one domain reacts to another's writes without the writer knowing it.

The write path (``intel``) publishes what it did — objects stored, versions deleted — and the
domains that care subscribe where the application and the CLI are assembled (``gotong.wiring``).
So ``intel`` imports neither correlation nor federation.

A subscriber runs in one of two places, chosen when it subscribes:

* **in the transaction** (:func:`subscribe_in_transaction`): the handler receives the writer's
  connection and runs before the commit. Whatever it writes commits or rolls back with the write
  itself, and an exception it raises rolls the whole write back. Correlation indexing and
  federation's bookkeeping (which peer a version came from, tombstones) run here, so nothing that
  was accepted is ever stored without its index rows, and a lookup never lags a stored object.
* **after the commit** (:func:`subscribe`): the handler receives only the event and runs once the
  transaction has committed, in the writer's thread. It must be quick (wake something up, never
  do I/O); an exception it raises is logged and does not reach the writer, whose write stands.
  Waking the federation push and the change feed run here: waking them earlier would let them
  look for rows that are not committed yet.

Events are published with :func:`publish` inside :func:`gotong.db.engine.write_transaction`,
which runs the after-commit handlers (:func:`dispatch`) once it has committed and released the
write lock, and drops the events (:func:`take`) if it rolls back.
Subscriptions are process-wide; :meth:`Subscription.cancel` ends one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection

__all__ = [
    "AssistanceRequestMoved",
    "BudgetBelowMandate",
    "DeletedVersion",
    "Event",
    "MotionDecided",
    "ObjectsDeleted",
    "ObjectsStored",
    "StoredVersion",
    "Subscription",
    "dispatch",
    "publish",
    "subscribe",
    "subscribe_in_transaction",
    "take",
]

_log = logging.getLogger("gotong.events")
_PENDING = "gotong_after_commit"  # key in Connection.info: events waiting for the commit
WRITER = "gotong_writer"  # key in Connection.info: set by write_transaction for its connection


class Event:
    """Base of every domain event (a frozen dataclass naming what happened, in the past tense)."""


@dataclass(frozen=True)
class StoredVersion:
    """One version the store has just written: its row (``seq``) and the STIX object as stored."""

    seq: int
    stix_id: str
    obj: Mapping[str, Any]


@dataclass(frozen=True)
class ObjectsStored(Event):
    """New versions were stored in a collection by one submitting organisation (one envelope).

    In-transaction subscribers may add a remark about a version (:meth:`remark`): the store puts
    it in that object's entry of the TAXII status (e.g. ``on warninglist: …``).
    """

    collection_id: str
    submitter_org_id: int
    versions: tuple[StoredVersion, ...]
    remarks: dict[int, list[str]] = field(default_factory=dict, compare=False, repr=False)

    def remark(self, seq: int, text: str) -> None:
        self.remarks.setdefault(seq, []).append(text)


@dataclass(frozen=True)
class DeletedVersion:
    """A version that was deleted, with the sharing facts it had (what a tombstone keeps)."""

    version: int
    tlp: int
    group_id: int | None
    submitter_org_id: int


@dataclass(frozen=True)
class ObjectsDeleted(Event):
    """Versions of one object were deleted from a collection by ``deleted_by_org_id``."""

    collection_id: str
    stix_id: str
    deleted_by_org_id: int | None
    versions: tuple[DeletedVersion, ...]
    deleted_at: int


@dataclass(frozen=True)
class BudgetBelowMandate(Event):
    """A member's budget has been below its mandate's trajectory for as many consecutive years as
    the mandate's rule says (``years``, oldest first): it becomes a subject for review (the
    taskforce subscribes; the budgets domain does not know it). ``report_id`` is the report that made
    it so and ``markings`` that report's marking ids (its TLP and audience), so that what the
    taskforce tables about it is seen by no one the report is hidden from."""

    member: str
    mandate: str
    years: tuple[int, ...]
    report_id: str
    markings: tuple[str, ...]


@dataclass(frozen=True)
class MotionDecided(Event):
    """The taskforce decided a motion when its voting window ended: ``kind`` is the decision's kind
    (e.g. "adopt-norm"), ``adopted`` its outcome, ``norm`` the norm it concerns (if any),
    ``decision_id`` the signed decision published to the members, ``decided_at`` its time (STIX
    timestamp). Published by the taskforce after the decision is stored, and again by every run of
    its clock (so a subscriber must be idempotent: the same decision again changes nothing); the
    norms domain subscribes (a regional norm adopted), the taskforce does not know it."""

    motion_id: str
    kind: str
    adopted: bool
    norm: str | None
    concerned: str | None
    decision_id: str
    decided_at: str


@dataclass(frozen=True)
class AssistanceRequestMoved(Event):
    """An assistance request was sent to its addressee (``status`` "sent") or acknowledged by it
    ("acknowledged") at ``at`` (microseconds). Published by the assistance domain in the transaction
    that stored the change; the contact directory subscribes (to tell the addressee's duty desk and
    count the acknowledgement), the assistance domain does not know it."""

    request_id: str
    status: str
    kind: str
    urgency: str
    requester_org_id: int
    addressee_org_id: int
    at: int


E = TypeVar("E", bound=Event)
_InTransaction = Callable[[Connection, Any], None]
_AfterCommit = Callable[[Any], None]


@dataclass(frozen=True, eq=False)
class Subscription:
    """A handler subscribed to one event type; :meth:`cancel` unsubscribes it."""

    event_type: type[Event]
    handler: Callable[..., None]
    in_transaction: bool

    def cancel(self) -> None:
        _bus.remove(self)


class _Bus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Replaced, never mutated: publishers read a snapshot without taking the lock.
        self._subscriptions: tuple[Subscription, ...] = ()

    def add(self, subscription: Subscription) -> Subscription:
        with self._lock:
            self._subscriptions = (*self._subscriptions, subscription)
        return subscription

    def remove(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions = tuple(s for s in self._subscriptions if s is not subscription)

    def handlers(self, event: Event, *, in_transaction: bool) -> list[Callable[..., None]]:
        return [
            s.handler
            for s in self._subscriptions
            if s.in_transaction == in_transaction and isinstance(event, s.event_type)
        ]


_bus = _Bus()


def subscribe_in_transaction(event_type: type[E], handler: Callable[[Connection, E], None]) -> Subscription:
    """Run ``handler(conn, event)`` inside the publishing transaction, before it commits."""
    return _bus.add(Subscription(event_type, handler, in_transaction=True))


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> Subscription:
    """Run ``handler(event)`` after the publishing transaction has committed."""
    return _bus.add(Subscription(event_type, handler, in_transaction=False))


def publish(conn: Connection, event: Event) -> None:
    """Hand ``event`` to its in-transaction subscribers now and to the others after the commit.

    ``conn`` must be the connection of a :func:`~gotong.db.engine.write_transaction`: only there
    is it known when the write commits.
    """
    if not conn.info.get(WRITER):
        raise RuntimeError("events are published inside write_transaction()")
    for handler in _bus.handlers(event, in_transaction=True):
        handler(conn, event)
    conn.info.setdefault(_PENDING, []).append(event)


def take(conn: Connection) -> list[Event]:
    """Remove and return the events published on ``conn`` (its transaction is over)."""
    pending: list[Event] = conn.info.pop(_PENDING, [])
    return pending


def dispatch(committed: list[Event]) -> None:
    """Run the after-commit handlers of events whose transaction committed."""
    for event in committed:
        for handler in _bus.handlers(event, in_transaction=False):
            try:
                handler(event)
            except Exception:  # the write stands; a failed reaction must not look like a failed write
                _log.exception("a handler of %s failed after the commit", type(event).__name__)

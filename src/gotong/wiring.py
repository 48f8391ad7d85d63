"""Where the node is assembled: which domain reacts to which event, and which jobs run while serving.

:func:`wire` subscribes the domains' in-transaction reactions to the write path's events. Both
``create_app`` and the CLI group call it, with the node's settings, before anything is stored:

* :class:`~gotong.core.events.ObjectsStored` → correlation indexes the versions, flags
  warninglist hits and raises regional alerts (``correlation.ingest.Indexer``, configured here
  with the warninglists and the alert window); federation records which peer they came from;
* :class:`~gotong.core.events.ObjectsDeleted` → federation writes the tombstones;
* :class:`~gotong.core.events.ObjectsStored` → the taskforce records each vote, decision and measure
  in the audit log (and refuses one that did not come through its verbs);
* :class:`~gotong.core.events.ObjectsStored` → assistance announces a request sent or acknowledged
  (:class:`~gotong.core.events.AssistanceRequestMoved`) → the contact directory records the notice
  to the addressee's duty desk, and the acknowledgement time its reachability record counts;
* :class:`~gotong.core.events.BudgetBelowMandate` → after the commit, the taskforce tables the
  shortfall on its agenda (once per shortfall; only when ``wire`` is given the node's engine, as the
  app and the CLI give it: the item is written through the store, which needs the engine);
* :class:`~gotong.core.events.MotionDecided` → after the commit, a motion that adopts a proposed
  regional norm adopts it in the norms catalogue (likewise only with the engine).

Subscriptions are process-wide and a process serves one node configuration: calling :func:`wire`
again replaces the earlier wiring (tests make many apps in one process).

:func:`background` is what a serving process runs besides answering requests, from the app's
lifespan: one :class:`~gotong.core.jobs.ThreadRunner` with every domain's jobs (registered in
:func:`background`, one line each; the audit checkpoint is kept once more at shutdown), and the
after-commit reactions that wake the federation push and the change feeds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from gotong.assistance.announce import announce as announce_assistance
from gotong.contacts.notices import record as record_assistance_notice
from gotong.core import events
from gotong.core.events import (
    AssistanceRequestMoved,
    BudgetBelowMandate,
    MotionDecided,
    ObjectsDeleted,
    ObjectsStored,
)
from gotong.core.jobs import JobRunner, ThreadRunner
from gotong.correlation.ingest import Indexer
from gotong.federation.origin import record_origin, record_tombstones
from gotong.norms.adoption import on_motion_decided
from gotong.settings import Settings
from gotong.taskforce.agenda import on_budget_below_mandate
from gotong.taskforce.ledger import record_stored as record_taskforce

if TYPE_CHECKING:
    from gotong.federation.changes import ChangeSignal
    from gotong.sharing.receipts import ReceiptRecorder

__all__ = ["background", "log_to_stderr", "wire"]

_lock = threading.Lock()
_wired: list[events.Subscription] = []


def wire(
    settings: Settings, *, load_now: bool = False, engine: Callable[[], Engine] | None = None
) -> Indexer:
    """Subscribe correlation and federation to the write path's events (replacing an earlier wiring).

    ``load_now`` reads the warninglists at once (the server does, so that a wrong list fails at
    start-up); otherwise they are read at the first write. ``engine`` gives the node's engine to the
    reactions that write through the store after the commit (called only when one runs, so the CLI
    opens no database for a command that stores nothing). Returns the correlation indexer.
    """
    indexer = Indexer(settings=settings)
    if load_now:
        indexer.load()
    with _lock:
        for subscription in _wired:
            subscription.cancel()
        _wired[:] = [
            events.subscribe_in_transaction(ObjectsStored, indexer),
            events.subscribe_in_transaction(ObjectsStored, record_origin),
            events.subscribe_in_transaction(ObjectsDeleted, record_tombstones),
            events.subscribe_in_transaction(ObjectsStored, record_taskforce),
            events.subscribe_in_transaction(ObjectsStored, announce_assistance),
            events.subscribe_in_transaction(AssistanceRequestMoved, record_assistance_notice),
        ]
        if engine is not None:
            _wired.append(events.subscribe(BudgetBelowMandate, on_budget_below_mandate(engine)))
            _wired.append(events.subscribe(MotionDecided, on_motion_decided(engine)))
    return indexer


@contextmanager
def background(
    engine: Engine, settings: Settings, *, receipts: ReceiptRecorder, changes: ChangeSignal
) -> Iterator[JobRunner]:
    """Run the node's jobs until the block ends; wake the push and the change feeds on commits."""
    # Imported here, not at the top: every CLI command imports this module (for wire), and the
    # feed converters behind the scheduler take seconds to import (misp-stix).
    from gotong import checkpoints
    from gotong.assistance import clocks as assistance_clocks
    from gotong.contacts import checks as contact_checks
    from gotong.contacts import notices as contact_notices
    from gotong.contacts import schedule as contact_schedule
    from gotong.correlation import webhooks
    from gotong.exercises import clocks as exercise_clocks
    from gotong.federation import directories as peer_directories
    from gotong.federation import jobs as federation_jobs
    from gotong.federation import witness
    from gotong.feeds import schedule
    from gotong.incidents import clocks as case_clocks
    from gotong.maturity import reminders as maturity_reminders
    from gotong.node import node_key
    from gotong.reports import jobs as report_jobs
    from gotong.taskforce import clocks as taskforce_clocks
    from gotong.training import reminders as training_reminders

    runner = ThreadRunner()
    receipts.register(runner)
    webhooks.register(runner, engine)
    assistance_clocks.register(runner, engine)
    case_clocks.register(runner, engine, settings)
    contact_checks.register(runner, engine, settings)
    contact_schedule.register(runner, engine, settings)
    contact_notices.register(runner, engine, settings)
    if settings.audit_checkpoints:
        checkpoints.register(runner, engine, settings)
    exercise_clocks.register(runner, engine, settings)
    taskforce_clocks.register(runner, engine, key=node_key(settings))
    training_reminders.register(runner, engine, settings)
    maturity_reminders.register(runner, engine, settings)
    report_jobs.register(runner, engine, settings)
    if settings.feed_scheduler:
        schedule.register(runner, engine, interval=settings.feed_poll_seconds)
    if settings.federation:
        federation_jobs.register(
            runner,
            engine,
            poll=settings.federation_poll_seconds,
            pull_every=settings.federation_poll_seconds,
            max_backoff=settings.federation_max_backoff_seconds,
        )
        if settings.audit_checkpoints:
            witness.register(
                runner,
                engine,
                folder=Path(settings.node_key_file).parent,
                every=settings.audit_checkpoint_seconds,
            )
            peer_directories.register(
                runner,
                engine,
                folder=Path(settings.node_key_file).parent,
                every=settings.audit_checkpoint_seconds,
            )

    def changed(event: events.Event) -> None:
        changes.bump(event)
        runner.wake(federation_jobs.PUSH_WAKE)

    def requested(_event: events.Event) -> None:
        runner.wake(contact_notices.JOB)

    reactions = [
        events.subscribe(ObjectsStored, changed),
        events.subscribe(ObjectsDeleted, changed),
        events.subscribe(AssistanceRequestMoved, requested),
    ]
    runner.start()
    try:
        yield runner
    finally:
        for subscription in reactions:
            subscription.cancel()
        runner.stop()
        if settings.audit_checkpoints:
            checkpoints.keep_at_shutdown(engine, settings=settings)


def log_to_stderr() -> None:
    """Show the node's own log lines (``gotong.*``, info and above) on stderr while serving."""
    logger = logging.getLogger("gotong")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)

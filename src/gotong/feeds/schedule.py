"""Running configured feeds on their schedule: claims, and the scheduler job of a serving node.

A feed with an interval is due at ``next_run_at``. A run first *claims* the feed (moves
``next_run_at`` a lease ahead in one write transaction), so two node processes never run the same
feed at once. Success schedules the next run one interval later; failure retries sooner (see
:mod:`gotong.feeds.runs`).

:func:`register` adds the scheduler to a :class:`~gotong.core.jobs.JobRunner`: every
``interval`` seconds it runs the due feeds one after the other. A feed that starts failing is
logged once (named, with the error) and once more when it recovers, not at every retry.
"""

from __future__ import annotations

import logging
import threading

import httpx
from sqlalchemy import Engine, select, update

from gotong.core.jobs import JobRunner
from gotong.core.outbound import outbound_client
from gotong.db.engine import write_transaction
from gotong.feeds.fetch import TIMEOUT
from gotong.feeds.models import feeds
from gotong.feeds.runs import FeedRun, run_feed
from gotong.stix.timestamps import now_micros

__all__ = ["JOB", "claim_due", "register", "run_due"]

JOB = "feeds"
LEASE = 3600 * 1_000_000  # a claimed run that never reports back becomes due again after an hour
_log = logging.getLogger("gotong.feeds")


def claim_due(engine: Engine, *, now: int | None = None) -> list[str]:
    """Claim every enabled feed whose run is due (lease it) and return their names."""
    moment = now if now is not None else now_micros()
    with write_transaction(engine) as conn:
        due = [
            r.name
            for r in conn.execute(
                select(feeds.c.name)
                .where(
                    feeds.c.enabled.is_(True),
                    feeds.c.interval_seconds.is_not(None),
                    feeds.c.next_run_at <= moment,
                )
                .order_by(feeds.c.next_run_at)
            ).all()
        ]
        if due:
            conn.execute(update(feeds).where(feeds.c.name.in_(due)).values(next_run_at=moment + LEASE))
    return due


def run_due(engine: Engine, *, client: httpx.Client | None = None, now: int | None = None) -> list[FeedRun]:
    """Run every due feed once, one after the other; failures and recoveries are logged once each."""
    runs = []
    for name in claim_due(engine, now=now):
        run = run_feed(engine, name, client=client, claimed=True)
        _log_change(run)
        runs.append(run)
    return runs


def _log_change(run: FeedRun) -> None:
    # The feed's row counts its failures in a row, so "once per state change" holds across
    # restarts and across the node's processes.
    if run.outcome == "failed" and run.failed_before == 0:
        _log.warning("feed %s failing: %s", run.name, run.error)
    elif run.outcome == "failed":
        _log.debug("%s (%d failed runs in a row)", run.line(), run.failed_before + 1)
    elif run.failed_before:
        _log.warning("feed %s recovered after %d failed run(s)", run.name, run.failed_before)
    else:
        _log.info("%s", run.line())


def register(runner: JobRunner, engine: Engine, *, interval: float = 5.0) -> None:
    """Run due feeds every ``interval`` seconds on ``runner``."""
    client = outbound_client(timeout=TIMEOUT, follow_redirects=True)

    def run(_stopping: threading.Event) -> None:
        run_due(engine, client=client)

    runner.register(JOB, run, every=interval, on_stop=client.close)

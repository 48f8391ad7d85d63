"""The taskforce's clock as a job of ``core.jobs``: every few minutes it closes the motions whose voting
window has ended (deciding them by their rule and signing the decisions with the node's key) and moves
measures whose follow-up deadline passed without a remedy one rung up the ladder, then publishes every
decision again, so that what a decision does in other domains (a norm adopted) is never lost between
the decision's commit and its reactions."""

from __future__ import annotations

import logging
import threading

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from gotong.core.jobs import HealthLog, JobRunner
from gotong.taskforce.service import close_due, escalate_measures, redeliver_decisions

JOB = "taskforce-clock"
_log = logging.getLogger("gotong.taskforce")


def register(runner: JobRunner, engine: Engine, *, key: Ed25519PrivateKey, interval: float = 300.0) -> None:
    """Run the taskforce's clock every ``interval`` seconds on ``runner``."""
    health = HealthLog(_log)

    def run(_stopping: threading.Event) -> None:
        try:
            close_due(engine, key=key)
            escalate_measures(engine)
            redeliver_decisions(engine)
        except Exception as exc:  # a job keeps running; the log says what failed
            health.failed(JOB, str(exc), exc_info=exc)
        else:
            health.succeeded(JOB)

    runner.register(JOB, run, every=interval)

"""The case clocks as a job of ``core.jobs``: every minute, :func:`check_clocks` records each newly
breached clock of every case once and publishes it (the same shape as the assistance clocks' job),
then :func:`escalate_clocks` takes the escalation ladder's steps that are due for them."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from gotong.core.jobs import HealthLog, JobRunner
from gotong.incidents.clockwork import check_clocks
from gotong.incidents.escalation import escalate_clocks
from gotong.settings import Settings

JOB = "case-clocks"
_log = logging.getLogger("gotong.incidents")


def register(runner: JobRunner, engine: Engine, settings: Settings, *, interval: float = 60.0) -> None:
    """Run the breach check and the escalation every ``interval`` seconds on ``runner``."""
    health = HealthLog(_log)

    def run(_stopping: threading.Event) -> None:
        try:
            check_clocks(engine)
            escalate_clocks(engine, settings=settings)
        except Exception as exc:  # a job keeps running; the log says what failed
            health.failed(JOB, str(exc), exc_info=exc)
        else:
            health.succeeded(JOB)

    runner.register(JOB, run, every=interval)

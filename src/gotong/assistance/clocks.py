"""The assistance clocks as a job of ``core.jobs``: every few minutes, :func:`check_overdue` escalates
urgent requests past a deadline and marks preservations past their expiry as expired."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from gotong.assistance.service import check_overdue
from gotong.core.jobs import HealthLog, JobRunner

JOB = "assistance-overdue"
_log = logging.getLogger("gotong.assistance")


def register(runner: JobRunner, engine: Engine, *, interval: float = 300.0) -> None:
    """Run the overdue check every ``interval`` seconds on ``runner``."""
    health = HealthLog(_log)

    def run(_stopping: threading.Event) -> None:
        try:
            check_overdue(engine)
        except Exception as exc:  # a job keeps running; the log says what failed
            health.failed(JOB, str(exc), exc_info=exc)
        else:
            health.succeeded(JOB)

    runner.register(JOB, run, every=interval)

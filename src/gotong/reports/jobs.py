"""The scheduled reports: a job of :mod:`gotong.core.jobs` that makes the last whole month's and
quarter's report for every organisation with subscribers, once, and mails it to them."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from gotong.core.jobs import HealthLog, JobRunner
from gotong.reports.service import run_scheduled
from gotong.settings import Settings

__all__ = ["JOB", "register"]

JOB = "reports"
_log = logging.getLogger(__name__)


def register(runner: JobRunner, engine: Engine, settings: Settings, *, interval: float = 3600.0) -> None:
    """Look for a report due every ``interval`` seconds on ``runner``."""
    health = HealthLog(_log)

    def run(_stopping: threading.Event) -> None:
        try:
            run_scheduled(engine, settings)
        except Exception as exc:  # a job keeps running; the log says what failed
            health.failed(JOB, str(exc), exc_info=exc)
        else:
            health.succeeded(JOB)

    runner.register(JOB, run, every=interval)

"""The drill clock as a job of ``core.jobs``: every ``interval`` seconds, :func:`tick` sends the injects
that are due in every running exercise and scores what the platform has recorded since."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from gotong.core.jobs import HealthLog, JobRunner
from gotong.exercises.service import tick
from gotong.settings import Settings

JOB = "exercise-clock"
_log = logging.getLogger("gotong.exercises")


def register(runner: JobRunner, engine: Engine, settings: Settings, *, interval: float = 60.0) -> None:
    """Run the drill clock every ``interval`` seconds on ``runner``."""
    health = HealthLog(_log)

    def run(_stopping: threading.Event) -> None:
        try:
            tick(engine, settings=settings)
        except Exception as exc:  # a job keeps running; the log says what failed
            health.failed(JOB, str(exc), exc_info=exc)
        else:
            health.succeeded(JOB)

    runner.register(JOB, run, every=interval)

"""The job runner: every timer of a serving node is a named job registered here, not a thread class.

A job is a function run again and again: every ``every`` seconds, when a trigger it waits on is
woken (``wake_on``), or both. The function receives a stop signal (a long job — following a
peer's live change feed — returns when it is set) and may return how many seconds to wait
before its next run, a wait that wakes do not cut short (a back-off after a failure); ``None``
means the job's interval, or a wake, whichever comes first.

:class:`JobRunner` is the interface the domains register with (feeds, federation, webhooks,
receipts; later SLA clocks, drills, votes). :class:`ThreadRunner` is the in-process
implementation: one thread per job, so a slow job delays only itself; a job that raises is
logged (once per state change, see :class:`HealthLog`) and run again later, never stopping the
runner; :meth:`ThreadRunner.stop` ends every job and waits for them. It is started and stopped
by the application's lifespan (``gotong.wiring.background``).

A wake that arrives while a job runs is kept: the job runs again as soon as it returns, so a
change committed during a push round is never left waiting for the next interval.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["HealthLog", "JobFunction", "JobRunner", "ThreadRunner"]

_log = logging.getLogger("gotong.jobs")

JobFunction = Callable[[threading.Event], float | None]
"""``run(stopping) -> seconds until the next run`` (``None``: the job's interval)."""


class JobRunner(Protocol):
    """Where domains register their background work."""

    def register(
        self,
        name: str,
        run: JobFunction,
        *,
        every: float | None = None,
        wake_on: str | None = None,
        run_at_start: bool = False,
        on_stop: Callable[[], object] | None = None,
        wait_on_stop: bool = True,
    ) -> None:
        """Run ``run`` every ``every`` seconds and/or whenever ``wake_on`` is woken.

        ``run_at_start``: the first run is at once rather than one interval later. ``on_stop``
        runs once after the job's last run (a last flush, closing its client). ``wait_on_stop``:
        whether :meth:`stop` waits for the job's current run to end (a job that may block long
        and loses nothing when cut, like following a live feed, says ``False``).
        """

    def unregister(self, name: str) -> None:
        """Stop the job ``name`` after its current run (nothing if there is none)."""

    def names(self) -> set[str]:
        """The names of the registered jobs."""

    def wake(self, trigger: str) -> None:
        """Run every job that waits on ``trigger`` as soon as it is free."""

    def start(self) -> None: ...

    def stop(self, timeout: float = 10.0) -> None: ...


class HealthLog:
    """Logs failures and recoveries of background work once per state change, not once per retry.

    ``failed(subject, error)`` logs a warning the first time ``subject`` fails (naming it and the
    error); further failures in a row are logged at debug level only. ``succeeded(subject)`` logs
    once that a failing subject recovered (also a warning, so that an operator who saw the
    failure in the default log also sees its end).
    """

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._lock = threading.Lock()
        self._failing: dict[str, int] = {}  # subject -> failures in a row

    def failed(self, subject: str, error: str, *, exc_info: BaseException | None = None) -> None:
        with self._lock:
            count = self._failing.get(subject, 0) + 1
            self._failing[subject] = count
        if count == 1:
            self._logger.warning("%s failing: %s", subject, error, exc_info=exc_info)
        else:
            self._logger.debug("%s still failing (%d in a row): %s", subject, count, error)

    def succeeded(self, subject: str) -> None:
        with self._lock:
            count = self._failing.pop(subject, 0)
        if count:
            self._logger.warning("%s recovered after %d failed attempt(s)", subject, count)

    def failing(self, subject: str) -> bool:
        with self._lock:
            return subject in self._failing


@dataclass(eq=False)
class _Job:
    name: str
    run: JobFunction
    every: float | None
    wake_on: str | None
    run_at_start: bool
    on_stop: Callable[[], object] | None
    wait_on_stop: bool
    stopping: threading.Event = field(default_factory=threading.Event)
    woken: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


class ThreadRunner:
    """Runs each registered job in a thread of its own, in this process."""

    def __init__(self, *, retry_after: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, _Job] = {}
        self._ended: list[_Job] = []  # unregistered while running: stop() still waits for them
        self._started = False
        self._stopped = False
        self._retry_after = retry_after
        self._health = HealthLog(_log)

    def register(
        self,
        name: str,
        run: JobFunction,
        *,
        every: float | None = None,
        wake_on: str | None = None,
        run_at_start: bool = False,
        on_stop: Callable[[], object] | None = None,
        wait_on_stop: bool = True,
    ) -> None:
        if every is None and wake_on is None:
            raise ValueError(f"job {name!r} needs an interval or a trigger")
        job = _Job(name, run, every, wake_on, run_at_start, on_stop, wait_on_stop)
        with self._lock:
            if name in self._jobs:
                raise ValueError(f"a job named {name!r} is registered")
            if not self._stopped:
                self._jobs[name] = job
                if self._started:
                    self._launch(job)
                return
        # Registered (by another job) while the runner stopped: it never runs, but is closed.
        self._finish(job)

    def unregister(self, name: str) -> None:
        with self._lock:
            job = self._jobs.pop(name, None)
            if job is not None:
                self._ended.append(job)
        if job is not None:
            job.stopping.set()
            job.woken.set()

    def names(self) -> set[str]:
        with self._lock:
            return set(self._jobs)

    def wake(self, trigger: str) -> None:
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.wake_on == trigger]
        for job in jobs:
            job.woken.set()

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
            for job in self._jobs.values():
                self._launch(job)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop every job and wait (at most ``timeout`` seconds in all) for those that are waited for."""
        with self._lock:
            jobs = [*self._jobs.values(), *self._ended]
            self._jobs.clear()
            self._ended.clear()
            self._started = False
            self._stopped = True
        for job in jobs:
            job.stopping.set()
            job.woken.set()
        deadline = time.monotonic() + timeout
        for job in jobs:
            if job.thread is None:
                if job.on_stop is not None:  # registered but never started
                    self._finish(job)
                continue
            if job.wait_on_stop:
                job.thread.join(timeout=max(deadline - time.monotonic(), 0.0))
                if job.thread.is_alive():
                    _log.warning("job %s did not stop within %.0f s", job.name, timeout)

    def _launch(self, job: _Job) -> None:
        job.thread = threading.Thread(target=self._loop, args=(job,), name=f"gotong-{job.name}", daemon=True)
        job.thread.start()

    def _loop(self, job: _Job) -> None:
        # ``hold``: seconds to wait that a wake does not cut short (a back-off, or 0 to run now);
        # None: wait for the interval or a wake.
        hold: float | None = 0.0 if job.run_at_start else None
        try:
            while not job.stopping.is_set():
                if hold is not None:
                    if hold > 0 and job.stopping.wait(hold):
                        break
                else:
                    job.woken.wait(timeout=job.every)  # every None: until woken
                    if job.stopping.is_set():
                        break
                job.woken.clear()  # a wake from now on is kept for the next round
                try:
                    hold = job.run(job.stopping)
                except Exception as exc:  # a job's bug is logged and retried; the runner goes on
                    self._health.failed(f"job {job.name}", f"{type(exc).__name__}: {exc}", exc_info=exc)
                    hold = job.every if job.every is not None else self._retry_after
                    continue
                self._health.succeeded(f"job {job.name}")
        finally:
            self._finish(job)

    def _finish(self, job: _Job) -> None:
        if job.on_stop is None:
            return
        try:
            job.on_stop()
        except Exception:
            _log.exception("stopping job %s failed", job.name)

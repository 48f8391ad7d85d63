"""The job runner: intervals, wake-ups that are never lost, failures logged once, clean shutdown."""

from __future__ import annotations

import logging
import threading

import pytest

from gotong.core.jobs import HealthLog, ThreadRunner

LONG = 3600.0  # an interval that never comes round during a test: only wakes run the job


def _wait(event: threading.Event) -> None:
    assert event.wait(30), "the job did not run"


def test_a_job_runs_on_its_interval_and_on_stop_runs_after_its_last_run() -> None:
    runs: list[int] = []
    third = threading.Event()
    finished = threading.Event()

    def job(_stopping: threading.Event) -> None:
        runs.append(len(runs))
        if len(runs) == 3:
            third.set()

    runner = ThreadRunner()
    runner.register("tick", job, every=0.01, on_stop=finished.set)
    runner.start()
    _wait(third)
    runner.stop()
    assert finished.is_set() and len(runs) >= 3
    assert not runner.names()


def test_a_wake_runs_the_job_and_a_wake_during_a_run_is_kept() -> None:
    started, release, second = threading.Event(), threading.Event(), threading.Event()
    runs: list[int] = []

    def job(_stopping: threading.Event) -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            started.set()
            assert release.wait(30)
        else:
            second.set()

    runner = ThreadRunner()
    runner.register("push", job, every=LONG, wake_on="changed")
    runner.register("other", lambda _s: None, every=LONG, wake_on="unrelated")
    runner.start()
    try:
        assert runs == [], "nothing runs before the first wake or interval"
        runner.wake("changed")
        _wait(started)
        runner.wake("changed")  # arrives while the job runs
        release.set()
        _wait(second)
        assert runs == [0, 1]
    finally:
        runner.stop()


def test_a_failing_job_is_logged_once_retried_and_its_recovery_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    attempts: list[int] = []
    recovered = threading.Event()

    def flaky(_stopping: threading.Event) -> None:
        attempts.append(1)
        if len(attempts) <= 3:
            raise ConnectionError("the database went away")
        recovered.set()

    caplog.set_level(logging.WARNING, logger="gotong.jobs")
    runner = ThreadRunner()
    runner.register("flaky", flaky, every=0.01)
    runner.start()
    try:
        _wait(recovered)
    finally:
        runner.stop()
    messages = [r.getMessage() for r in caplog.records if r.name == "gotong.jobs"]
    assert len(attempts) >= 4, "the runner kept running the job after it raised"
    assert messages == [
        "job flaky failing: ConnectionError: the database went away",
        "job flaky recovered after 3 failed attempt(s)",
    ]


def test_unregister_stops_one_job_and_keeps_the_others() -> None:
    stopped, kept = threading.Event(), threading.Event()
    runner = ThreadRunner()
    runner.register("gone", lambda s: None, every=LONG, wake_on="w", on_stop=stopped.set)
    runner.start()
    try:
        runner.unregister("gone")
        _wait(stopped)
        assert runner.names() == set()
        runner.register("later", lambda s: kept.set(), every=LONG, run_at_start=True)
        _wait(kept)  # registered on a running runner: starts at once
    finally:
        runner.stop()


def test_a_job_needs_an_interval_or_a_trigger_and_a_unique_name() -> None:
    runner = ThreadRunner()
    with pytest.raises(ValueError, match="an interval or a trigger"):
        runner.register("idle", lambda s: None)
    runner.register("one", lambda s: None, every=LONG)
    with pytest.raises(ValueError, match="registered"):
        runner.register("one", lambda s: None, every=LONG)
    runner.stop()


def test_the_health_log_says_failing_and_recovered_once_each(caplog: pytest.LogCaptureFixture) -> None:
    log = HealthLog(logging.getLogger("gotong.test"))
    caplog.set_level(logging.DEBUG, logger="gotong.test")
    log.succeeded("peer hub")  # never failed: nothing to say
    for _ in range(3):
        log.failed("peer hub", "connection refused")
    log.failed("feed x", "HTTP 404")
    log.succeeded("peer hub")
    log.succeeded("peer hub")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "peer hub failing: connection refused",
        "feed x failing: HTTP 404",
        "peer hub recovered after 3 failed attempt(s)",
    ]
    assert log.failing("feed x") and not log.failing("peer hub")


def test_a_job_registered_after_stop_never_runs_but_is_closed() -> None:
    ran, closed = threading.Event(), threading.Event()
    runner = ThreadRunner()
    runner.start()
    runner.stop()
    runner.register("late", lambda s: ran.set(), every=0.01, run_at_start=True, on_stop=closed.set)
    assert closed.is_set() and not runner.names()
    assert not ran.is_set(), "a stopped runner starts nothing (the job would have run at once)"

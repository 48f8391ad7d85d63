"""The assessment-cycle reminders job: an organisation whose last published SIM3 assessment is older
than the framework's cycle (12 months) gets one mail through a real SMTP server, never twice; before
the cycle runs out, nothing is sent; the job on the node's runner does the same, and nothing while no
SMTP server is configured."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from gotong.core.auth import Role
from gotong.core.jobs import ThreadRunner
from gotong.db.engine import write_transaction
from gotong.maturity import reminders
from gotong.orgs.service import add_user
from gotong.settings import Settings
from tests.contacts.conftest import smtp_sink
from tests.maturity.conftest import levels, published


def _at(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp() * 1_000_000)


@pytest.fixture
def smtp() -> Iterator[tuple[Settings, list[Any]]]:
    with smtp_sink() as (port, received):
        yield Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="gotong@hub.example"), received


def test_a_run_out_cycle_is_mailed_once_to_the_coordinators(
    engine: Engine, smtp: tuple[Settings, list[Any]]
) -> None:
    settings, received = smtp
    published(engine, "LaoCERT", levels(1), on="2026-06-01")
    with write_transaction(engine) as conn:
        add_user(conn, email="coord@laocert.example", org="LaoCERT", role=Role.COORDINATOR)
        add_user(conn, email="analyst@laocert.example", org="LaoCERT", role=Role.ANALYST)
    assert reminders.send_reminders(engine, settings=settings, now=_at("2027-05-31")) == []
    sent = reminders.send_reminders(engine, settings=settings, now=_at("2027-06-01"))
    assert [(r.org, r.framework, str(r.due_on), r.to) for r in sent] == [
        ("LaoCERT", "sim3-v1", "2027-06-01", ("coord@laocert.example",))
    ]
    assert len(received) == 1
    assert reminders.send_reminders(engine, settings=settings, now=_at("2027-07-01")) == []  # once
    assert len(received) == 1


def _run_once(runner_settings: Settings, engine: Engine, received: list[Any], *, wait: float) -> None:
    runner = ThreadRunner()
    reminders.register(runner, engine, runner_settings, interval=3600)
    assert reminders.JOB in runner.names()
    runner.start()
    try:
        runner.wake(reminders.JOB)
        deadline = time.monotonic() + wait
        while not received and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        runner.stop()


def test_the_job_mails_a_run_out_cycle_on_the_runner_and_nothing_without_mail(
    engine: Engine, smtp: tuple[Settings, list[Any]]
) -> None:
    settings, received = smtp
    two_years_ago = (datetime.now(UTC) - timedelta(days=730)).date().isoformat()
    published(engine, "LaoCERT", levels(1), on=two_years_ago)
    with write_transaction(engine) as conn:
        add_user(conn, email="coord@laocert.example", org="LaoCERT", role=Role.COORDINATOR)
    # Without an SMTP server configured the job runs and sends nothing (and records nothing).
    _run_once(Settings(smtp_host=""), engine, received, wait=2)
    assert received == []
    _run_once(settings, engine, received, wait=60)
    assert [e.rcpt_tos for e in received] == [["coord@laocert.example"]]

"""The assessment-cycle reminders job: an organisation whose last published SIM3 assessment is older
than the framework's cycle (12 months) gets one mail through a real SMTP server, never twice; before
the cycle runs out, nothing is sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from gotong.core.auth import Role
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

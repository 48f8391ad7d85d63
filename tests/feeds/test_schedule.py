"""The feed scheduler's runs: a feed that starts failing is logged once, and once when it recovers."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Engine, update

from gotong.db.engine import write_transaction
from gotong.feeds.models import feeds
from gotong.feeds.registry import add_feed
from gotong.feeds.schedule import run_due
from tests.feeds.httpsource import feed_site
from tests.feeds.test_registry import FEODO
from tests.helpers import REGIONAL


def _due_now(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        conn.execute(update(feeds).values(next_run_at=0))


def test_a_feed_answering_404_is_logged_once_per_state_change(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gotong.feeds")
    with feed_site() as site:
        with write_transaction(engine) as conn:
            add_feed(
                conn,
                name="feodo",
                source=f"{site.url}/feodo.txt",  # not published yet: 404
                fmt="abusech-feodo",
                org="MyCERT",
                collection_id=REGIONAL,
                classification="malicious-code/c2-server",
                interval=600,
            )
        for _ in range(3):
            _due_now(engine)
            [run] = run_due(engine)
            assert run.outcome == "failed" and run.error and "404" in run.error
        warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 1 and warnings[0].startswith("feed feodo failing: ") and "404" in warnings[0]

        site.put("feodo.txt", FEODO.read_bytes())
        for _ in range(2):
            _due_now(engine)
            [run] = run_due(engine)
            assert run.outcome in {"imported", "not-modified"}
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings[1:] == ["feed feodo recovered after 3 failed run(s)"]
    assert sum("feed feodo: " in r.getMessage() for r in caplog.records if r.levelno == logging.INFO) == 1, (
        "the run after the recovery is an ordinary one, logged at info"
    )

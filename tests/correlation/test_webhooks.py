"""Webhook delivery jobs: a webhook that fails is logged once per state change, not per retry."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from gotong.core.jobs import HealthLog
from gotong.correlation.webhooks import add_webhook, deliver_due
from gotong.db.engine import write_transaction
from gotong.stix.timestamps import now_micros
from tests.correlation.test_alerts import _ip, _post


class _Flaky(BaseHTTPRequestHandler):
    status = 500

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def flaky() -> Iterator[tuple[str, type[_Flaky]]]:
    handler = type("Flaky", (_Flaky,), {"status": 500})
    http = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{http.server_address[1]}/hook", handler
    http.shutdown()
    http.server_close()


def test_a_failing_webhook_is_logged_once_and_its_recovery_once(
    engine: Engine, flaky: tuple[str, type[_Flaky]], caplog: pytest.LogCaptureFixture
) -> None:
    url, handler = flaky
    caplog.set_level(logging.INFO, logger="gotong.webhooks")
    with write_transaction(engine) as conn:
        webhook_id, _ = add_webhook(conn, org="LaoCERT", url=url)
    _post(engine, "ThaiCERT", [_ip("198.51.100.9")])
    _post(engine, "MyCERT", [_ip("198.51.100.9")])  # two countries: an alert, queued for LaoCERT
    moment = now_micros()
    health = HealthLog(logging.getLogger("gotong.webhooks"))  # the job's own, as register() makes it
    with httpx.Client(timeout=5) as client:
        for attempt in range(3):
            assert deliver_due(engine, client, now=moment + attempt * 10**12, health=health) == 0
        messages = [r.getMessage() for r in caplog.records if r.name == "gotong.webhooks"]
        assert messages == [f"webhook {webhook_id} ({url}) failing: HTTP 500"]
        handler.status = 204
        assert deliver_due(engine, client, now=moment + 10 * 10**12, health=health) == 1
    messages = [r.getMessage() for r in caplog.records if r.name == "gotong.webhooks"]
    assert messages[1:] == [f"webhook {webhook_id} ({url}) recovered after 3 failed attempt(s)"]

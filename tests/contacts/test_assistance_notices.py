"""An assistance request tells the addressee's duty desk, with a real SMTP server on loopback: the node's
job sends the notice once (a restart sends one recorded before it, and never one already sent); the
addressee's acknowledgement time enters its reachability record, shown to it and the hub only."""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select

from gotong import assistance
from gotong.contacts.models import notices
from gotong.core.auth import Role
from gotong.db.engine import read_connection
from gotong.orgs.service import operator_for
from gotong.stix.timestamps import micros_of
from tests.assistance.conftest import PRESERVATION_FIELDS
from tests.assistance.conftest import Api as AssistanceApi
from tests.conftest import RunningServer, start_server
from tests.contacts.conftest import Api, smtp_sink

BASE_URL = "https://gotong.example"


class Node:
    """A node with an SMTP server on loopback; :meth:`start` and :meth:`stop` restart it."""

    def __init__(self, engine: Engine, port: int) -> None:
        self.engine, self.port = engine, port
        self.running: RunningServer | None = None
        self._server: Any = None
        self._thread: Any = None

    def start(self) -> RunningServer:
        self._server, self._thread, self.running = start_server(
            self.engine, smtp_host="127.0.0.1", smtp_port=self.port, base_url=BASE_URL
        )
        return self.running

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=60)


@pytest.fixture
def node(engine: Engine) -> Iterator[tuple[Node, list[Any]]]:
    with smtp_sink() as (port, received):
        made = Node(engine, port)
        try:
            yield made, received
        finally:
            if made.running is not None and made._thread.is_alive():
                made.stop()


def _text(envelope: Any) -> str:
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    text: str = message.get_body().get_content()  # type: ignore[union-attr]
    return text


def _wait(received: list[Any], count: int) -> None:
    deadline = time.monotonic() + 30
    while len(received) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_request_tells_the_desk_once_and_its_acknowledgement_counts(node: tuple[Node, list[Any]]) -> None:
    made, received = node
    server = made.start()
    my_coordinator = Api(server, "MyCERT", Role.COORDINATOR)
    my_coordinator.ok(
        "POST",
        "/api/v1/contacts",
        201,
        json={"role": "duty-desk", "name": "MyCERT desk", "email": "desk@mycert.example"},
    )
    thai = AssistanceApi(server, "ThaiCERT")
    first = thai.preservation()  # to MyCERT
    _wait(received, 1)
    (mail,) = received
    assert mail.rcpt_tos == ["desk@mycert.example"]
    text = _text(mail)
    assert f"{BASE_URL}/assistance/{first['id']}" in text and "ThaiCERT" in text and "preservation" in text
    assert "Preserve the hosting logs" not in text  # the request itself stays behind its markings

    # A draft tells nobody; the node stops, and a request sent meanwhile is recorded, not sent.
    thai.request(draft=True)
    time.sleep(1)
    assert len(received) == 1
    made.stop()
    with read_connection(server.engine) as conn:
        requester = operator_for(conn, org="ThaiCERT")
    second = assistance.create_request(
        server.engine,
        actor=requester,
        request=assistance.AssistanceCreate(
            addressee="MyCERT", kind="preservation", title="Second", fields=PRESERVATION_FIELDS
        ),
    )
    time.sleep(0.5)
    assert len(received) == 1
    with read_connection(server.engine) as conn:
        statuses = dict(conn.execute(select(notices.c.request_id, notices.c.status)).all())
    assert statuses == {first["id"]: "sent", second.id: "pending"}

    # The restarted node sends the recorded notice, once, and not the one it sent before.
    server = made.start()
    _wait(received, 2)
    time.sleep(1.5)
    assert len(received) == 2 and second.id in _text(received[1]) and "Second" not in _text(received[1])

    # MyCERT acknowledges the first: its record counts the time from sent to acknowledged, exactly.
    my = AssistanceApi(server, "MyCERT")
    acked = my.ok("PATCH", f"/api/v1/assistance/{first['id']}", json={"status": "acknowledged"})
    history = {h["event"]: h["at"] for h in acked["history"]}
    expected = micros_of(history["acknowledged"]) - micros_of(history["sent"])
    (own,) = my.ok("GET", "/api/v1/reachability", params={"org": "MyCERT"})
    assert own["assistance_requests"] == 2 and own["assistance_acknowledged"] == 1
    assert own["assistance_median_ack_micros"] == expected == own["assistance_p90_ack_micros"]
    hub_api, vn_api = AssistanceApi(server, "ASEAN-CERT"), AssistanceApi(server, "VNCERT")
    (hub,) = hub_api.ok("GET", "/api/v1/reachability", params={"org": "MyCERT"})
    assert hub["assistance_requests"] == 2
    (other,) = vn_api.ok("GET", "/api/v1/reachability", params={"org": "MyCERT"})
    assert other["assistance_requests"] is None and other["assistance_median_ack_micros"] is None
    assert other["checks"] == own["checks"]  # the checks' figures are everybody's
    for client in (my_coordinator, thai, my, hub_api, vn_api):
        client.http.close()

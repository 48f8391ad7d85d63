"""Regional alerts: raised when one observable is reported from two countries, shown to each
organisation as far as it may see, delivered to webhooks signed and retried."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from gotong.core.auth import Principal, Role
from gotong.correlation.alerts import alerts_for
from gotong.correlation.webhooks import MAX_ATTEMPTS, add_webhook, deliver_due
from gotong.db.engine import read_connection, write_transaction
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from gotong.sharing.service import load_reader
from gotong.stix.timestamps import now_micros
from tests.conftest import RunningServer, token_for
from tests.helpers import REGIONAL_ID, indicator


def _ip(ip: str, tlp: str = "green") -> dict[str, Any]:
    obj = indicator(tlp=tlp)
    obj["pattern"] = f"[ipv4-addr:value = '{ip}']"
    return obj


def _post(engine: Engine, org: str, objects: list[dict[str, Any]], **kwargs: Any) -> None:
    with engine.connect() as conn:
        who = get_org(conn, short_name=org)
    report = add_objects(
        engine,
        principal=Principal(org_id=who.id, org_short=org),
        collection_id=REGIONAL_ID,
        objects=objects,
        **kwargs,
    )
    assert not report.failures


def _alerts(engine: Engine, org: str) -> list[Any]:
    with read_connection(engine) as conn:
        who = get_org(conn, short_name=org)
        return alerts_for(conn, reader=load_reader(conn, Principal(org_id=who.id)))


def test_two_countries_raise_one_alert_one_country_none(engine: Engine) -> None:
    _post(engine, "ThaiCERT", [_ip("198.51.100.1")])
    _post(engine, "ThaiCERT", [_ip("198.51.100.1")])
    assert _alerts(engine, "ThaiCERT") == []
    _post(engine, "MyCERT", [_ip("198.51.100.1")])
    seen = _alerts(engine, "LaoCERT")
    assert len(seen) == 1 and seen[0].value == "198.51.100.1" and seen[0].countries == ["MY", "TH"]
    assert len(seen[0].objects) == 3
    _post(engine, "SingCERT", [_ip("198.51.100.1")])
    again = _alerts(engine, "LaoCERT")
    assert [a.id for a in again] == [seen[0].id], "the open alert grows instead of a new one"
    assert again[0].countries == ["MY", "SG", "TH"]


def test_a_sighting_from_another_country_raises_an_alert(engine: Engine) -> None:
    target = _ip("198.51.100.2")
    _post(engine, "ThaiCERT", [target])
    sighting = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": "sighting--6b0a4c4e-4e5f-4c2b-9d7e-1a2b3c4d5e6f",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "sighting_of_ref": target["id"],
        "count": 3,
        "object_marking_refs": [target["object_marking_refs"][0]],
    }
    _post(engine, "VNCERT", [sighting])
    found = _alerts(engine, "BruCERT")
    assert len(found) == 1 and found[0].countries == ["TH", "VN"]


def test_a_sighting_that_arrives_before_its_indicator_counts_when_the_indicator_does(engine: Engine) -> None:
    target = _ip("198.51.100.9")
    sighting = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": "sighting--0f5b1d4e-8a3c-4f2e-9b6d-7c1e2a3b4c5d",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "sighting_of_ref": target["id"],
        "count": 2,
        "object_marking_refs": [target["object_marking_refs"][0]],
    }
    _post(engine, "VNCERT", [sighting])
    _post(engine, "ThaiCERT", [target])
    found = _alerts(engine, "BruCERT")
    assert len(found) == 1 and found[0].countries == ["TH", "VN"]


def test_each_organisation_sees_only_what_it_may(engine: Engine) -> None:
    _post(engine, "ThaiCERT", [_ip("198.51.100.3", tlp="red")])
    _post(engine, "MyCERT", [_ip("198.51.100.3", tlp="green")])
    assert _alerts(engine, "LaoCERT") == [], "Lao sees only the Malaysian half: no cross-border fact"
    assert _alerts(engine, "ASEAN-CERT") == [], "the hub is not above the rules"
    thai = _alerts(engine, "ThaiCERT")
    assert len(thai) == 1 and thai[0].countries == ["MY", "TH"]
    malaysia = _alerts(engine, "MyCERT")
    assert len(malaysia) == 1 and malaysia[0].countries == ["MY"], "told of a match, not where"
    assert [o["reported_by"] for o in malaysia[0].objects] == ["MyCERT"]


def test_anonymous_submissions_do_not_count_as_a_country(engine: Engine) -> None:
    _post(engine, "ThaiCERT", [_ip("198.51.100.4")], through_hub=True)
    _post(engine, "MyCERT", [_ip("198.51.100.4")])
    assert _alerts(engine, "LaoCERT") == [], "Thailand's report came through the hub: one country counts"
    # The positive control: a second country that counts raises the alert, and Thailand stays unnamed.
    _post(engine, "VNCERT", [_ip("198.51.100.4")])
    seen = _alerts(engine, "LaoCERT")
    assert [(a.value, a.countries) for a in seen] == [("198.51.100.4", ["MY", "VN"])]
    assert sorted(o["reported_by"] for o in seen[0].objects) == ["(through the hub)", "MyCERT", "VNCERT"]


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, str], bytes]] = []
    failures_left = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        cls = type(self)
        if cls.failures_left > 0:
            cls.failures_left -= 1
            self.send_response(503)
        else:
            cls.received.append((self.path, dict(self.headers), body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"received": [], "failures_left": 0})
    http = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_address[1]}/hook", handler
    http.shutdown()
    http.server_close()


def test_webhooks_are_signed_retried_and_filtered(
    engine: Engine, receiver: tuple[str, type[_Receiver]]
) -> None:
    url, handler = receiver
    with write_transaction(engine) as conn:
        _, lao_secret = add_webhook(conn, org="LaoCERT", url=url)
        add_webhook(conn, org="CamCERT", url=url + "/cam")
    _post(engine, "ThaiCERT", [_ip("198.51.100.5", tlp="green")])
    handler.failures_left = 2
    _post(engine, "MyCERT", [_ip("198.51.100.5", tlp="green")])
    with httpx.Client(timeout=5) as client:
        start = now_micros()
        assert deliver_due(engine, client, now=start) == 0  # two webhooks, both answered 503
        assert deliver_due(engine, client, now=start) == 0, "not due again before the backoff"
        assert deliver_due(engine, client, now=start + 60_000_000) == 2
    assert sorted(path for path, _, _ in handler.received) == ["/hook", "/hook/cam"]
    for _, _, body in handler.received:
        alert = json.loads(body)["alert"]
        assert alert["value"] == "198.51.100.5" and alert["countries"] == ["MY", "TH"]
    _, lao_headers, lao_body = next(r for r in handler.received if r[0] == "/hook")
    expected = "sha256=" + hmac.new(lao_secret.encode(), lao_body, hashlib.sha256).hexdigest()
    assert lao_headers["X-Gotong-Signature"] == expected


def test_a_dead_webhook_gives_up_after_the_last_attempt(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        add_webhook(conn, org="LaoCERT", url="http://127.0.0.1:9/unreachable")
    _post(engine, "ThaiCERT", [_ip("198.51.100.7")])
    _post(engine, "MyCERT", [_ip("198.51.100.7")])
    moment = now_micros()
    with httpx.Client(timeout=2) as client:
        for attempt in range(MAX_ATTEMPTS + 2):
            assert deliver_due(engine, client, now=moment + attempt * 10**12) == 0
    from sqlalchemy import select

    from gotong.correlation.models import webhook_deliveries

    with engine.connect() as conn:
        job = conn.execute(select(webhook_deliveries)).one()
    assert job.attempts == MAX_ATTEMPTS and job.delivered_at is None and "ConnectError" in job.last_error


def test_alerts_over_rest_and_acknowledgement(server: RunningServer) -> None:
    _post(server.engine, "ThaiCERT", [_ip("198.51.100.6")])
    _post(server.engine, "MyCERT", [_ip("198.51.100.6")])
    token = token_for(server.engine, "ASEAN-CERT", role=Role.COORDINATOR)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as hub:
        listed = hub.get("/api/v1/alerts").json()
        assert [a["value"] for a in listed] == ["198.51.100.6"]
        acked = hub.post(f"/api/v1/alerts/{listed[0]['id']}/ack").json()
        assert acked["acknowledged_by"] == "ASEAN-CERT" and acked["acknowledged_at"]
        assert hub.post("/api/v1/alerts/999999/ack").status_code == 404
    thai = {"Authorization": f"Bearer {token_for(server.engine, 'ThaiCERT')}"}
    with httpx.Client(base_url=server.url, headers=thai) as client:
        [mine] = client.get("/api/v1/alerts").json()
        assert mine["acknowledged_by"] is None, "each organisation acknowledges for itself"
        assert client.post(f"/api/v1/alerts/{mine['id']}/ack").json()["acknowledged_by"] == "ThaiCERT"
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as hub:
        assert hub.get("/api/v1/alerts").json()[0]["acknowledged_by"] == "ASEAN-CERT"
        hook = hub.post("/api/v1/webhooks", json={"url": "ftp://nowhere.example/x"})
        assert hook.status_code == 400 and "http" in hook.json()["description"]


def test_the_upgrade_keeps_acknowledgements_given_before_they_were_per_organisation(tmp_path: Any) -> None:
    from alembic import command
    from sqlalchemy import create_engine, text

    from gotong.db.migrate import alembic_config

    old = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(old), "0005")
    with old.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (id, short_name, name, kind, default_tlp, identity_id, created_at)"
                " VALUES (1, 'ThaiCERT', 'ThaiCERT', 'national-cert', 'amber', 'identity--1', 0)"
            )
        )
        conn.execute(
            text("INSERT INTO observables (id, key, kind, value) VALUES (1, 1, 'ipv4-addr', '192.0.2.1')")
        )
        conn.execute(
            text(
                "INSERT INTO alerts (id, observable_id, raised_at, updated_at,"
                " acknowledged_by, acknowledged_at)"
                " VALUES (1, 1, 10, 20, 'ThaiCERT', 30), (2, 1, 10, 20, NULL, NULL)"
            )
        )
    command.upgrade(alembic_config(old), "head")
    with old.connect() as conn:
        rows = conn.execute(
            text("SELECT alert_id, org_id, acknowledged_by, acknowledged_at FROM alert_acknowledgements")
        ).all()
    assert [tuple(r) for r in rows] == [(1, 1, "ThaiCERT", 30)]
    old.dispose()


def test_acknowledgement_times_only_of_alerts_the_asker_may_know_of(engine: Engine) -> None:
    """ThaiCERT and MyCERT know of the alert (each sees its own half and more); LaoCERT does not
    (it sees only the Malaysian half): asked for the same alert, it is told of no acknowledgement."""
    from gotong.correlation import acknowledge_alert, acknowledgement_times

    _post(engine, "ThaiCERT", [_ip("198.51.100.9", tlp="red")])
    _post(engine, "MyCERT", [_ip("198.51.100.9", tlp="green")])
    with write_transaction(engine) as conn:
        thai = Principal(
            org_id=get_org(conn, short_name="ThaiCERT").id, org_short="ThaiCERT", role=Role.ANALYST
        )
        alert = acknowledge_alert(conn, actor=thai, alert_id=_alerts(engine, "ThaiCERT")[0].id)
    with read_connection(engine) as conn:
        lao = Principal(org_id=get_org(conn, short_name="LaoCERT").id, org_short="LaoCERT")
        assert [(a, o) for a, o, _ in acknowledgement_times(conn, actor=thai, alert_ids=[alert.id])] == [
            (alert.id, thai.org_id)
        ]
        assert acknowledgement_times(conn, actor=lao, alert_ids=[alert.id]) == []
        assert acknowledgement_times(conn, actor=thai, alert_ids=[alert.id + 1000, -1]) == []

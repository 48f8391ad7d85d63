"""Reachability checks with real listeners on loopback: a webhook that answers after a delay, one that
never answers (fallback to the alternate, escalation by sweep, the hub's desk told), an SMTP server
whose mail is followed."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from typing import Any

import httpx

from gotong import contacts
from gotong.contacts import CheckCreate, CheckStatus
from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection
from gotong.orgs.service import get_org
from gotong.stix.timestamps import micros_of, now_micros
from tests.conftest import RunningServer
from tests.contacts.conftest import Api, Listener

MINUTE = 60_000_000


def _desk(thai: Api, **fields: Any) -> dict[str, Any]:
    found: dict[str, Any] = thai.ok(
        "POST", "/api/v1/contacts", 201, json={"role": "duty-desk", "name": "Thai desk", **fields}
    )
    return found


def _operator(server: RunningServer, org: str) -> Principal:
    with read_connection(server.engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org)


def test_a_webhook_that_answers_after_a_delay_has_its_response_time_recorded_exactly(
    server: RunningServer, api: Callable[..., Api], listener: Callable[[float | None], Listener]
) -> None:
    hook = listener(0.3)
    thai = api("ThaiCERT")
    desk = _desk(thai, webhook_url=hook.url)
    sent = thai.ok("POST", f"/api/v1/contacts/{desk['id']}/checks", 201, json={"channel": "webhook"})
    assert sent["status"] == "sent" and sent["problem"] is None
    assert hook.acked.wait(30)
    assert hook.acks[0].status_code == 200, hook.acks[0].text
    ack = hook.acks[0].json()

    # The body is signed with the contact's secret, which only the owner (and the hub) is shown.
    headers, body = hook.received[0]
    secret = desk["webhook_secret"]
    assert (
        secret
        and headers[contacts.SIGNATURE_HEADER]
        == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    )
    assert json.loads(body)["check"] == sent["id"]

    (check,) = contacts.list_checks(server.engine, actor=_operator(server, "ThaiCERT"), contact_id=desk["id"])
    assert check.status == CheckStatus.ACKNOWLEDGED and check.acknowledged_at is not None
    exact = micros_of(check.acknowledged_at) - micros_of(check.sent_at)
    assert check.response_micros == exact == ack["response_micros"]
    assert 300_000 <= exact < 30_000_000  # the listener waited 0.3 s before answering

    record = thai.ok("GET", "/api/v1/reachability", params={"org": "ThaiCERT"})[0]
    (mine,) = [c for c in record["contacts"] if c["contact_id"] == desk["id"]]
    assert mine["success_rate"] == 1.0 and mine["last_success"] == check.acknowledged_at
    assert mine["channels"] == [
        {"channel": "webhook", "checks": 1, "successes": 1, "median_micros": exact, "p90_micros": exact}
    ]


def test_an_unanswered_check_falls_back_to_the_alternate_and_is_escalated_to_the_hub(
    server: RunningServer, api: Callable[..., Api], listener: Callable[[float | None], Listener]
) -> None:
    silent, answering, hub_desk = listener(None), listener(0.0), listener(None)
    thai = api("ThaiCERT")
    alternate = _desk(thai, webhook_url=answering.url)
    first = _desk(thai, webhook_url=silent.url, alternates=[alternate["id"]])
    hub = _desk(api("ASEAN-CERT"), webhook_url=hub_desk.url)  # the hub's 24/7 desk hears of escalations
    operator = _operator(server, "ThaiCERT")
    sent_at = now_micros() - 61 * MINUTE  # the duty desk has 60 minutes (data/contacts/roles.toml)
    check = contacts.run_check(
        server.engine,
        actor=operator,
        contact_id=first["id"],
        check=CheckCreate(channel="webhook"),
        settings=server.settings,
        base_url=server.url,
        now=sent_at,
    )
    assert silent.arrived.wait(10) and check.status == CheckStatus.SENT
    token_url = json.loads(silent.received[0][1])["ack_url"]

    # Inside its window the sweep leaves it alone (the control), past it the fallback goes out.
    assert (
        contacts.sweep(
            server.engine, settings=server.settings, now=sent_at + 59 * MINUTE, base_url=server.url
        )
        == []
    )
    assert not answering.arrived.is_set() and not hub_desk.arrived.is_set()
    swept_at = now_micros()
    (fallback,) = contacts.sweep(server.engine, settings=server.settings, now=swept_at, base_url=server.url)
    assert fallback.contact_id == alternate["id"] and fallback.fallback_of == check.id
    assert answering.acked.wait(30) and answering.acks[0].status_code == 200
    # The hub's desk was told, in a body signed with its own secret.
    assert hub_desk.arrived.wait(10) and len(hub_desk.received) == 1
    headers, body = hub_desk.received[0]
    expected = "sha256=" + hmac.new(hub["webhook_secret"].encode(), body, hashlib.sha256).hexdigest()
    assert headers[contacts.SIGNATURE_HEADER] == expected
    told = json.loads(body)
    assert (told["kind"], told["org"], told["role"], told["check"]) == (
        "contact-check-unanswered", "ThaiCERT", "duty-desk", check.id,
    )  # fmt: skip

    (unanswered,) = contacts.list_checks(server.engine, actor=operator, contact_id=first["id"])
    assert unanswered.status == CheckStatus.UNANSWERED
    assert unanswered.escalated_at is not None and micros_of(unanswered.escalated_at) == swept_at
    assert (
        contacts.sweep(server.engine, settings=server.settings, now=swept_at + 1, base_url=server.url) == []
    )
    assert len(hub_desk.received) == 1  # told once

    # Too late: the link of the unanswered check is refused; the hub sees the escalation.
    late = httpx.post(token_url, timeout=30)
    assert late.status_code == 409 and "window has passed" in late.json()["description"]
    record = api("ASEAN-CERT").ok("GET", "/api/v1/reachability", params={"org": "ThaiCERT"})[0]
    assert record["open_escalations"] == 1 and record["checks"] == 2 and record["success_rate"] == 0.5


def test_an_email_check_is_acknowledged_by_following_its_link_once(
    mail_server: tuple[RunningServer, list[Any]],
) -> None:
    server, received = mail_server
    thai = Api(server, "ThaiCERT", Role.COORDINATOR)
    desk = _desk(thai, email="desk@thaicert.example")
    sent = thai.ok("POST", f"/api/v1/contacts/{desk['id']}/checks", 201, json={"channel": "email"})
    assert sent["status"] == "sent", sent
    (mail,) = received
    assert mail.rcpt_tos == ["desk@thaicert.example"]
    message = email.message_from_bytes(mail.content, policy=email.policy.default)
    text = message.get_body().get_content()  # type: ignore[union-attr]
    (link,) = set(re.findall(r"http://127\.0\.0\.1:\d+/api/v1/checks/[A-Za-z0-9_-]+/ack", text))
    first = httpx.post(link, timeout=30)  # no credential at all
    assert first.status_code == 200, first.text
    assert first.json()["check_id"] == sent["id"] and first.json()["response_micros"] > 0
    again = httpx.post(link, timeout=30)
    assert again.status_code == 409 and "good once" in again.json()["description"]
    unknown = httpx.post(link.replace("/ack", "x/ack"), timeout=30)
    assert unknown.status_code == 404
    thai.http.close()


def test_an_email_check_without_an_smtp_server_fails_saying_so(
    server: RunningServer, api: Callable[..., Api]
) -> None:
    thai = api("ThaiCERT")
    desk = _desk(thai, email="desk@thaicert.example")
    sent = thai.ok("POST", f"/api/v1/contacts/{desk['id']}/checks", 201, json={"channel": "email"})
    assert sent["status"] == "failed" and "GOTONG_SMTP_HOST" in sent["problem"]


def test_a_phone_check_is_recorded_with_its_response_time(
    server: RunningServer, api: Callable[..., Api]
) -> None:
    thai = api("ThaiCERT")
    desk = _desk(thai, phone="+66 2 123 4567")
    answered = thai.ok(
        "POST",
        f"/api/v1/contacts/{desk['id']}/checks",
        201,
        json={"channel": "phone", "answered": True, "response_seconds": 12.5},
    )
    assert answered["status"] == "acknowledged" and answered["response_micros"] == 12_500_000
    missed = thai.ok(
        "POST", f"/api/v1/contacts/{desk['id']}/checks", 201, json={"channel": "phone", "answered": False}
    )
    assert missed["status"] == "unanswered" and missed["response_micros"] is None
    problem = thai.refused("POST", f"/api/v1/contacts/{desk['id']}/checks", 400, json={"channel": "phone"})
    assert "answered" in problem
    problem = thai.refused("POST", f"/api/v1/contacts/{desk['id']}/checks", 400, json={"channel": "webhook"})
    assert "no webhook_url" in problem

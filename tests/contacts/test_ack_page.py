"""The acknowledgement page behind a check's e-mail link, with a real SMTP server on loopback: the
page changes nothing on GET (mail scanners follow links), its button acknowledges once with no
sign-in, a second press is a clear 409, an unknown or expired link a clear 404."""

from __future__ import annotations

import email
import email.policy
import re
from typing import Any

import httpx

from gotong import contacts
from gotong.core.auth import Role
from gotong.db.engine import read_connection
from gotong.orgs.service import operator_for
from gotong.stix.timestamps import micros_of
from tests.conftest import RunningServer
from tests.contacts.conftest import Api

MINUTE = 60_000_000


def _mailed_page(server: RunningServer, received: list[Any], thai: Api) -> tuple[dict[str, Any], str]:
    desk = thai.ok(
        "POST",
        "/api/v1/contacts",
        201,
        json={"role": "duty-desk", "name": "Thai desk", "email": "desk@thaicert.example"},
    )
    sent = thai.ok("POST", f"/api/v1/contacts/{desk['id']}/checks", 201, json={"channel": "email"})
    message = email.message_from_bytes(received[-1].content, policy=email.policy.default)
    text = message.get_body().get_content()  # type: ignore[union-attr]
    (link,) = set(re.findall(r"http://127\.0\.0\.1:\d+/checks/[A-Za-z0-9_-]+(?=\s)", text))
    return sent, link


def test_the_mailed_page_acknowledges_once_with_its_button(
    mail_server: tuple[RunningServer, list[Any]],
) -> None:
    server, received = mail_server
    thai = Api(server, "ThaiCERT", Role.COORDINATOR)
    sent, link = _mailed_page(server, received, thai)
    with httpx.Client(timeout=30) as browser:  # no cookie, no token: the link is the credential
        page = browser.get(link)
        assert page.status_code == 200, page.text
        assert "Thai desk" in page.text and "ThaiCERT" in page.text
        assert f'action="{link.removeprefix(server.url)}"' in page.text
        # Reading the page (as a mail scanner does) acknowledged nothing.
        (waiting,) = _checks(server, sent["contact_id"])
        assert waiting.status == "sent" and waiting.acknowledged_at is None

        pressed = browser.post(link)
        assert pressed.status_code == 200, pressed.text
        assert "the check was acknowledged" in pressed.text
        (done,) = _checks(server, sent["contact_id"])
        assert done.status == "acknowledged" and done.response_micros and done.response_micros > 0

        again = browser.post(link)
        assert again.status_code == 409 and "already acknowledged" in again.text
        assert browser.get(link).status_code == 409
        unknown = browser.get(link + "x")
        assert unknown.status_code == 404 and "not one this node sent" in unknown.text
        assert browser.post(link + "x").status_code == 404
    thai.http.close()


def test_an_expired_link_is_a_404_page_that_says_so(mail_server: tuple[RunningServer, list[Any]]) -> None:
    server, received = mail_server
    thai = Api(server, "ThaiCERT", Role.COORDINATOR)
    sent, link = _mailed_page(server, received, thai)
    with httpx.Client(timeout=30) as browser:
        assert browser.get(link).status_code == 200  # positive control: good inside its window
        contacts.sweep(server.engine, settings=server.settings, now=now_after(sent, 61), base_url=server.url)
        expired = browser.get(link)
        assert expired.status_code == 404 and "expired" in expired.text
        pressed = browser.post(link)
        assert pressed.status_code == 404 and "counted unanswered" in pressed.text
    thai.http.close()


def now_after(sent: dict[str, Any], minutes: int) -> int:
    return micros_of(sent["sent_at"]) + minutes * MINUTE


def _checks(server: RunningServer, contact_id: int) -> list[contacts.CheckPublic]:
    with read_connection(server.engine) as conn:
        hub = operator_for(conn, org="ASEAN-CERT")
    return contacts.list_checks(server.engine, actor=hub, contact_id=contact_id)

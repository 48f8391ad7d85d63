"""Reply codes of e-mail checks, with a real SMTP server on loopback: the code printed in the mail,
typed on the public page /ack (no sign-in), acknowledges the check once; a wrong code is refused
saying how many tries are left and is counted, and past the limit even the right code is refused
while the link still works (so guessing is bounded and the desk is not locked out)."""

from __future__ import annotations

import email
import email.policy
import re
from typing import Any

import httpx
import pytest

from gotong import contacts
from gotong.core.auth import Role
from gotong.db.engine import read_connection
from gotong.errors import Conflict, NotFound
from gotong.orgs.service import operator_for
from gotong.stix.timestamps import micros_of
from tests.conftest import RunningServer
from tests.contacts.conftest import Api

MINUTE = 60_000_000


def _mailed(server: RunningServer, received: list[Any]) -> tuple[dict[str, Any], str, str, str]:
    """A new e-mail check: its record, the number and the code its mail prints, and its link."""
    thai = Api(server, "ThaiCERT", Role.COORDINATOR)
    desk = thai.ok(
        "POST",
        "/api/v1/contacts",
        201,
        json={"role": "duty-desk", "name": "Thai desk", "email": "desk@thaicert.example"},
    )
    sent: dict[str, Any] = thai.ok(
        "POST", f"/api/v1/contacts/{desk['id']}/checks", 201, json={"channel": "email"}
    )
    thai.http.close()
    message = email.message_from_bytes(received[-1].content, policy=email.policy.default)
    text = message.get_body().get_content()  # type: ignore[union-attr]
    (number,) = re.findall(r"check number: (\d+)", text)
    (code,) = re.findall(r"reply code: +([A-Z0-9]{4}-[A-Z0-9]{4})", text)
    (page,) = re.findall(r"open (http://127\.0\.0\.1:\d+/ack) and enter", text)
    assert page == f"{server.url}/ack"
    (link,) = set(re.findall(r"http://127\.0\.0\.1:\d+/checks/[A-Za-z0-9_-]+", text))
    return sent, number, code, link


def _status(server: RunningServer, contact_id: int) -> str:
    with read_connection(server.engine) as conn:
        operator = operator_for(conn, org="ThaiCERT")
    (check,) = contacts.list_checks(server.engine, actor=operator, contact_id=contact_id)
    return str(check.status)


def test_the_mailed_code_acknowledges_once_on_the_public_page(
    mail_server: tuple[RunningServer, list[Any]],
) -> None:
    server, received = mail_server
    sent, number, code, _link = _mailed(server, received)
    assert number == str(sent["id"])
    with httpx.Client(base_url=server.url, timeout=30) as browser:  # no cookie, no token
        form = browser.get("/ack")
        assert form.status_code == 200 and 'action="/ack"' in form.text and 'name="code"' in form.text

        wrong = browser.post(
            "/ack", data={"check": number, "code": "AAAA-AAAA" if code != "AAAA-AAAA" else "BBBB-BBBB"}
        )
        assert wrong.status_code == 400
        assert (
            f"This is not the reply code of check {number} (4 more tries before the code is refused)"
            in wrong.text
        )
        assert _status(server, sent["contact_id"]) == "sent"

        typed = code.lower().replace("-", " ")  # as a person may type it: case and separators do not matter
        done = browser.post("/ack", data={"check": f"#{number}", "code": typed})
        assert done.status_code == 200, done.text
        assert "the check was acknowledged" in done.text
        assert _status(server, sent["contact_id"]) == "acknowledged"

        again = browser.post("/ack", data={"check": number, "code": code})
        assert again.status_code == 409 and "already acknowledged: a code is good once" in again.text


def test_guessing_is_limited_and_the_link_still_works(mail_server: tuple[RunningServer, list[Any]]) -> None:
    server, received = mail_server
    sent, number, code, link = _mailed(server, received)
    guesses = [
        g for g in ("AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD", "EEEE-EEEE", "FFFF-FFFF") if g != code
    ]
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        answers = [
            browser.post("/ack", data={"check": number, "code": g}) for g in guesses[: contacts.CODE_TRIES]
        ]
        assert [a.status_code for a in answers] == [400] * contacts.CODE_TRIES
        assert (
            "1 more try before" in answers[-2].text
            and "the code is now refused; use the link" in answers[-1].text
        )
        # Past the limit the right code is refused too, and says what to do instead.
        locked = browser.post("/ack", data={"check": number, "code": code})
        assert locked.status_code == 409 and "no longer taken; use the link in the mail" in locked.text
        assert _status(server, sent["contact_id"]) == "sent"
        # The check itself is not spoiled: its link acknowledges it (the control).
        pressed = browser.post(link.removeprefix(server.url))
        assert pressed.status_code == 200 and _status(server, sent["contact_id"]) == "acknowledged"


def test_a_code_is_refused_clearly_for_what_is_not_a_waiting_email_check(
    mail_server: tuple[RunningServer, list[Any]],
) -> None:
    server, received = mail_server
    sent, _number, code, _link = _mailed(server, received)
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        unknown = browser.post("/ack", data={"check": "9999", "code": code})
        assert unknown.status_code == 404 and "No e-mail check 9999 takes a reply code" in unknown.text
        garbled = browser.post("/ack", data={"check": "seven", "code": code})
        assert garbled.status_code == 400 and "Give the check number of the mail" in garbled.text
    # A phone check has no code to type.
    thai = Api(server, "ThaiCERT", Role.COORDINATOR)
    phone = thai.ok(
        "POST",
        f"/api/v1/contacts/{sent['contact_id']}/checks",
        201,
        json={"channel": "phone", "answered": False},
    )
    thai.http.close()
    with pytest.raises(NotFound, match="takes a reply code"):
        contacts.acknowledge_code(server.engine, check_id=phone["id"], code=code)


def test_a_code_past_its_window_is_refused(mail_server: tuple[RunningServer, list[Any]]) -> None:
    server, received = mail_server
    sent, number, code, _link = _mailed(server, received)
    with read_connection(server.engine) as conn:
        operator = operator_for(conn, org="ThaiCERT")
    (check,) = contacts.list_checks(server.engine, actor=operator, contact_id=sent["contact_id"])
    sent_at, late = micros_of(check.sent_at), micros_of(check.expires_at) + MINUTE
    with pytest.raises(Conflict, match="window has passed"):
        contacts.acknowledge_code(server.engine, check_id=int(number), code=code, now=late)
    done = contacts.acknowledge_code(server.engine, check_id=int(number), code=code, now=sent_at + MINUTE)
    assert done.response_micros == MINUTE  # the control: inside its window the same code is taken


def test_the_reply_code_is_eight_unambiguous_symbols_drawn_from_the_token() -> None:
    codes = {contacts.reply_code(f"token-{i}") for i in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code), code
    assert contacts.reply_code("token-1") == contacts.reply_code("token-1")

"""Challenge and notice mail encrypted to the contact's OpenPGP key, with a real SMTP server (aiosmtpd)
and real keys made by GnuPG: a sound key gets RFC 3156 PGP/MIME whose decrypted body holds the link
that acknowledges the check; an expired, a weak or a sign-only key gets the mail in the clear with the
reason on the check and in the audit log; a contact without a key gets it in the clear (control)."""

from __future__ import annotations

import email
import email.policy
import json
import re
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from gotong import contacts
from gotong.audit.models import audit_log
from gotong.core.auth import Role
from gotong.db.engine import read_connection
from gotong.orgs.service import operator_for
from tests.assistance.conftest import Api as AssistanceApi
from tests.conftest import RunningServer, start_server
from tests.contacts.conftest import Api, KeyPair, make_key, needs_gpg, smtp_sink

pytestmark = needs_gpg

LINK = re.compile(r"https?://[^\s/]+/checks/[A-Za-z0-9_-]+")


def _message(envelope: Any) -> EmailMessage:
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _decrypted_text(message: EmailMessage, key: KeyPair) -> str:
    """RFC 3156: multipart/encrypted of a "Version: 1" control part and the armored ciphertext,
    which decrypts to a MIME entity of its own."""
    assert message.get_content_type() == "multipart/encrypted"
    assert message.get_param("protocol") == "application/pgp-encrypted"
    control, data = message.iter_parts()
    assert control.get_content_type() == "application/pgp-encrypted"
    assert control.get_payload(decode=True).strip() == b"Version: 1"  # type: ignore[union-attr]
    assert data.get_content_type() == "application/octet-stream"
    armored = data.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert armored.startswith("-----BEGIN PGP MESSAGE-----")
    inner = email.message_from_bytes(key.decrypt(armored), policy=email.policy.default)
    assert inner.get_content_type() == "text/plain"
    text: str = inner.get_content()
    return text


def _audit(engine: Engine, action: str) -> list[dict[str, Any]]:
    with read_connection(engine) as conn:
        rows = conn.execute(select(audit_log.c.details).where(audit_log.c.action == action)).scalars()
        return [json.loads(details) for details in rows]


def _check_by_mail(server: RunningServer, **fields: Any) -> dict[str, Any]:
    thai = Api(server, "ThaiCERT", Role.COORDINATOR)
    desk = thai.ok(
        "POST",
        "/api/v1/contacts",
        201,
        json={"role": "duty-desk", "name": "Thai desk", "email": "desk@thaicert.example", **fields},
    )
    sent: dict[str, Any] = thai.ok(
        "POST", f"/api/v1/contacts/{desk['id']}/checks", 201, json={"channel": "email"}
    )
    thai.http.close()
    assert sent["status"] == "sent", sent
    return sent


def test_a_check_to_a_sound_key_is_pgp_mime_and_its_decrypted_link_acknowledges(
    mail_server: tuple[RunningServer, list[Any]], key_pair: KeyPair
) -> None:
    server, received = mail_server
    sent = _check_by_mail(server, pgp_key=key_pair.public)
    assert sent["encrypted_to"] == key_pair.fingerprint and sent["in_clear_because"] is None
    (mail,) = received
    assert mail.rcpt_tos == ["desk@thaicert.example"]
    message = _message(mail)
    assert "reachability check" in message["Subject"]  # the envelope stays readable
    text = _decrypted_text(message, key_pair)
    (page,) = set(LINK.findall(text))
    (code,) = re.findall(r"reply code: +(\S+)", text)
    # Nothing that acknowledges the check is readable in transit: not the link's token, not the code.
    token = page.rsplit("/", 1)[1]
    assert token.encode() not in mail.content and code.encode() not in mail.content
    assert b"/checks/" not in mail.content
    done = httpx.post(page, timeout=30)  # the page's button: no sign-in
    assert done.status_code == 200, done.text
    (ack_url,) = set(re.findall(r"curl -X POST (\S+)", text))
    again = httpx.post(ack_url, timeout=30)
    assert again.status_code == 409 and "good once" in again.json()["description"]
    with read_connection(server.engine) as conn:
        operator = operator_for(conn, org="ThaiCERT")
    (check,) = contacts.list_checks(server.engine, actor=operator, contact_id=sent["contact_id"])
    assert check.status == "acknowledged" and check.encrypted_to == key_pair.fingerprint
    assert _audit(server.engine, "contact.check.sent-in-clear") == []


def test_a_check_to_a_contact_without_a_key_carries_its_link_in_the_clear(
    mail_server: tuple[RunningServer, list[Any]],
) -> None:
    server, received = mail_server
    sent = _check_by_mail(server)
    assert sent["encrypted_to"] is None and sent["in_clear_because"] is None
    (mail,) = received
    message = _message(mail)
    assert message.get_content_type() == "text/plain"
    assert b"/checks/" in mail.content  # the control: the same mail, readable
    (page,) = set(LINK.findall(message.get_content()))
    assert httpx.post(page, timeout=30).status_code == 200
    assert _audit(server.engine, "contact.check.sent-in-clear") == []  # no key: nothing to note


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (
            lambda: make_key("ed25519", expire="1d", faked_time="20200101T000000"),
            "expired at 2020-01-02T00:00:00Z",
        ),
        (lambda: make_key("rsa1024"), "is weak: an RSA key of 1024 bits"),
        (lambda: make_key("ed25519"), "GnuPG could not encrypt"),  # sound, but signs only
    ],
    ids=["expired", "weak", "sign-only"],
)
def test_a_key_that_cannot_be_used_gets_the_mail_in_the_clear_and_says_why(
    mail_server: tuple[RunningServer, list[Any]], make: Any, reason: str
) -> None:
    server, received = mail_server
    sent = _check_by_mail(server, pgp_key=make())
    assert sent["encrypted_to"] is None and reason in sent["in_clear_because"]
    (mail,) = received
    message = _message(mail)
    assert message.get_content_type() == "text/plain" and LINK.search(message.get_content())
    (note,) = _audit(server.engine, "contact.check.sent-in-clear")
    assert note["check"] == sent["id"] and reason in note["reason"]


@pytest.fixture
def notice_node(engine: Engine) -> Iterator[tuple[RunningServer, list[Any]]]:
    with smtp_sink() as (port, received):
        srv, thread, running = start_server(
            engine, smtp_host="127.0.0.1", smtp_port=port, base_url="https://gotong.example"
        )
        try:
            yield running, received
        finally:
            srv.should_exit = True
            thread.join(timeout=60)


def test_an_assistance_notice_to_a_desk_with_a_sound_key_is_encrypted(
    notice_node: tuple[RunningServer, list[Any]], key_pair: KeyPair
) -> None:
    server, received = notice_node
    my = Api(server, "MyCERT", Role.COORDINATOR)
    my.ok(
        "POST",
        "/api/v1/contacts",
        201,
        json={
            "role": "duty-desk",
            "name": "MyCERT desk",
            "email": "desk@mycert.example",
            "pgp_key": key_pair.public,
        },
    )
    thai = AssistanceApi(server, "ThaiCERT")
    request = thai.preservation()  # to MyCERT
    deadline = time.monotonic() + 30
    while not received and time.monotonic() < deadline:
        time.sleep(0.05)
    (mail,) = received
    assert request["id"].encode() not in mail.content
    text = _decrypted_text(_message(mail), key_pair)
    assert f"https://gotong.example/assistance/{request['id']}" in text and "ThaiCERT" in text
    assert _audit(server.engine, "contact.notice.sent-in-clear") == []
    for client in (my, thai):
        client.http.close()

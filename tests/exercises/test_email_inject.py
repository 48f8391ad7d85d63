"""An inject sent by e-mail (issue 19: "injects delivered through Gotong's real channels ... an
e-mail"): the participant's 24/7 desk receives it from a real SMTP server, marked as an exercise in
the subject and the first line, with the page where it acknowledges it; the acknowledgement is
scored as for an inject in the exercise collection. A participant with no desk address gets the
inject on the platform, with the problem named, and misses nothing it could not see."""

from __future__ import annotations

from email import message_from_bytes
from typing import Any

import pytest

from gotong import exercises
from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection
from gotong.errors import Invalid
from gotong.orgs.service import get_org
from gotong.stix.timestamps import now_micros
from tests.conftest import RunningServer
from tests.contacts.conftest import Api, mail_server
from tests.exercises.conftest import HUB

MINUTE = 60_000_000
__all__ = ["mail_server"]  # the fixture: a real SMTP server and a node that mails through it


def _scenario() -> dict[str, Any]:
    return {
        "id": "mail-drill",
        "title": "A drill by e-mail",
        "narrative": "The hub mails every desk a warning; each acknowledges it on the platform.",
        "objectives": [{"id": "ack", "text": "Acknowledge a warning sent by e-mail"}],
        "injects": [
            {
                "id": "warning",
                "offset_minutes": 0,
                "targets": ["all"],
                "channel": "email",
                "objective": "ack",
                "title": "Ransomware warning for the energy sector",
                "content": "This is a drill. A ransomware group is scanning energy operators.",
                "expectations": [
                    {"id": "ack", "kind": "acknowledge", "within_minutes": 30, "points": 10, "rubric": "r"}
                ],
            }
        ],
    }


def test_an_email_inject_reaches_the_desk_marked_and_its_acknowledgement_is_scored(
    mail_server: tuple[RunningServer, list[Any]],
) -> None:
    server, received = mail_server
    clients = [Api(server, org, Role.COORDINATOR) for org in (HUB, "ThaiCERT", "VNCERT")]
    try:
        _drill(server, received, *clients)
    finally:
        for client in clients:
            client.http.close()


def _drill(server: RunningServer, received: list[Any], hub: Api, thai: Api, viet: Api) -> None:
    thai.ok(
        "POST",
        "/api/v1/contacts",
        201,
        json={"role": "duty-desk", "name": "Desk", "email": "desk@thaicert.example"},
    )
    hub.ok("POST", "/api/v1/scenarios", 201, json=_scenario())
    made = hub.ok(
        "POST",
        "/api/v1/exercises",
        201,
        json={"scenario": "mail-drill", "name": "Mail drill", "participants": ["ThaiCERT", "VNCERT"]},
    )
    with read_connection(server.engine) as conn:
        operator = Principal(org_id=get_org(conn, short_name=HUB).id, org_short=HUB)
    t0 = now_micros()
    exercises.start_exercise(server.engine, actor=operator, exercise_id=made["id"], now=t0)
    assert exercises.tick(server.engine, settings=server.settings, base_url=server.url, now=t0) == 2

    assert [e.rcpt_tos for e in received] == [["desk@thaicert.example"]], "VNCERT has no desk to mail"
    mail = message_from_bytes(received[0].content)
    assert mail["Subject"] == "[EXERCISE] Ransomware warning for the energy sector"
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    text = payload.decode()
    assert text.startswith("EXERCISE - this is an inject of the drill 'Mail drill', not a real incident.")
    assert "A ransomware group is scanning energy operators." in text
    assert f"{server.url}/exercises/{made['id']}" in text

    (mine,) = thai.ok("GET", f"/api/v1/exercises/{made['id']}/injects")
    assert mine["channel"] == "email" and not mine.get("problem")
    (theirs,) = viet.ok("GET", f"/api/v1/exercises/{made['id']}/injects")
    assert theirs["problem"] == "no 24/7 desk of this organisation has an e-mail address"
    thai.ok("POST", f"/api/v1/exercises/{made['id']}/injects/{mine['id']}/ack")
    exercises.tick(server.engine, settings=server.settings, base_url=server.url, now=t0 + 31 * MINUTE)

    scores = {s["participant"]: s for s in hub.ok("GET", f"/api/v1/exercises/{made['id']}/scores")["scores"]}
    assert (scores["ThaiCERT"]["total"], scores["VNCERT"]["total"]) == (10, 0)
    assert [r["status"] for r in scores["VNCERT"]["results"]] == ["missed"]


def test_an_expectation_the_channel_cannot_observe_is_refused_naming_the_channels() -> None:
    assert exercises.parse_scenario(_scenario()).injects[0].channel == "email"  # the positive control
    bad = _scenario()
    bad["injects"][0]["expectations"][0]["kind"] = "answer-contact-check"
    with pytest.raises(
        Invalid, match="an expectation of kind answer-contact-check needs the contact-check channel"
    ):
        exercises.parse_scenario(bad)

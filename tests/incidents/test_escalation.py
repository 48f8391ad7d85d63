"""The escalation ladder of a breached clock, on a real database with a real SMTP server (aiosmtpd)
and a real webhook listener on loopback, on a clock the test controls (``now`` in micros).

The lead keeps its own clocks met (the case contained at once, an update every four hours, written
ahead of time: a clock counts only the actions up to its ``now``), so the one clock that breaches is
ThaiCERT's acknowledgement as an informed participant: 12 h at severity 3, 6 h at severity 4.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from gotong import contacts, incidents
from gotong.core import events
from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Forbidden, Invalid
from gotong.incidents.ladder import ladder, parse_ladder
from gotong.orgs.service import get_org
from gotong.settings import Settings
from gotong.sharing.service import add_group
from gotong.stix.timestamps import micros_of
from tests.contacts.conftest import Listener, listener, smtp_sink
from tests.helpers import REGIONAL_ID

__all__ = ["listener"]  # the webhook listener fixture of the contacts tests, used here

HOUR = 3_600_000_000
MINUTE = 60_000_000
OPENED = micros_of("2026-03-10T02:00:00Z")
BASE_URL = "https://gotong.example"
HUB = "ASEAN-CERT"
TITLE = "Ransomware at a port operator"


def _actor(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org)


@pytest.fixture
def mail() -> Iterator[tuple[int, list[Any]]]:
    with smtp_sink() as sink:
        yield sink


@pytest.fixture
def settings(mail: tuple[int, list[Any]]) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=mail[0], base_url=BASE_URL)


def _contact(engine: Engine, org: str, role: str, *, email: str, hook: Listener | None = None) -> str | None:
    """A point of contact of ``org``; the webhook secret that signs what it is sent, when it has a hook."""
    made = contacts.create_contact(
        engine,
        actor=_actor(engine, org),
        contact=contacts.ContactCreate(
            role=role, name=f"{org} {role}", email=email, webhook_url=hook.url if hook else None
        ),
    )
    return made.webhook_secret


def _open(
    engine: Engine,
    *,
    severity: int,
    tlp: str = "amber",
    group: str | None = None,
    informed: tuple[str, ...] = ("ThaiCERT",),
) -> str:
    body = incidents.CaseCreate(
        title=TITLE,
        collection=REGIONAL_ID,
        tlp=tlp,
        sharing_group=group,
        severity=severity,
        participants=[
            incidents.Participant(org=org, role=incidents.ParticipantRole.INFORMED) for org in informed
        ],
    )
    lead = _actor(engine, "SingCERT")
    case_id = incidents.open_case(engine, actor=lead, case=body, now=OPENED).id
    for status, at in (("open", OPENED + MINUTE), ("contained", OPENED + 2 * MINUTE)):
        update = incidents.CaseUpdate(status=status)
        incidents.update_case(engine, actor=lead, case_id=case_id, update=update, now=at)
    for hour in range(4, 60, 4):
        event = incidents.EventCreate(name=f"Recovery, hour {hour}")
        incidents.add_event(engine, actor=lead, case_id=case_id, event=event, now=OPENED + hour * HOUR)
    return case_id


def _run(engine: Engine, settings: Settings, at: int) -> list[incidents.ClockEscalated]:
    """One run of the case-clocks job's work at ``at``."""
    incidents.check_clocks(engine, now=at)
    return incidents.escalate_clocks(engine, settings=settings, now=at)


def _mails(received: list[Any]) -> list[tuple[str, str, str]]:
    """(to, subject, text) of every mail the sink received."""
    found = []
    for envelope in received:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body().get_content()  # type: ignore[union-attr]
        found.append((str(message["To"]), str(message["Subject"]), str(text)))
    return found


def _steps(engine: Engine, case_id: str) -> list[str]:
    case = incidents.get_case(engine, actor=_actor(engine, "SingCERT"), case_id=case_id)
    return [e.name for e in case.events if e.name.startswith(("Escalation", "Severity"))]


def test_a_breach_climbs_the_ladder_each_step_once(
    engine: Engine,
    settings: Settings,
    mail: tuple[int, list[Any]],
    listener: Callable[[float | None], Listener],
) -> None:
    thai_hook, hub_hook = listener(None), listener(None)
    _contact(engine, "SingCERT", "incident-handling", email="ih@singcert.example")
    _contact(engine, "SingCERT", "press", email="press@singcert.example")  # not a role the ladder names
    thai_secret = _contact(engine, "ThaiCERT", "duty-desk", email="desk@thaicert.example", hook=thai_hook)
    _contact(engine, HUB, "duty-desk", email="duty@asean-cert.example", hook=hub_hook)
    case_id = _open(engine, severity=3)
    received = mail[1]
    heard: list[incidents.ClockEscalated] = []
    subscription = events.subscribe(incidents.ClockEscalated, heard.append)
    try:
        assert _run(engine, settings, OPENED + 12 * HOUR - MINUTE) == []  # not due yet
        first = _run(engine, settings, OPENED + 12 * HOUR)
        again = _run(engine, settings, OPENED + 12 * HOUR + MINUTE)
        early = _run(engine, settings, OPENED + 16 * HOUR - MINUTE)
        second = _run(engine, settings, OPENED + 16 * HOUR)
        third = _run(engine, settings, OPENED + 24 * HOUR)
        after = [_run(engine, settings, OPENED + (24 + h) * HOUR + MINUTE) for h in (0, 1, 10)]
    finally:
        subscription.cancel()

    assert [(e.party, e.clock, e.step, e.action) for e in first] == [("ThaiCERT", "acknowledge", 1, "notify")]
    assert again == [] and early == [] and after == [[], [], []]
    assert [(e.step, e.action) for e in second] == [(2, "notify")]
    assert [(e.step, e.action, e.severity) for e in third] == [(3, "raise_severity", 4)]
    assert heard == [*first, *second, *third]

    mails = _mails(received)
    assert sorted(to for to, _, _ in mails) == [
        "desk@thaicert.example",
        "duty@asean-cert.example",
        "ih@singcert.example",
    ]
    _, subject, text = next(m for m in mails if m[0] == "ih@singcert.example")
    assert "Acknowledge of ThaiCERT breached" in subject and "escalation step 1" in subject
    assert f"{BASE_URL}/cases/{case_id}" in text and "2026-03-10T14:00:00.000Z" in text
    assert TITLE not in subject + text  # a TLP:AMBER case's title does not travel by mail
    hub_mail = next(m for m in mails if m[0] == "duty@asean-cert.example")
    assert "escalation step 2" in hub_mail[1]

    ((headers, body),) = thai_hook.received
    assert len(hub_hook.received) == 1
    assert thai_secret is not None
    expected = "sha256=" + hmac.new(thai_secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers[contacts.SIGNATURE_HEADER] == expected
    sent = json.loads(body)
    assert sent["type"] == "gotong-clock-escalation" and sent["case"] == case_id
    assert (sent["party"], sent["clock"], sent["step"], sent["severity"]) == ("ThaiCERT", "acknowledge", 1, 3)
    assert "title" not in sent

    assert _steps(engine, case_id) == [
        "Escalation step 1: Acknowledge of ThaiCERT is 0 h late; notified SingCERT, ThaiCERT "
        "(incident-handling, duty-desk)",
        "Escalation step 2: Acknowledge of ThaiCERT is 4 h late; notified ASEAN-CERT (duty-desk)",
        "Severity raised from 3 (High) to 4 (Regional crisis)",
    ]
    case = incidents.get_case(engine, actor=_actor(engine, "ThaiCERT"), case_id=case_id)
    assert case.severity == 4
    raised = next(e for e in case.events if e.name.startswith("Severity"))
    assert "Escalation step 3" in raised.object["description"]
    # the ladder's records are nobody's action: ThaiCERT's clock is still breached, at step 3
    clocks = incidents.case_clocks(
        engine, actor=_actor(engine, "ThaiCERT"), case_id=case_id, now=OPENED + 30 * HOUR
    )
    (clock,) = [c for c in clocks if c.party == "ThaiCERT"]
    assert all(c.state != incidents.ClockState.BREACHED for c in clocks if c.party == "SingCERT")
    assert clock.state == incidents.ClockState.BREACHED and clock.escalation_step == 3
    assert clock.due == "2026-03-10T08:00:00.000Z"  # 6 h at severity 4: the due time moved, not the breach


def test_the_severity_is_capped_at_the_highest_level(
    engine: Engine, settings: Settings, mail: tuple[int, list[Any]]
) -> None:
    case_id = _open(engine, severity=4)
    taken = _run(engine, settings, OPENED + 30 * HOUR)  # 6 h + 12 h: every step due at once, in order
    assert [(e.step, e.severity) for e in taken] == [(1, 4), (2, 4), (3, 4)]
    names = _steps(engine, case_id)
    assert len(names) == 3
    assert (
        "Escalation step 3: Acknowledge of ThaiCERT is 24 h late; severity stays at 4 (Regional crisis), "
        "the highest"
    ) in names
    # nobody has a contact: the timeline says so, and nothing was sent
    assert "Escalation step 1: Acknowledge of ThaiCERT is 24 h late; notified nobody" in " ".join(names)
    case = incidents.get_case(engine, actor=_actor(engine, "SingCERT"), case_id=case_id)
    first = next(e for e in case.events if e.name.startswith("Escalation step 1"))
    assert "ThaiCERT has no incident-handling or duty-desk contact" in first.object["description"]
    assert case.severity == 4 and mail[1] == []
    assert _run(engine, settings, OPENED + 40 * HOUR) == []


def test_breaches_late_together_raise_the_severity_once(engine: Engine, settings: Settings) -> None:
    case_id = _open(engine, severity=3, informed=("ThaiCERT", "MyCERT"))  # both: acknowledge in 12 h
    taken = _run(engine, settings, OPENED + 30 * HOUR)
    raises = [(e.party, e.severity) for e in taken if e.action == "raise_severity"]
    assert sorted(raises) == [("MyCERT", 4), ("ThaiCERT", 4)]
    case = incidents.get_case(engine, actor=_actor(engine, "SingCERT"), case_id=case_id)
    assert case.severity == 4
    assert [e.name for e in case.events if e.name.startswith("Severity")] == [
        "Severity raised from 3 (High) to 4 (Regional crisis)"
    ]
    already = [e.name for e in case.events if "severity already raised by the ladder at" in e.name]
    assert len(already) == 1
    assert _run(engine, settings, OPENED + 31 * HOUR) == []


def test_a_met_clock_escalates_nothing(
    engine: Engine, settings: Settings, mail: tuple[int, list[Any]]
) -> None:
    _contact(engine, "SingCERT", "incident-handling", email="ih@singcert.example")
    acknowledged = _open(engine, severity=3)
    incidents.acknowledge_case(
        engine, actor=_actor(engine, "ThaiCERT"), case_id=acknowledged, now=OPENED + 11 * HOUR
    )
    forgotten = _open(engine, severity=3)  # the positive control: the same case, not acknowledged
    taken = _run(engine, settings, OPENED + 30 * HOUR)
    assert {e.case_id for e in taken} == {forgotten}
    assert _steps(engine, acknowledged) == []
    assert len(_steps(engine, forgotten)) == 3
    assert incidents.get_case(engine, actor=_actor(engine, "SingCERT"), case_id=acknowledged).severity == 3


def test_an_organisation_that_may_not_see_the_case_is_not_told(
    engine: Engine,
    settings: Settings,
    mail: tuple[int, list[Any]],
    listener: Callable[[float | None], Listener],
) -> None:
    hub_hook = listener(None)
    _contact(engine, HUB, "duty-desk", email="duty@asean-cert.example", hook=hub_hook)
    with write_transaction(engine) as conn:
        add_group(conn, name="port-responders", members=["SingCERT", "ThaiCERT"], owner="SingCERT")
    case_id = _open(engine, severity=3, tlp="amber+strict", group="port-responders")
    taken = _run(engine, settings, OPENED + 16 * HOUR)
    assert [e.step for e in taken] == [1, 2]
    case = incidents.get_case(engine, actor=_actor(engine, "SingCERT"), case_id=case_id)
    second = next(e for e in case.events if e.name.startswith("Escalation step 2"))
    assert second.name.endswith("notified nobody (duty-desk)")
    assert second.object["description"] == "Not told (may not see this case): ASEAN-CERT."
    assert hub_hook.received == [] and mail[1] == []


def test_change_severity_records_the_reason_and_is_the_leads(engine: Engine) -> None:
    case_id = _open(engine, severity=2)
    lead, thai = _actor(engine, "SingCERT"), _actor(engine, "ThaiCERT")
    with pytest.raises(Invalid, match="reason"):
        incidents.change_severity(engine, actor=lead, case_id=case_id, severity=3, reason=" ")
    with pytest.raises(Forbidden, match="only the lead"):
        incidents.change_severity(engine, actor=thai, case_id=case_id, severity=3, reason="worse")
    with pytest.raises(Invalid, match="already"):
        incidents.change_severity(engine, actor=lead, case_id=case_id, severity=2, reason="same")
    case = incidents.change_severity(
        engine, actor=lead, case_id=case_id, severity=1, reason="Only one terminal was hit", now=OPENED + HOUR
    )
    assert case.severity == 1
    event = next(e for e in case.events if e.name.startswith("Severity"))
    assert event.name == "Severity lowered from 2 (Medium) to 1 (Low)"
    assert event.object["description"] == "Only one terminal was hit"
    # a severity changed with the case's other fields is on the timeline too, with the reason given
    update = incidents.CaseUpdate(severity=3, reason="Two more ports report it")
    case = incidents.update_case(engine, actor=lead, case_id=case_id, update=update, now=OPENED + 2 * HOUR)
    severities = [(e.name, e.object["description"]) for e in case.events if e.name.startswith("Severity")]
    assert sorted(severities) == [
        ("Severity lowered from 2 (Medium) to 1 (Low)", "Only one terminal was hit"),
        ("Severity raised from 1 (Low) to 3 (High)", "Two more ports report it"),
    ]
    unchanged = incidents.update_case(
        engine, actor=lead, case_id=case_id, update=incidents.CaseUpdate(severity=3, title="Port ransomware")
    )
    assert len([e for e in unchanged.events if e.name.startswith("Severity")]) == 2  # no change, no event


ROLES = {"duty-desk", "incident-handling"}


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[[step]]\nafter_hours = -1\naction = 'raise_severity'\n", "step 1: after_hours"),
        (
            "[[step]]\nafter_hours = 0\naction = 'page'\n",
            "step 1: action must be one of notify, raise_severity",
        ),
        (
            "[[step]]\nafter_hours = 0\naction = 'notify'\nnotify = ['mayor']\nroles = ['duty-desk']\n",
            "notify",
        ),
        (
            "[[step]]\nafter_hours = 0\naction = 'notify'\nnotify = ['hub']\nroles = ['janitor']\n",
            "'janitor'",
        ),
        ("[[step]]\nafter_hours = 0\naction = 'notify'\nnotify = ['hub']\n", "step 1: roles"),
        (
            "[[step]]\nafter_hours = 4\naction = 'raise_severity'\n"
            "[[step]]\nafter_hours = 2\naction = 'raise_severity'\n",
            "step 2: after_hours 2 must be later than step 1's (4)",
        ),
        (
            "[[step]]\nafter_hours = 1\naction = 'raise_severity'\nroles = ['duty-desk']\n",
            "roles is for a notify",
        ),
        ("[[step]]\nafter_hours = 1\naction = 'raise_severity'\nwhen = 'always'\n", "unknown field 'when'"),
        ("[steps]\n", "unknown table 'steps'"),
        ("", "at least one [[step]]"),
        ("[[step]\n", "not TOML"),
    ],
)
def test_a_malformed_ladder_is_refused_with_the_field_named(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "escalation.toml"
    path.write_text(text)
    with pytest.raises(incidents.LadderError, match=r"escalation\.toml: ") as refused:
        incidents.load_ladder(path, roles=ROLES)
    assert named in str(refused.value)


def test_the_shipped_ladder_notifies_the_lead_then_the_hub_then_raises_severity() -> None:
    steps = ladder()
    assert [(s.after_hours, str(s.action)) for s in steps] == [
        (0, "notify"),
        (4, "notify"),
        (12, "raise_severity"),
    ]
    assert [str(n) for n in steps[1].notify] == ["hub"] and steps[1].roles == ("duty-desk",)
    good = "[[step]]\nafter_hours = 0\naction = 'notify'\nnotify = ['lead']\nroles = ['duty-desk']\n"
    assert parse_ladder(good, source="t", roles=ROLES)[0].roles == ("duty-desk",)  # the control


def test_the_ladder_table_of_the_docs_is_the_data_file() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "incidents.md").read_text("utf-8")
    section = docs.split("## Escalation of a breached clock", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line[:2] == "| " and line[2:3].isdigit()]
    steps = ladder()
    assert len(rows) == len(steps)
    for line, step in zip(rows, steps, strict=True):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[0] == str(step.number)
        assert cells[1] == ("at once" if step.after_hours == 0 else f"{step.after_hours:g} h"), step
        for role in step.roles:
            assert f"*{role}*" in cells[2], (step, role)

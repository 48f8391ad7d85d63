"""The SLA clocks per party on a real database, on a clock the test controls (``now`` in micros)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from gotong import incidents
from gotong.core import events
from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import NotFound
from gotong.incidents import ClockState
from gotong.incidents.sla import calendar_of
from gotong.incidents.worktime import add_working, is_holiday, is_working
from gotong.orgs.service import get_org
from gotong.sharing.service import add_group
from gotong.stix.timestamps import micros_of
from tests.helpers import REGIONAL_ID

SECOND = 1_000_000
HOUR = 3600 * SECOND


def _at(text: str) -> int:
    return micros_of(text)


def _actor(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org)


def _open(engine: Engine, *, severity: int, at: int, tlp: str = "amber", group: str | None = None) -> str:
    body = incidents.CaseCreate(
        title="Ransomware at a port operator",
        collection=REGIONAL_ID,
        tlp=tlp,
        sharing_group=group,
        severity=severity,
        participants=[incidents.Participant(org="ThaiCERT", role=incidents.ParticipantRole.AFFECTED)],
    )
    return incidents.open_case(engine, actor=_actor(engine, "SingCERT"), case=body, now=at).id


def _clock(engine: Engine, case_id: str, party: str, clock: str, now: int) -> incidents.ClockPublic:
    found = incidents.case_clocks(engine, actor=_actor(engine, "SingCERT"), case_id=case_id, now=now)
    return next(c for c in found if c.party == party and c.clock == clock)


OPENED = _at("2026-03-10T02:00:00Z")  # a Tuesday


def test_an_affected_party_that_does_not_acknowledge_is_breached_exactly_at_the_due_time(
    engine: Engine,
) -> None:
    case_id = _open(engine, severity=3, at=OPENED)
    due = OPENED + 2 * HOUR  # severity 3, affected: acknowledge within 2 hours, 24/7
    before = _clock(engine, case_id, "ThaiCERT", "acknowledge", due - SECOND)
    at_due = _clock(engine, case_id, "ThaiCERT", "acknowledge", due)
    assert before.state == ClockState.RUNNING and before.remaining_seconds == 1
    assert not before.business_hours and before.due == "2026-03-10T04:00:00.000Z"
    assert at_due.state == ClockState.BREACHED and at_due.met is None
    # the lead met its own acknowledgement by opening the case; it has no acknowledge clock at all
    lead = incidents.case_clocks(engine, actor=_actor(engine, "SingCERT"), case_id=case_id, now=due)
    assert {c.clock for c in lead if c.party == "SingCERT"} == {
        "first_update",
        "containment",
        "update_interval",
    }


def test_acknowledging_stops_the_clock_as_met(engine: Engine) -> None:
    case_id = _open(engine, severity=3, at=OPENED)
    thai = _actor(engine, "ThaiCERT")
    incidents.acknowledge_case(engine, actor=thai, case_id=case_id, now=OPENED + HOUR)
    later = _clock(engine, case_id, "ThaiCERT", "acknowledge", OPENED + 30 * HOUR)
    assert later.state == ClockState.MET and later.met == "2026-03-10T03:00:00.000Z"
    # an acknowledgement alone is no update: the first-update clock (6 h) still breaches
    assert _clock(engine, case_id, "ThaiCERT", "first_update", OPENED + 6 * HOUR).state == ClockState.BREACHED
    incidents.add_event(
        engine, actor=thai, case_id=case_id, event=incidents.EventCreate(name="Backups checked"),
        now=OPENED + 7 * HOUR,
    )  # fmt: skip
    late = _clock(engine, case_id, "ThaiCERT", "first_update", OPENED + 8 * HOUR)
    assert late.state == ClockState.BREACHED and late.met == "2026-03-10T09:00:00.000Z"  # late stays breached


def test_a_business_hours_clock_skips_the_weekend_and_a_thai_public_holiday(engine: Engine) -> None:
    thailand = calendar_of("TH")
    holiday = datetime(2026, 4, 6, tzinfo=UTC).date()  # Chakri Memorial Day, a Monday
    assert is_holiday(thailand, holiday)
    # Friday 12:30 in Bangkok (05:30 UTC): 4 working hours left on Friday; Saturday, Sunday and the
    # Monday holiday skipped; the other 4 hours run on Tuesday from 08:30 to 12:30 Bangkok time.
    opened = _at("2026-04-03T05:30:00Z")
    case_id = _open(engine, severity=1, at=opened)
    clock = _clock(engine, case_id, "ThaiCERT", "acknowledge", opened)
    assert clock.business_hours and clock.hours == 8 and clock.timezone == "Asia/Bangkok"
    assert clock.due == "2026-04-07T05:30:00.000Z"
    # positive control: the same clock a fortnight later, with no holiday, ends on Monday
    assert add_working(thailand, _at("2026-04-17T05:30:00Z"), 8 * 3600) == _at("2026-04-20T05:30:00Z")
    saturday = _at("2026-04-04T05:00:00Z")
    assert not is_working(thailand, saturday)
    assert _clock(engine, case_id, "ThaiCERT", "acknowledge", saturday).state == ClockState.PAUSED
    assert _clock(engine, case_id, "ThaiCERT", "acknowledge", opened + HOUR).state == ClockState.RUNNING
    one_before = _clock(engine, case_id, "ThaiCERT", "acknowledge", _at(clock.due) - SECOND)
    assert one_before.state == ClockState.RUNNING
    assert _clock(engine, case_id, "ThaiCERT", "acknowledge", _at(clock.due)).state == ClockState.BREACHED


def test_the_breach_is_recorded_and_published_once_across_two_job_runs(engine: Engine) -> None:
    case_id = _open(engine, severity=3, at=OPENED)
    heard: list[incidents.ClockBreached] = []
    subscription = events.subscribe(incidents.ClockBreached, heard.append)
    try:
        assert incidents.check_clocks(engine, now=OPENED + HOUR) == []  # nothing due yet
        first = incidents.check_clocks(engine, now=OPENED + 3 * HOUR)
        second = incidents.check_clocks(engine, now=OPENED + 3 * HOUR + 60 * SECOND)
    finally:
        subscription.cancel()
    assert [(b.party, b.clock, b.lead) for b in first] == [("ThaiCERT", "acknowledge", "SingCERT")]
    assert second == [] and heard == first
    case = incidents.get_case(engine, actor=_actor(engine, "ThaiCERT"), case_id=case_id)
    assert [e.name for e in case.events] == [
        "Clock breached: Acknowledge of ThaiCERT (affected) was due 2026-03-10T04:00:00.000Z"
    ]
    clock = _clock(engine, case_id, "ThaiCERT", "acknowledge", OPENED + 4 * HOUR)
    assert clock.state == ClockState.BREACHED and clock.breach_recorded
    # the job's record, written in the lead's name, does not count as the lead's update
    assert _clock(engine, case_id, "SingCERT", "first_update", OPENED + 4 * HOUR).state == ClockState.BREACHED


def test_closing_the_case_stops_its_running_clocks(engine: Engine) -> None:
    case_id = _open(engine, severity=3, at=OPENED)
    lead = _actor(engine, "SingCERT")
    incidents.update_case(
        engine, actor=lead, case_id=case_id, update=incidents.CaseUpdate(status="rejected"), now=OPENED + HOUR
    )
    assert _clock(engine, case_id, "ThaiCERT", "acknowledge", OPENED + 5 * HOUR).state == ClockState.STOPPED
    # the lead's rejection was its first update, before the 4 h target
    assert _clock(engine, case_id, "SingCERT", "first_update", OPENED + 5 * HOUR).state == ClockState.MET


def test_nobody_learns_a_clock_of_a_case_it_may_not_see(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        add_group(conn, name="port-responders", members=["SingCERT", "ThaiCERT"], owner="SingCERT")
    case_id = _open(engine, severity=3, at=OPENED, tlp="amber+strict", group="port-responders")
    incidents.check_clocks(engine, now=OPENED + 3 * HOUR)
    thai, my = _actor(engine, "ThaiCERT"), _actor(engine, "MyCERT")
    later = OPENED + 3 * HOUR
    assert incidents.case_clocks(engine, actor=thai, case_id=case_id, now=later)  # positive control
    with pytest.raises(NotFound):
        incidents.case_clocks(engine, actor=my, case_id=case_id, now=later)
    day = {"since": "2026-03-10T00:00:00Z", "until": "2026-03-11T00:00:00Z"}
    assert incidents.clock_counts(engine, actor=thai, **day, now=later).breached == 1
    assert incidents.clock_counts(engine, actor=my, **day, now=later).breached == 0
    assert [c.party for _, c in incidents.breached_clocks(engine, actor=thai, now=later)] == ["ThaiCERT"]
    assert incidents.breached_clocks(engine, actor=my, now=later) == []


def test_clock_counts_per_period(engine: Engine) -> None:
    case_id = _open(engine, severity=3, at=OPENED)
    sg = _actor(engine, "SingCERT")
    incidents.add_event(
        engine, actor=sg, case_id=case_id, event=incidents.EventCreate(name="Scope known"), now=OPENED + HOUR
    )
    later = OPENED + 5 * HOUR
    counts = incidents.clock_counts(
        engine, actor=sg, since="2026-03-10T00:00:00Z", until="2026-03-10T06:00:00Z", now=later
    )
    # due in the period: ThaiCERT's acknowledge (04:00, breached) and SingCERT's first update (06:00 is
    # outside), so one breached and none met; the lead's first update falls in the next hour
    assert (counts.met, counts.breached) == (0, 1)
    wider = incidents.clock_counts(
        engine, actor=sg, since="2026-03-10T00:00:00Z", until="2026-03-10T07:00:00Z", now=later
    )
    assert (wider.met, wider.breached) == (1, 1)


def test_the_targets_table_of_the_docs_is_the_data_file() -> None:
    from pathlib import Path

    from gotong.incidents.sla import rules_for

    docs = (Path(__file__).parents[2] / "docs" / "incidents.md").read_text("utf-8")
    section = docs.split("## SLA clocks per party", 1)[1].split("\n## ", 1)[0]
    rows = {int(line[2]): line for line in section.splitlines() if line[:2] == "| " and line[2:3].isdigit()}
    assert sorted(rows) == [0, 1, 2, 3, 4]
    for level, line in rows.items():
        cells = [c.strip() for c in line.strip("|").split("|")]
        for cell, role in zip(cells[1:5], ("lead", "affected", "assisting", "informed"), strict=True):
            wanted = ", ".join(f"{r.name.lower()} {r.hours:g}" for r in rules_for(level, role)) or "—"
            assert cell == wanted, (level, role)


def test_the_sitrep_holds_the_clocks_and_only_the_entries_the_reader_may_see(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        add_group(conn, name="port-responders", members=["SingCERT", "ThaiCERT"], owner="SingCERT")
    case_id = _open(engine, severity=3, at=OPENED)
    sg = _actor(engine, "SingCERT")
    incidents.add_event(
        engine, actor=sg, case_id=case_id, event=incidents.EventCreate(name="Ransom note found"),
        now=OPENED + HOUR,
    )  # fmt: skip
    hidden = incidents.EventCreate(
        name="Negotiator hired", tlp="amber+strict", sharing_group="port-responders"
    )
    incidents.add_event(engine, actor=sg, case_id=case_id, event=hidden, now=OPENED + HOUR)
    later = OPENED + 3 * HOUR
    thai = incidents.sitrep(engine, actor=_actor(engine, "ThaiCERT"), case_id=case_id, now=later)
    mine = incidents.sitrep(engine, actor=_actor(engine, "MyCERT"), case_id=case_id, now=later)
    assert "Negotiator hired" in thai and "Ransom note found" in thai  # positive control
    assert "Negotiator hired" not in mine and "Ransom note found" in mine
    assert "ThaiCERT (affected), Acknowledge: **breached**, due 2026-03-10T04:00:00.000Z" in mine
    assert mine.startswith("# Situation report: Ransomware at a port operator")

"""The reachability record: success rates, out of hours in the contact's own time zone, percentiles."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from gotong import contacts
from gotong.contacts import CheckCreate, ContactCreate
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.orgs.service import get_org
from gotong.settings import Settings
from gotong.stix.timestamps import to_micros


def _at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return to_micros(datetime(year, month, day, hour, minute, tzinfo=UTC))


def test_business_hours_are_read_in_the_contacts_time_zone() -> None:
    bangkok = {
        "timezone": "Asia/Bangkok",
        "business_hours": {"days": [0, 1, 2, 3, 4], "start": "09:00:00", "end": "17:00:00"},
    }
    # Wednesday 2026-12-02 03:00 UTC is 10:00 in Bangkok: inside; 11:00 UTC is 18:00 there: outside.
    assert contacts.in_business_hours(bangkok, _at(2026, 12, 2, 3, 0))
    assert not contacts.in_business_hours(bangkok, _at(2026, 12, 2, 11, 0))
    assert not contacts.in_business_hours(bangkok, _at(2026, 12, 5, 3, 0))  # a Saturday
    assert contacts.in_business_hours({}, _at(2026, 12, 2, 10, 0))  # default: weekdays 9-17 UTC


def test_nearest_rank_percentile() -> None:
    assert contacts.nearest_rank([], 0.9) is None
    assert contacts.nearest_rank([5], 0.9) == 5
    assert contacts.nearest_rank(list(range(1, 11)), 0.9) == 9
    assert contacts.nearest_rank(list(range(1, 12)), 0.9) == 10


def test_the_record_counts_the_last_checks_in_and_out_of_hours(engine: Engine) -> None:
    with read_connection(engine) as conn:
        thai = get_org(conn, short_name="ThaiCERT")
    actor = Principal(org_id=thai.id, org_short="ThaiCERT")
    desk = contacts.create_contact(
        engine,
        actor=actor,
        contact=ContactCreate(role="duty-desk", name="Desk", phone="+66 2 123 4567", timezone="Asia/Bangkok"),
    )
    settings = Settings()

    def phone(at: int, seconds: float | None) -> None:
        check = CheckCreate(channel="phone", answered=seconds is not None, response_seconds=seconds)
        contacts.run_check(
            engine, actor=actor, contact_id=desk.id, check=check, settings=settings, base_url="", now=at
        )

    phone(_at(2026, 11, 30, 3, 0), 10.0)  # Monday 10:00 Bangkok: in hours
    phone(_at(2026, 11, 30, 4, 0), 20.0)
    phone(_at(2026, 11, 30, 5, 0), 30.0)
    phone(_at(2026, 11, 30, 15, 0), 40.0)  # 22:00 Bangkok: out of hours, answered
    phone(_at(2026, 11, 30, 16, 0), None)  # 23:00 Bangkok: out of hours, missed
    (record,) = contacts.reachability(engine, actor=actor, org="ThaiCERT")
    (mine,) = record.contacts
    assert mine.checks == 5 and mine.success_rate == 0.8
    assert mine.out_of_hours_checks == 2 and mine.out_of_hours_success_rate == 0.5
    (stats,) = mine.channels
    assert (stats.checks, stats.successes) == (5, 4)
    assert stats.median_micros == 25_000_000 and stats.p90_micros == 40_000_000
    assert mine.last_success == "2026-11-30T15:00:40.000000Z"
    # Only the last N decided checks count: the last two are the two out of hours.
    (recent,) = contacts.reachability(engine, actor=actor, org="ThaiCERT", last=2)
    assert recent.contacts[0].success_rate == 0.5 and recent.contacts[0].out_of_hours_checks == 2


def test_a_fallback_without_a_public_url_fails_saying_so(engine: Engine) -> None:
    from gotong.contacts import issue
    from gotong.contacts.service import contact_row
    from gotong.db.engine import write_transaction

    with read_connection(engine) as conn:
        thai = get_org(conn, short_name="ThaiCERT")
    actor = Principal(org_id=thai.id, org_short="ThaiCERT")
    backup = contacts.create_contact(
        engine,
        actor=actor,
        contact=ContactCreate(role="duty-desk", name="Backup", email="b@thaicert.example"),
    )
    first = contacts.create_contact(
        engine,
        actor=actor,
        contact=ContactCreate(
            role="duty-desk", name="Desk", email="d@thaicert.example", alternates=[backup.id]
        ),
    )
    sent = _at(2026, 12, 1, 0, 0)
    with write_transaction(engine) as conn:
        issue(conn, contact_row(conn, first.id), contacts.Channel.EMAIL, now=sent)
    (fallback,) = contacts.sweep(engine, settings=Settings(), now=sent + 61 * 60_000_000)
    assert fallback.contact_id == backup.id and fallback.status == contacts.CheckStatus.FAILED
    assert fallback.problem is not None and "GOTONG_BASE_URL" in fallback.problem

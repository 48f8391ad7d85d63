"""Evidence from Gotong's assistance records: the response times a report on norm (h)/(d) is offered
are computed from the requests the member received in the cycle, with a clock the test sets."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from gotong import assistance, norms
from gotong.assistance import AssistanceCreate, AssistanceUpdate, RequestStatus
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.norms import ReportCreate
from gotong.orgs.service import get_org
from gotong.stix.timestamps import to_micros

HOUR = 3600 * 1_000_000
START = to_micros(datetime(2026, 3, 2, 9, tzinfo=UTC))


def _as(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org)


def _ask(engine: Engine, requester: str, addressee: str, at: int, urgency: str = "routine") -> str:
    body = AssistanceCreate(
        addressee=addressee,
        kind="information",
        title=f"{requester} asks {addressee}",
        urgency=urgency,
        fields={"question": "Who operates 198.51.100.23?"},
    )
    return assistance.create_request(engine, actor=_as(engine, requester), request=body, now=at).id


def _move(engine: Engine, org: str, request_id: str, status: RequestStatus, at: int) -> None:
    update = AssistanceUpdate(status=status)
    assistance.update_request(engine, actor=_as(engine, org), request_id=request_id, update=update, now=at)


def test_response_times_come_from_the_requests_the_member_received_in_the_cycle(engine: Engine) -> None:
    # Routine information: acknowledge within 24 h, answer within 120 h (data/assistance/kinds.toml).
    fast = _ask(engine, "ThaiCERT", "VNCERT", START)
    _move(engine, "VNCERT", fast, RequestStatus.ACKNOWLEDGED, START + 2 * HOUR)
    _move(engine, "VNCERT", fast, RequestStatus.ANSWERED, START + 10 * HOUR)
    slow = _ask(engine, "MyCERT", "VNCERT", START + HOUR)
    _move(engine, "VNCERT", slow, RequestStatus.ACKNOWLEDGED, START + 31 * HOUR)  # 30 h: late
    _move(engine, "VNCERT", slow, RequestStatus.ANSWERED, START + 131 * HOUR)  # 130 h: late
    _ask(engine, "LaoCERT", "VNCERT", START + 2 * HOUR)  # still waiting
    _ask(engine, "VNCERT", "ThaiCERT", START)  # sent by VNCERT: not received
    last_year = to_micros(datetime(2025, 12, 30, tzinfo=UTC))
    old = _ask(engine, "ThaiCERT", "VNCERT", last_year)  # another cycle
    _move(engine, "VNCERT", old, RequestStatus.ACKNOWLEDGED, last_year + 100 * HOUR)

    report = norms.create_report(engine, actor=_as(engine, "VNCERT"), report=ReportCreate(cycle="2026"))
    found = norms.get_report(engine, actor=_as(engine, "VNCERT"), report_id=report.id)
    offered = {o.item: o for o in found.offered}
    assert offered["h2"].source == offered["d3"].source == "assistance"
    assert offered["h2"].figures == {
        "received": 3,
        "acknowledged": 2,
        "answered": 2,
        "acknowledged_on_time": 1,
        "answered_on_time": 1,
        "median_hours_to_acknowledge": 16.0,  # median of 2 h and 30 h
        "median_hours_to_answer": 70.0,  # median of 10 h and 130 h
    }
    assert "3 assistance requests received" in offered["h2"].text
    assert offered["k2"].source == "contacts"


def test_the_figures_count_only_what_the_reader_may_see(engine: Engine) -> None:
    """The taskforce is no party to the requests: its view of the same report offers no requests."""
    request = _ask(engine, "ThaiCERT", "VNCERT", START)
    _move(engine, "VNCERT", request, RequestStatus.ACKNOWLEDGED, START + HOUR)
    report = norms.create_report(engine, actor=_as(engine, "VNCERT"), report=ReportCreate(cycle="2026"))
    mine = norms.get_report(engine, actor=_as(engine, "VNCERT"), report_id=report.id)
    theirs = norms.get_report(engine, actor=_as(engine, "ASEAN-TF"), report_id=report.id)
    assert next(o for o in mine.offered if o.item == "h2").figures["received"] == 1
    assert next(o for o in theirs.offered if o.item == "h2").figures["received"] == 0

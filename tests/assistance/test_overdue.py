"""The clocks with time under control: which requests are overdue, an urgent one escalated to the hub
once, a routine one only listed, and a preservation past its expiry marked expired (``now`` is passed
in, never slept for)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from gotong import assistance
from gotong.assistance import AssistanceCreate, AssistanceUpdate, RequestStatus
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.orgs.service import get_org
from gotong.stix.timestamps import now_micros
from tests.assistance.conftest import PRESERVATION_FIELDS

HOUR = 3600 * 1_000_000
DAY = 24 * HOUR


def _as(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org)


def _ask(engine: Engine, at: int, **fields: Any) -> str:
    body = AssistanceCreate(
        addressee="MyCERT",
        kind=fields.pop("kind", "information"),
        title=fields.pop("title", "Who runs 198.51.100.23?"),
        fields=fields.pop("fields", {"question": "Who operates 198.51.100.23?"}),
        **fields,
    )
    return assistance.create_request(engine, actor=_as(engine, "ThaiCERT"), request=body, now=at).id


def test_an_unanswered_urgent_request_escalates_once_and_a_routine_one_is_only_listed(engine: Engine) -> None:
    start = now_micros()
    urgent = _ask(engine, start, urgency="urgent", title="urgent")
    routine = _ask(engine, start, urgency="routine", title="routine")
    thai = _as(engine, "ThaiCERT")
    # urgent information: acknowledge within 2 hours; routine: within 24 (data/assistance/kinds.toml)
    assert assistance.overdue_requests(engine, actor=thai, now=start + 1 * HOUR) == []
    late = assistance.overdue_requests(engine, actor=thai, now=start + 3 * HOUR)
    assert [(o.request.id, o.missed) for o in late] == [(urgent, "acknowledge")]

    found = assistance.check_overdue(engine, now=start + 3 * HOUR)
    assert [o.request.id for o in found] == [urgent]
    escalated = assistance.get_request(engine, actor=thai, request_id=urgent)
    assert escalated.escalated
    last = escalated.history[-1]
    assert (last.event, last.by, last.status) == ("escalated", "gotong", RequestStatus.SENT)
    assert "escalated to the hub" in last.reason and "acknowledge" in last.reason
    # the addressee sees the escalation too (the change keeps the request's audience)
    assert assistance.get_request(engine, actor=_as(engine, "MyCERT"), request_id=urgent).escalated

    later = assistance.check_overdue(engine, now=start + 30 * HOUR)  # both overdue now; escalated once
    assert {o.request.id for o in later} == {urgent, routine}
    history = assistance.get_request(engine, actor=thai, request_id=urgent).history
    assert [h.event for h in history].count("escalated") == 1
    assert not assistance.get_request(engine, actor=thai, request_id=routine).escalated
    # an organisation that is no party sees none of it (positive control: the addressee sees both)
    assert assistance.overdue_requests(engine, actor=_as(engine, "LaoCERT"), now=start + 30 * HOUR) == []
    mine = assistance.overdue_requests(engine, actor=_as(engine, "MyCERT"), now=start + 30 * HOUR)
    assert {o.request.id for o in mine} == {urgent, routine}


def test_an_acknowledged_request_is_overdue_only_past_its_answer_deadline(engine: Engine) -> None:
    start = now_micros()
    request_id = _ask(engine, start, urgency="urgent")
    my = _as(engine, "MyCERT")
    ack = AssistanceUpdate(status=RequestStatus.ACKNOWLEDGED)
    assistance.update_request(engine, actor=my, request_id=request_id, update=ack, now=start + HOUR)
    assert assistance.overdue_requests(engine, actor=my, now=start + 23 * HOUR) == []
    late = assistance.overdue_requests(engine, actor=my, now=start + 25 * HOUR)
    assert [(o.request.id, o.missed) for o in late] == [(request_id, "answer")]
    answer = AssistanceUpdate(status=RequestStatus.ANSWERED)
    assistance.update_request(engine, actor=my, request_id=request_id, update=answer, now=start + 26 * HOUR)
    assert assistance.overdue_requests(engine, actor=my, now=start + 30 * HOUR) == []


def test_a_preservation_past_its_expiry_is_marked_expired_and_a_renewed_one_is_not(engine: Engine) -> None:
    start = now_micros()
    kept = dict(kind="preservation", fields=PRESERVATION_FIELDS)
    lapsing = _ask(engine, start, title="lapsing", **kept)
    renewed = _ask(engine, start, title="renewed", **kept)
    my, thai = _as(engine, "MyCERT"), _as(engine, "ThaiCERT")
    for request_id in (lapsing, renewed):
        for status in (RequestStatus.ACKNOWLEDGED, RequestStatus.ANSWERED):
            update = AssistanceUpdate(status=status)
            assistance.update_request(
                engine, actor=my, request_id=request_id, update=update, now=start + HOUR
            )
    assistance.update_request(
        engine, actor=thai, request_id=renewed, update=AssistanceUpdate(renew=True), now=start + 50 * DAY
    )
    assistance.check_overdue(engine, now=start + 59 * DAY)  # not yet
    assert assistance.get_request(engine, actor=thai, request_id=lapsing).status == RequestStatus.ANSWERED
    assistance.check_overdue(engine, now=start + 62 * DAY)
    expired = assistance.get_request(engine, actor=thai, request_id=lapsing)
    assert expired.status == RequestStatus.EXPIRED
    assert (expired.history[-1].event, expired.history[-1].by) == ("expired", "gotong")
    assert "preservation ended" in expired.history[-1].reason
    assert assistance.get_request(engine, actor=thai, request_id=renewed).status == RequestStatus.ANSWERED

"""The assistance knowledge as data, the public verbs, and the pair group that keeps a request
between its two parties."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from gotong import assistance
from gotong.assistance import KINDS, Kind, Urgency
from gotong.db.engine import write_transaction
from gotong.sharing.service import set_members
from tests.assistance.conftest import ASSISTANCE


def test_every_kind_has_deadlines_for_every_urgency_and_the_preservation_its_six_fields() -> None:
    for info in KINDS.values():
        assert set(info.acknowledge_hours) == set(Urgency) == set(info.answer_hours), info.kind
        for urgency in Urgency:  # an acknowledgement is due before the answer
            assert info.acknowledge_hours[urgency] < info.answer_hours[urgency], (info.kind, urgency)
    preservation = KINDS[Kind.PRESERVATION]
    assert [f.letter for f in preservation.fields if f.required] == ["a", "b", "c", "d", "e", "f"]
    assert (preservation.preservation_days, preservation.renewal_days) == (60, 60)
    choices = next(f.choices for f in KINDS[Kind.TECHNICAL].fields if f.name == "assistance_type")
    assert set(choices) == {"analysis", "takedown", "sinkholing", "blocking", "log-request"}


def test_the_public_verbs_are_pinned() -> None:
    assert {n for n in assistance.__all__ if n[0].islower()} == {
        "add_message",
        "allowed_next",
        "check_overdue",
        "create_request",
        "get_request",
        "list_requests",
        "overdue_requests",
        "update_request",
    }
    assert all(hasattr(assistance, name) for name in assistance.__all__)


def test_a_pair_group_that_grew_is_not_used_for_a_new_request(engine: Engine, api: Any) -> None:
    th, lao = api("ThaiCERT"), api("LaoCERT")
    first = th.request()  # makes the group of ThaiCERT and MyCERT
    with write_transaction(engine) as conn:
        set_members(conn, name=first["audience"], add=["LaoCERT"])
    problem = th.refused("POST", ASSISTANCE, 400, json={
        "addressee": "MyCERT", "kind": "information", "title": "x", "fields": {"question": "?"},
    })  # fmt: skip
    assert "no longer holds just the two parties" in problem and "LaoCERT" in problem
    assert lao.ok("GET", ASSISTANCE) != []  # the control: the grown group does widen the first request

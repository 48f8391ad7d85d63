"""The demo taskforce: ten seats held, one open motion and one decided (signed with the key given),
made once; and the demo's budget shortfall on its agenda, however the demo is loaded."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from gotong import taskforce
from gotong.audit import public_key_b64
from gotong.demo import load_demo
from gotong.settings import Settings
from gotong.wiring import wire
from tests.taskforce.conftest import operator


def test_the_demo_seats_the_ten_states_with_one_open_and_one_decided_motion(engine: Engine) -> None:
    key = Ed25519PrivateKey.generate()
    first = load_demo(engine, key=key)
    assert "demo taskforce: 10 seats held, 1 review, 2 motions" in first
    tf = operator(engine)
    assert all(s.holder for s in taskforce.list_seats(engine, actor=tf))
    motions = taskforce.list_motions(engine, actor=tf)
    assert sorted(m.status for m in motions) == ["adopted", "open"]
    decided = next(m for m in motions if m.status == "adopted")
    assert decided.statement is not None
    assert taskforce.verify_decision(decided.statement, public_key=public_key_b64(key))
    again = load_demo(engine, key=key)
    assert "demo taskforce" not in again  # a second load adds nothing
    assert len(taskforce.list_motions(engine, actor=tf)) == 2


def test_the_demo_tables_vncerts_budget_shortfall_once(engine: Engine) -> None:
    load_demo(engine)  # not wired: the demo subscribes the taskforce while it files the budgets
    [item] = taskforce.list_agenda(engine, actor=operator(engine))
    assert (item.member, item.state, item.years, item.status) == ("VNCERT", "VN", [2025, 2026], "tabled")
    assert [i.id for i in taskforce.list_agenda(engine, actor=operator(engine, "VNCERT"))] == [item.id]
    assert taskforce.list_agenda(engine, actor=operator(engine, "ThaiCERT")) == []
    load_demo(engine)
    assert taskforce.list_agenda(engine, actor=operator(engine)) == [item]


def test_the_wired_demo_tables_the_shortfall_once(engine: Engine) -> None:
    wire(Settings(warninglists=""), engine=lambda: engine)  # as `gotong init --demo` is
    load_demo(engine)
    assert [i.member for i in taskforce.list_agenda(engine, actor=operator(engine))] == ["VNCERT"]

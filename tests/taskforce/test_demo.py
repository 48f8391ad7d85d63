"""The demo taskforce: ten seats held, one open motion and one decided (signed with the key given),
made once."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from gotong import taskforce
from gotong.audit import public_key_b64
from gotong.demo import load_demo
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

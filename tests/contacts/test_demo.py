"""The demo has a 24/7 duty desk for every organisation of the preset, made through the contacts verb."""

from __future__ import annotations

from sqlalchemy import Engine

from gotong import contacts
from gotong.db.engine import read_connection
from gotong.demo import load_demo
from gotong.orgs.service import list_orgs, operator_for


def test_every_organisation_gets_one_duty_desk_once(engine: Engine) -> None:
    first = load_demo(engine)
    again = load_demo(engine)
    with read_connection(engine) as conn:
        orgs = [o.short_name for o in list_orgs(conn)]
        thai = operator_for(conn, org="ThaiCERT")
    assert f"demo duty desks: {len(orgs)} new" in first
    assert "demo duty desks: 0 new" in again  # a second load adds none
    desks = contacts.list_contacts(engine, actor=thai)
    assert sorted(d.org for d in desks) == sorted(orgs)
    assert all(d.role == "duty-desk" for d in desks)
    vn = next(d for d in desks if d.org == "VNCERT")
    assert vn.email == "duty@vncert.example"  # a member reads another member's duty e-mail
    assert vn.timezone == "Asia/Ho_Chi_Minh"

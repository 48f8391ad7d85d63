"""The shared reminder loop: each organisation with a manager is asked for its notices, each notice is
mailed once (through a real SMTP server on loopback) to the coordinators and admins, and recorded in
the audit log under the action given; an organisation without a manager is not asked."""

from __future__ import annotations

from sqlalchemy import Engine, select

from gotong.audit import audit_log
from gotong.core.auth import Role
from gotong.db.engine import read_connection, write_transaction
from gotong.orgs.reminders import Notice, Sent, remind_managers
from gotong.orgs.service import Organisation, add_user
from gotong.settings import Settings
from tests.contacts.conftest import smtp_sink


def test_each_notice_goes_once_to_the_managers_of_the_organisations_that_have_them(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        add_user(conn, email="admin@laocert.example", org="LaoCERT", role=Role.ADMIN)
        add_user(conn, email="coord@laocert.example", org="LaoCERT", role=Role.COORDINATOR)
        add_user(conn, email="analyst@laocert.example", org="LaoCERT", role=Role.ANALYST)
        add_user(conn, email="analyst@mycert.example", org="MyCERT", role=Role.ANALYST)
    asked: list[str] = []

    def notices(org: Organisation) -> list[Notice[int]]:
        asked.append(org.short_name)
        return [Notice(about=n, subject=f"{org.short_name}/{n}", title=f"n{n}", text="...\n") for n in (1, 2)]

    with smtp_sink() as (port, received):
        settings = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="gotong@hub.example")
        sent = remind_managers(engine, settings=settings, action="test.reminder", notices=notices)
        managers = ("admin@laocert.example", "coord@laocert.example")
        assert sent == [Sent("LaoCERT", 1, managers), Sent("LaoCERT", 2, managers)]
        assert asked == ["LaoCERT"]  # MyCERT has only an analyst: not asked
        assert [sorted(e.rcpt_tos) for e in received] == [list(managers)] * 2
        assert remind_managers(engine, settings=settings, action="test.reminder", notices=notices) == []
        assert len(received) == 2  # once
    with read_connection(engine) as conn:
        query = select(audit_log.c.subject).where(audit_log.c.action == "test.reminder")
        subjects = conn.execute(query).scalars()
        assert sorted(subjects) == ["LaoCERT/1", "LaoCERT/2"]

"""``gotong training``, run as a real subprocess against a real database."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from gotong.core.auth import Role
from gotong.db.engine import make_engine, write_transaction
from gotong.orgs.service import add_user
from tests.cli.test_cli import fails, ok
from tests.contacts.conftest import smtp_sink


@pytest.fixture
def node(database_url: str) -> str:
    ok(database_url, "init", "--preset", "asean")
    return database_url


def test_a_course_enrolment_completion_and_compliance_from_the_command_line(node: str) -> None:
    today = datetime.now(UTC).date().isoformat()  # a session that starts today: open and completable
    made = json.loads(
        ok(
            node, "training", "course", "add", "--org", "SingCERT", "--title", "Incident handling",
            "--format", "in-person", "--hours", "16", "--level", "basic", "--topic", "incident-handling",
            "--session", f"{today},{today},1,Singapore", "--json",
        )
    )  # fmt: skip
    assert made["provider"] == "SingCERT" and made["sim3"] == ["H-5"]
    assert "1 of 1 seats left" in ok(node, "training", "course", "list", "--org", "LaoCERT")
    assert "incident-handling" in ok(node, "training", "require")
    enrolled = json.loads(
        ok(
            node, "training", "enrol", "--org", "LaoCERT", "--course", made["id"], "--session", "s1",
            "--participant", "a@laocert.example", "--json",
        )
    )  # fmt: skip
    problem = fails(
        node, "training", "enrol", "--org", "MyCERT", "--course", made["id"], "--session", "s1",
        "--participant", "a@mycert.example",
    )  # fmt: skip
    assert "session s1 is full: all 1 seats are held" in problem
    assert "only the course's provider attests" in fails(
        node, "training", "complete", "--org", "LaoCERT", enrolled["id"]
    )
    done = ok(node, "training", "complete", "--org", "SingCERT", enrolled["id"], "--on", today)
    assert "completed" in done and "attested by SingCERT" in done
    assert enrolled["id"] not in ok(node, "training", "enrolments", "--org", "MyCERT")
    assert enrolled["id"] in ok(node, "training", "enrolments", "--org", "ASEAN-CERT")
    mine = ok(node, "training", "compliance", "--org", "LaoCERT")
    assert "incident-handling" in mine and "(1 of 2)" in mine and "overdue" in mine
    assert "not shown to you" in fails(node, "training", "compliance", "--org", "MyCERT", "--of", "LaoCERT")
    assert "--session 'x'" in fails(
        node, "training", "course", "add", "--org", "SingCERT", "--title", "T", "--format", "in-person",
        "--hours", "1", "--level", "basic", "--topic", "internal", "--session", "x",
    )  # fmt: skip


def test_remind_mails_each_unmet_requirement_once(node: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(node)
    try:
        with write_transaction(engine) as conn:
            add_user(conn, email="coord@laocert.example", org="LaoCERT", role=Role.COORDINATOR)
    finally:
        engine.dispose()
    assert "GOTONG_SMTP_HOST is not set" in fails(node, "training", "remind")
    with smtp_sink() as (port, received):
        monkeypatch.setenv("GOTONG_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("GOTONG_SMTP_PORT", str(port))
        sent = ok(node, "training", "remind").splitlines()
        # LaoCERT has no completion: every requirement is overdue; no other organisation has a manager
        assert sent and all(line.startswith("LaoCERT  ") for line in sent)
        assert all(line.endswith(" overdue: mailed coord@laocert.example") for line in sent)
        assert any(" incident-handling " in line for line in sent)
        assert len(received) == len(sent)
        assert ok(node, "training", "remind") == ""  # sent once
        assert len(received) == len(sent)


def test_a_course_is_edited_from_the_command_line_never_below_its_held_seats(node: str) -> None:
    made = json.loads(
        ok(
            node, "training", "course", "add", "--org", "SingCERT", "--title", "Incident handling",
            "--format", "in-person", "--hours", "16", "--level", "basic", "--topic", "incident-handling",
            "--session", "2030-05-06,2030-05-07,3,Singapore", "--json",
        )
    )  # fmt: skip
    for who in ("a@laocert.example", "b@laocert.example"):
        ok(
            node, "training", "enrol", "--org", "LaoCERT", "--course", made["id"], "--session", "s1",
            "--participant", who,
        )  # fmt: skip
    problem = fails(
        node, "training", "course", "edit", made["id"], "--org", "SingCERT", "--session", "s1,,,1"
    )
    assert "sessions.0.seats: session s1 has 2 seats held by enrolments; it cannot have fewer (1)" in problem
    assert "\n" not in problem.strip()  # one line
    problem = fails(node, "training", "course", "edit", made["id"], "--org", "MyCERT", "--title", "Mine now")
    assert "only the course's provider or the hub edits a course" in problem
    edited = ok(
        node, "training", "course", "edit", made["id"], "--org", "SingCERT",
        "--title", "Incident handling II", "--language", "ms",
        "--session", "s1,2030-05-13,2030-05-14,5,Kuala Lumpur",
    )  # fmt: skip
    assert "Incident handling II (SingCERT, basic, in-person, ms)" in edited
    assert "s1  2030-05-13 to 2030-05-14  5 seats  Kuala Lumpur" in edited

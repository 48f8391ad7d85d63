"""``gotong assistance``, run as a real subprocess against a real database."""

from __future__ import annotations

import json

import pytest

from tests.assistance.conftest import PRESERVATION_FIELDS
from tests.cli.test_cli import fails, ok


@pytest.fixture
def node(database_url: str) -> str:
    ok(database_url, "init", "--preset", "asean")
    return database_url


def test_request_list_show_and_answer_from_the_command_line(node: str) -> None:
    def given(fields: dict[str, str]) -> list[str]:
        return [arg for k, v in fields.items() for arg in ("--field", f"{k}={v}")]

    fields = given(PRESERVATION_FIELDS)
    without_c = given({k: v for k, v in PRESERVATION_FIELDS.items() if k != "data_to_preserve"})
    problem = fails(
        node, "assistance", "request", "--org", "ThaiCERT", "--to", "MyCERT", "--kind", "preservation",
        "--title", "Preserve the logs", *without_c,
    )  # fmt: skip
    assert "fields.data_to_preserve" in problem and "(c)" in problem
    made = json.loads(
        ok(
            node, "assistance", "request", "--org", "ThaiCERT", "--to", "MyCERT", "--kind", "preservation",
            "--title", "Preserve the logs", "--urgency", "urgent", *fields, "--json",
        )
    )  # fmt: skip
    assert made["status"] == "sent" and made["preserved_until"]
    request_id = made["id"]
    assert request_id in ok(node, "assistance", "list", "--org", "MyCERT", "--role", "addressee")
    assert request_id not in ok(node, "assistance", "list", "--org", "LaoCERT")
    assert "no assistance request" in fails(node, "assistance", "show", "--org", "LaoCERT", request_id)
    assert "only the addressee" in fails(node, "assistance", "answer", "--org", "ThaiCERT", request_id)
    ok(node, "assistance", "status", "--org", "MyCERT", request_id, "acknowledged")
    ok(node, "assistance", "renew", "--org", "ThaiCERT", request_id)
    ok(
        node,
        "assistance",
        "answer",
        "--org",
        "MyCERT",
        request_id,
        "--text",
        "Preserved until further notice",
    )
    shown = ok(node, "assistance", "show", "--org", "ThaiCERT", request_id)
    assert "status answered" in shown and "renewed by ThaiCERT" in shown
    assert "message" in shown and "Preserved until further notice" in shown
    assert "preservation" in ok(node, "assistance", "kinds")
    assert ok(node, "assistance", "overdue") == ""  # nothing is late yet

"""``gotong contact``, run as a real subprocess against a real database."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import fails, ok


@pytest.fixture
def node(database_url: str) -> str:
    ok(database_url, "init", "--preset", "asean")
    return database_url


def test_add_list_check_and_reachability(node: str) -> None:
    made = json.loads(
        ok(node, "contact", "add", "--org", "ThaiCERT", "--role", "duty-desk", "--name", "Thai desk",
           "--phone", "+66 2 123 4567", "--timezone", "Asia/Bangkok",
           "--services", "Vulnerability coordination", "--visibility", "phone=hub", "--json")
    )  # fmt: skip
    assert made["visibility"]["phone"] == "hub" and made["services"] == ["Vulnerability coordination"]
    listed = ok(node, "contact", "list", "--org", "MyCERT")
    assert "Thai desk" in listed and "+66" not in listed
    checked = ok(node, "contact", "check", "--org", "ThaiCERT", str(made["id"]), "--channel", "phone",
                 "--answered", "--response-seconds", "30")  # fmt: skip
    assert "acknowledged" in checked
    assert "success 100%" in ok(node, "contact", "reachability", "--org", "MyCERT", "--of", "ThaiCERT")


def test_problems_are_one_line(node: str) -> None:
    assert "unknown role" in fails(
        node, "contact", "add", "--org", "ThaiCERT", "--role", "janitor", "--name", "x"
    )
    assert "FIELD=public|members|hub" in fails(
        node, "contact", "add", "--org", "ThaiCERT", "--role", "press", "--name", "x", "--visibility", "phone"
    )
    assert "no contact 999" in fails(
        node,
        "contact",
        "check",
        "--org",
        "ThaiCERT",
        "999",
        "--channel",
        "phone",
        "--answered",
        "--response-seconds",
        "1",
    )
    assert "GOTONG_BASE_URL" in fails(
        node, "contact", "check", "--org", "ThaiCERT", "1", "--channel", "webhook"
    )

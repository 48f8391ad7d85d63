"""The ``gotong`` command, run as a real subprocess against a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.forkclient import forked
from tests.helpers import REGIONAL, indicator


def gotong(database_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``gotong ARGS`` as its own process against ``database_url``."""
    return command({**os.environ, "GOTONG_DATABASE_URL": database_url}, *args, stdin=stdin)


def command(
    env: dict[str, str], *args: str, stdin: str | None = None, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``gotong ARGS`` as its own process with exactly ``env``, in ``cwd``: forked from the tests'
    fork server (tests/cli/forkserver.py), or a new ``python -m gotong`` with ``GOTONG_TEST_CLI=spawn``."""
    if os.environ.get("GOTONG_TEST_CLI") == "spawn":
        return spawned(env, *args, stdin=stdin, cwd=cwd, timeout=timeout)
    return forked(env, *args, stdin=stdin, cwd=cwd, timeout=timeout)


def spawned(
    env: dict[str, str], *args: str, stdin: str | None = None, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``python -m gotong ARGS``, a new interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "gotong", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        cwd=cwd,
        timeout=timeout,
    )


def ok(database_url: str, *args: str) -> str:
    result = gotong(database_url, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def fails(database_url: str, *args: str) -> str:
    """Run a command that must fail with one line on stderr saying why (no traceback)."""
    result = gotong(database_url, *args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def node(database_url: str) -> str:
    ok(database_url, "init", "--preset", "asean")
    return database_url


def test_init_is_idempotent_and_creates_the_asean_network(database_url: str) -> None:
    first = ok(database_url, "init", "--preset", "asean")
    assert "created organisations: ASEAN-CERT, BruCERT" in first
    second = ok(database_url, "init", "--preset", "asean")
    assert "created organisations" not in second
    orgs = json.loads(ok(database_url, "org", "list", "--json"))
    assert len(orgs) == 12
    countries = {o["short_name"]: o["country"] for o in orgs}
    assert countries["ThaiCERT"] == "TH" and countries["VNCERT"] == "VN" and countries["ASEAN-CERT"] is None
    assert [o["kind"] for o in orgs].count("national-cert") == 10
    collections = json.loads(ok(database_url, "collection", "list", "--json"))
    assert {c["alias"] for c in collections} == {"asean-regional", "gotong-definitions"}


def test_org_user_and_token_commands(node: str) -> None:
    ok(
        node,
        "org",
        "add",
        "TH-BANK-CSIRT",
        "--name",
        "Thai banking sector CSIRT",
        "--country",
        "th",
        "--kind",
        "constituent",
        "--parent",
        "ThaiCERT",
    )
    orgs = {o["short_name"]: o for o in json.loads(ok(node, "org", "list", "--json"))}
    assert orgs["TH-BANK-CSIRT"]["parent"] == "ThaiCERT" and orgs["TH-BANK-CSIRT"]["country"] == "TH"
    ok(node, "user", "add", "analyst@thaicert.example", "--org", "ThaiCERT", "--role", "analyst")
    token = ok(node, "token", "create", "--org", "ThaiCERT", "--user", "analyst@thaicert.example")
    assert token.strip().startswith("gtg_") and token.count("\n") == 1 and len(token.strip()) > 40
    listed = json.loads(ok(node, "token", "list", "--org", "ThaiCERT", "--json"))
    assert [(t["user"], t["role"], t["revoked_at"]) for t in listed] == [
        ("analyst@thaicert.example", "analyst", None)
    ]
    assert token.strip() not in json.dumps(listed), "a token list never shows the secret"
    assert "revoked token" in ok(node, "token", "revoke", token.strip())
    assert json.loads(ok(node, "token", "list", "--org", "ThaiCERT", "--json"))[0]["revoked_at"]
    assert "no such token" in fails(node, "token", "revoke", "gtg_not-a-token")
    too_much = fails(
        node, "token", "create", "--org", "ThaiCERT", "--user", "analyst@thaicert.example", "--role", "admin"
    )
    assert "more rights" in too_much


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("org", "add", "X Y", "--name", "bad short name"), "short name"),
        (("org", "add", "NEW", "--name", "n", "--country", "THA"), "ISO 3166"),
        (("org", "add", "ThaiCERT", "--name", "again"), "already exists"),
        (("org", "add", "NEW", "--name", "n", "--parent", "Nobody"), "no organisation"),
        (("user", "add", "not-an-email", "--org", "ThaiCERT", "--role", "analyst"), "e-mail"),
        (("token", "create", "--org", "Nobody"), "no organisation"),
        (("collection", "add", "x", "--readers", "Nobody"), "no organisation"),
        (("group", "add", "g", "--members", "Nobody"), "no organisation"),
        (("export", "--org", "ThaiCERT", "--added-after", "yesterday"), "added_after"),
        (("import", "/no/such/file.json", "--org", "ThaiCERT"), "no such file"),
        (("org", "set-default-tlp", "ThaiCERT", "purple"), "unknown TLP"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(node: str, args: tuple[str, ...], words: str) -> None:
    assert words.lower() in fails(node, *args).lower()


def test_commands_before_init_say_so(database_url: str) -> None:
    assert "gotong init" in fails(database_url, "org", "list")


def test_bad_database_url_is_one_line(tmp_path: Path) -> None:
    assert "database URL" in fails("mysql://nowhere/db", "org", "list")


def test_import_reports_each_rejection_and_exits_1(node: str, tmp_path: Path) -> None:
    good = [indicator() for _ in range(3)]
    bad = indicator(valid_until="2020-01-01T00:00:00.000Z")
    bundle = tmp_path / "bundle.json"
    bundle.write_text(
        json.dumps(
            {"type": "bundle", "id": "bundle--0b7c3e5e-1111-4000-8000-000000000000", "objects": [*good, bad]}
        )
    )
    result = gotong(node, "import", str(bundle), "--org", "ThaiCERT", "--collection", REGIONAL)
    assert result.returncode == 1
    assert f"rejected {bad['id']}" in result.stderr and "valid_until" in result.stderr
    assert "imported: 3 accepted, 0 already present, 1 rejected" in result.stderr
    again = gotong(node, "import", str(bundle), "--org", "ThaiCERT", "--collection", REGIONAL)
    assert "0 accepted, 3 already present, 1 rejected" in again.stderr


def test_import_of_a_truncated_file_keeps_what_was_read(node: str, tmp_path: Path) -> None:
    objects = [indicator() for _ in range(5)]
    text = json.dumps(
        {"type": "bundle", "id": "bundle--0b7c3e5e-2222-4000-8000-000000000000", "objects": objects}
    )
    broken = tmp_path / "broken.json"
    broken.write_text(text[: text.index(objects[4]["id"]) - 20])
    line = fails(node, "import", str(broken), "--org", "ThaiCERT", "--collection", REGIONAL)
    assert "malformed JSON" in line
    exported = json.loads(ok(node, "export", "--org", "ThaiCERT", "--collection", REGIONAL))
    assert {o["id"] for o in exported["objects"]} == {o["id"] for o in objects[:4]}


def test_import_accepts_arrays_and_single_objects(node: str, tmp_path: Path) -> None:
    array, single = tmp_path / "array.json", tmp_path / "single.json"
    listed = [indicator(), indicator()]
    alone = indicator()
    array.write_text(json.dumps(listed))
    single.write_text(json.dumps(alone))
    ok(node, "import", str(array), str(single), "--org", "MyCERT", "--collection", REGIONAL)
    exported = json.loads(
        ok(node, "export", "--org", "MyCERT", "--collection", REGIONAL, "--type", "indicator")
    )
    assert {o["id"] for o in exported["objects"]} == {o["id"] for o in [*listed, alone]}


def test_export_applies_the_sharing_rules(node: str, tmp_path: Path) -> None:
    ok(node, "group", "add", "th-my", "--members", "ThaiCERT,MyCERT", "--kind", "named-recipients")
    marking = json.loads(ok(node, "group", "show", "th-my"))["id"]
    red = indicator(tlp="red", markings=[marking])
    green = indicator(tlp="green")
    path = tmp_path / "objs.json"
    path.write_text(json.dumps([red, green]))
    ok(node, "import", str(path), "--org", "ThaiCERT", "--collection", REGIONAL)
    seen_by = {
        org: {
            o["id"] for o in json.loads(ok(node, "export", "--org", org, "--collection", REGIONAL))["objects"]
        }
        for org in ("ThaiCERT", "MyCERT", "LaoCERT", "ASEAN-CERT")
    }
    assert seen_by["MyCERT"] == {red["id"], green["id"]}
    assert seen_by["LaoCERT"] == {green["id"]}
    assert seen_by["ASEAN-CERT"] == {green["id"]}, "the hub is not above the rules"
    ok(node, "group", "update", "th-my", "--add", "LaoCERT")
    lao = json.loads(ok(node, "export", "--org", "LaoCERT", "--collection", REGIONAL))["objects"]
    assert red["id"] in {o["id"] for o in lao}, "membership changes take effect at once"


def test_receipts_show_who_retrieved_what(node: str, tmp_path: Path) -> None:
    obj = indicator(tlp="green")
    path = tmp_path / "one.json"
    path.write_text(json.dumps(obj))
    ok(node, "import", str(path), "--org", "ThaiCERT", "--collection", REGIONAL)
    ok(node, "export", "--org", "MyCERT", "--collection", REGIONAL)
    ok(node, "export", "--org", "MyCERT", "--collection", REGIONAL)
    ok(node, "export", "--org", "ThaiCERT", "--collection", REGIONAL)
    rows = json.loads(ok(node, "receipts", "--org", "ThaiCERT", "--object", obj["id"], "--json"))
    assert [(r["reader"], r["times"]) for r in rows] == [("MyCERT", 2)]
    assert json.loads(ok(node, "receipts", "--org", "MyCERT", "--object", obj["id"], "--json")) == []

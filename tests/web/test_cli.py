"""``gotong user add … --password-stdin`` and ``gotong user set-password``, as real subprocesses;
the password they set is the one that signs in, and ``init --demo`` prints a demo sign-in."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect

from gotong.db.engine import make_engine, write_transaction
from gotong.db.migrate import alembic_config
from gotong.orgs.passwords import check_password
from tests.cli.test_cli import gotong, ok


def _signs_in(database_url: str, email: str, password: str) -> bool:
    engine = make_engine(database_url)
    try:
        with write_transaction(engine) as conn:
            return check_password(conn, email=email, password=password) is not None
    finally:
        engine.dispose()


@pytest.fixture
def node(database_url: str) -> str:
    ok(database_url, "init", "--preset", "asean")
    return database_url


def test_user_add_reads_the_password_from_stdin(node: str) -> None:
    result = gotong(
        node, "user", "add", "Duty@ThaiCERT.example", "--org", "ThaiCERT", "--role", "analyst",
        "--password-stdin", stdin="a long enough password\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "duty@thaicert.example ThaiCERT analyst (password set)" in result.stdout
    assert _signs_in(node, "duty@thaicert.example", "a long enough password")
    assert not _signs_in(node, "duty@thaicert.example", "a long enough password\n")


def test_a_refused_password_leaves_no_user_behind(node: str) -> None:
    result = gotong(
        node, "user", "add", "x@thaicert.example", "--org", "ThaiCERT", "--role", "analyst",
        "--password-stdin", stdin="short\n",
    )  # fmt: skip
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        "Error: a password needs at least 12 characters"
    ]
    # Neither the user nor half of it: the same address can be added again.
    ok(node, "user", "add", "x@thaicert.example", "--org", "ThaiCERT", "--role", "analyst")


def test_set_password_reads_stdin_when_it_is_not_a_terminal(node: str) -> None:
    ok(node, "user", "add", "lead@mycert.example", "--org", "MyCERT", "--role", "coordinator")
    assert not _signs_in(node, "lead@mycert.example", "the new password of lead")
    result = gotong(node, "user", "set-password", "lead@mycert.example", stdin="the new password of lead\n")
    assert result.returncode == 0, result.stderr
    assert "password set for lead@mycert.example" in result.stdout
    assert _signs_in(node, "lead@mycert.example", "the new password of lead")
    unknown = gotong(node, "user", "set-password", "ghost@mycert.example", stdin="the new password of lead\n")
    assert unknown.returncode != 0 and "no user" in unknown.stderr
    empty = gotong(node, "user", "set-password", "lead@mycert.example", stdin="")
    assert empty.returncode != 0 and "no password on standard input" in empty.stderr


def test_the_demo_prints_a_sign_in_that_works(database_url: str) -> None:
    out = ok(database_url, "init", "--preset", "asean", "--demo")
    assert "demo sign-in at /login: admin@thaicert.example" in out and "gotong-demo-password" in out
    assert _signs_in(database_url, "admin@thaicert.example", "gotong-demo-password")
    assert _signs_in(database_url, "admin@vncert.example", "gotong-demo-password")
    again = ok(database_url, "init", "--preset", "asean", "--demo")  # idempotent
    assert "demo sign-in" in again


def test_the_sign_in_migration_downgrades_and_upgrades(node: str) -> None:
    engine = create_engine(node)
    try:
        config = alembic_config(engine)
        command.downgrade(config, "0007")
        assert "password_hash" not in {c["name"] for c in inspect(engine).get_columns("users")}
        command.upgrade(config, "head")
        names = {c["name"] for c in inspect(engine).get_columns("users")}
        assert {"password_hash", "failed_logins", "locked_until", "sessions_valid_after"} <= names
    finally:
        engine.dispose()

"""The tests' fork server (tests/cli/forkserver.py) runs a command exactly as a new
``python -m gotong`` does: same output, same errors, same exit status, and nothing carried over
from one command to the next."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.cli.forkclient import forked
from tests.cli.test_cli import spawned


def _both(
    env: dict[str, str], *args: str, stdin: str | None = None, cwd: Path | None = None
) -> list[tuple[int, str, str]]:
    runs: list[subprocess.CompletedProcess[str]] = [
        forked(env, *args, stdin=stdin, cwd=cwd),
        spawned(env, *args, stdin=stdin, cwd=cwd),
    ]
    return [(r.returncode, r.stdout, r.stderr) for r in runs]


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "GOTONG_DATABASE_URL": database_url, "GOTONG_DATA_DIR": str(tmp_path / "data")}


def test_help_and_version_are_the_same(env: dict[str, str]) -> None:
    for args in (["--help"], ["--version"], ["org", "--help"]):
        fork, spawn = _both(env, *args)
        assert fork == spawn
        assert fork[0] == 0 and fork[1]
    usage = _both(env, "--help")[0][1]
    assert usage.startswith("Usage: python -m gotong")  # the program name a reader is told to type


def test_a_command_reads_the_same_database_and_prints_the_same(env: dict[str, str]) -> None:
    fork, spawn = _both(env, "init", "--preset", "asean")
    assert fork[0] == spawn[0] == 0
    assert (
        "created organisations" in fork[1] and "created organisations" not in spawn[1]
    )  # the second run finds them
    fork, spawn = _both(env, "org", "list", "--json")
    assert fork == spawn and "ThaiCERT" in fork[1]


def test_errors_are_the_same_one_line_and_status(env: dict[str, str], tmp_path: Path) -> None:
    fork, spawn = _both(env, "org", "list")  # no database yet
    assert fork == spawn
    assert fork[0] != 0 and "Traceback" not in fork[2] and "gotong init" in fork[2]
    fork, spawn = _both(env, "no-such-command")
    assert fork == spawn and fork[0] == 2


def test_standard_input_reaches_the_command(env: dict[str, str]) -> None:
    assert forked(env, "init", "--preset", "asean").returncode == 0
    add = ["user", "add", "a@thaicert.example", "--org", "ThaiCERT", "--role", "analyst", "--password-stdin"]
    refused = _both(env, *add, stdin="short\n")
    assert refused[0] == refused[1] and "at least 12 characters" in refused[0][2]
    taken = forked(env, *add, stdin="a long enough password\n")
    assert taken.returncode == 0 and "(password set)" in taken.stdout


def test_each_command_gets_only_its_own_environment_and_folder(env: dict[str, str], tmp_path: Path) -> None:
    """A setting given to one command is gone for the next, and each runs in the folder it is given:
    without GOTONG_DATABASE_URL, the database is gotong.db in GOTONG_DATA_DIR."""
    bare = {k: v for k, v in env.items() if k not in ("GOTONG_DATABASE_URL", "GOTONG_DATA_DIR")}
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    made = forked({**bare, "GOTONG_DATA_DIR": str(first)}, "init", "--preset", "asean", cwd=first)
    assert made.returncode == 0, made.stderr
    assert (first / "gotong.db").exists()
    other = forked({**bare, "GOTONG_DATA_DIR": str(second)}, "org", "list", cwd=second)
    assert other.returncode != 0 and "gotong init" in other.stderr  # not the first command's database

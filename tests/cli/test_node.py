"""Where a node keeps its state, and refusing to run on a database ``gotong init`` has not prepared."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from gotong.db.engine import make_engine
from tests.cli.test_cli import command, fails, gotong, ok
from tests.conftest import ENGINE_KIND


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``gotong`` in ``cwd`` with no database URL set: the settings decide where the database is."""
    environ = {k: v for k, v in os.environ.items() if k != "GOTONG_DATABASE_URL"}
    return command({**environ, **env}, *args, cwd=cwd)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_commands_other_than_init_never_make_a_database(tmp_path: Path, data_dir: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    line = one_line(run("org", "list", cwd=elsewhere))
    assert "gotong init" in line and str(data_dir / "gotong.db") in line
    assert not data_dir.exists() and list(elsewhere.iterdir()) == [], "nothing was created anywhere"
    # Positive control: init makes the database in the data folder, and then org list works from
    # any directory.
    init = run("init", "--preset", "asean", cwd=elsewhere)
    assert init.returncode == 0, init.stderr
    assert f"database ready at sqlite:///{data_dir / 'gotong.db'}" in init.stdout
    assert (data_dir / "gotong.db").is_file() and list(elsewhere.iterdir()) == []
    listed = run("org", "list", "--json", cwd=tmp_path)
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 12


def test_the_node_key_is_one_key_in_the_data_folder(tmp_path: Path, data_dir: Path) -> None:
    assert run("init", "--preset", "asean", cwd=tmp_path).returncode == 0
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    keys = []
    for where in (first, second):
        result = run("node", "info", cwd=where)
        assert result.returncode == 0, result.stderr
        keys.append(json.loads(result.stdout)["public_key"])
        assert list(where.iterdir()) == [], "no key file in the current directory"
    assert keys[0] == keys[1]
    assert (data_dir / "gotong-node.key").stat().st_mode & 0o077 == 0


def test_init_checks_its_options_before_writing_anything(tmp_path: Path, data_dir: Path) -> None:
    assert "--demo needs --preset asean" in one_line(run("init", "--demo", cwd=tmp_path))
    assert "unknown preset 'nope'" in one_line(run("init", "--preset", "nope", cwd=tmp_path))
    assert not (data_dir / "gotong.db").exists()


def test_a_bad_setting_is_named_in_one_line(tmp_path: Path) -> None:
    line = one_line(run("org", "list", cwd=tmp_path, GOTONG_PORT="0"))
    assert line == "Error: configuration: GOTONG_PORT: Input should be greater than or equal to 1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(database_url: str, port: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "GOTONG_DATABASE_URL": database_url,
        "GOTONG_FEED_SCHEDULER": "false",
        "GOTONG_FEDERATION": "false",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "gotong", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_refuses_a_database_never_initialised(database_url: str) -> None:
    if ENGINE_KIND == "sqlite":
        assert "gotong init" in fails(database_url, "serve"), "no database file at all"
    # An existing but empty database (a file, or a PostgreSQL schema, with no Gotong tables).
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE unrelated (x INTEGER)"))
    engine.dispose()
    server = _serve(database_url, _free_port())
    _out, err = server.communicate(timeout=300)
    assert server.returncode != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == ["Error: the database has never been initialised; run 'gotong init' first"]


def test_serve_starts_on_an_initialised_database(database_url: str) -> None:
    ok(database_url, "init", "--preset", "asean")
    port = _free_port()
    server = _serve(database_url, port)
    try:
        answer = None
        deadline = time.monotonic() + 240
        while answer is None and server.poll() is None and time.monotonic() < deadline:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/taxii2/", timeout=5)
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None, "the server did not start"
        assert answer.status_code == 200 and answer.json()["title"] == "Gotong node"
    finally:
        server.terminate()
        server.communicate(timeout=60)  # also closes the pipes


@pytest.mark.parametrize("command", [("org", "list"), ("node", "info"), ("audit", "checkpoint")])
def test_a_missing_sqlite_database_is_not_made(tmp_path: Path, command: tuple[str, ...]) -> None:
    target = tmp_path / "nowhere" / "gotong.db"
    result = gotong(f"sqlite:///{target}", *command)
    assert "run 'gotong init' first" in one_line(result)
    assert not target.parent.exists()

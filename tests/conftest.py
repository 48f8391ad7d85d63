"""Fixtures shared by the whole suite: a real database (SQLite file or the PostgreSQL server) and a
real Gotong server on a loopback port.

``GOTONG_TEST_DATABASE=postgresql`` runs the suite against PostgreSQL at 127.0.0.1:5432 (database
``test``), each test in a schema of its own; the default is a SQLite file under ``tmp_path``.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from gotong.app import create_app
from gotong.db.engine import make_engine, write_transaction
from gotong.node import init_node
from gotong.orgs.service import create_token
from gotong.settings import Settings
from gotong.wiring import wire

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PG_ADMIN_URL = os.environ.get("GOTONG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ENGINE_KIND = os.environ.get("GOTONG_TEST_DATABASE", "sqlite")


# With GOTONG_TEST_DATABASE_ONLY=1 (scripts/test sets it for the PostgreSQL run when it runs both
# engines) a run keeps only the tests that reach a database: those using one of these fixtures, or in
# a module that picks its engine itself. A test that touches no database gives the same answer on
# either run, so the SQLite run alone runs it.
DATABASE_FIXTURES = frozenset({"database_url", "node_template", "api_node"})
DATABASE_ONLY = os.environ.get("GOTONG_TEST_DATABASE_ONLY", "") == "1"


def pytest_report_header() -> str:
    only = ", tests that touch no database left to the SQLite run" if DATABASE_ONLY else ""
    return f"gotong database engine under test: {ENGINE_KIND}{only}"


def reaches_database(item: pytest.Item) -> bool:
    """Whether ``item`` uses the engine under test (the deselection above keeps these)."""
    if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    module = getattr(item, "module", None)
    return module is None or any(name in vars(module) for name in ("ENGINE_KIND", "PG_ADMIN_URL"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not DATABASE_ONLY or ENGINE_KIND == "sqlite":
        return
    kept = [item for item in items if reaches_database(item)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if not reaches_database(item)])
        items[:] = kept


@pytest.fixture(autouse=True, scope="session")
def _loopback_allowed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The suite's feed sites, webhook listeners and peers listen on loopback, which the outbound
    policy refuses by default; allow it as an operator would (tests/security/ checks the refusals).
    And the key that seals stored credentials is kept out of the work tree."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GOTONG_OUTBOUND_ALLOW", "127.0.0.0/8")
        patch.setenv("GOTONG_SECRETS_KEY_FILE", str(tmp_path_factory.mktemp("keys") / "gotong-secrets.key"))
        yield


@pytest.fixture(autouse=True)
def _wired() -> None:
    """Every test stores with the reactions wired as the app and the CLI wire them (no warninglists)."""
    wire(Settings(warninglists=""))


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of the engine under test, removed afterwards."""
    if ENGINE_KIND == "sqlite":
        yield f"sqlite:///{tmp_path / 'gotong.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


class NodeTemplate:
    """One database migrated and given the ASEAN preset once per run, copied for each test.

    ``init_node`` runs every migration and applies the preset: 0.15 s on SQLite and 0.4 s on
    PostgreSQL, for each of some two thousand tests. A copy of a node made that way is the same
    database (tests/cli/test_node.py and tests/db/ still run ``init_node`` on empty databases), at
    a few milliseconds on SQLite (the backup API) and 0.1 s on PostgreSQL (the template schema's
    ``pg_dump`` replayed into the test's own schema). Without ``pg_dump`` each test runs
    ``init_node`` itself.
    """

    def __init__(self, workdir: Path, build: Callable[[Engine], object] | None = None) -> None:
        self._workdir = workdir
        self._build: Callable[[Engine], object] = build or (lambda eng: init_node(eng, preset="asean"))
        self._sqlite: Path | None = None
        self._pg_script: str | None = None
        self._pg_ready = False

    def make(self, database_url: str) -> Engine:
        """An engine on ``database_url`` (empty) holding a copy of the template node."""
        if ENGINE_KIND == "sqlite":
            self._copy_sqlite(Path(str(make_url(database_url).database)))
        elif not self._copy_postgresql(str(make_url(database_url).query["options"])):
            eng = make_engine(database_url)
            self._build(eng)
            return eng
        return make_engine(database_url)

    def _copy_sqlite(self, target: Path) -> None:
        if self._sqlite is None:
            path = self._workdir / "template.db"
            eng = make_engine(f"sqlite:///{path}")
            self._build(eng)
            eng.dispose()
            self._sqlite = path
        with sqlite3.connect(self._sqlite) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        copy.close()
        source.close()

    def _copy_postgresql(self, options: str) -> bool:
        schema = options.removeprefix("-csearch_path=")
        if not self._pg_ready:
            self._pg_ready = True
            self._pg_script = self._dump_postgresql()
        if self._pg_script is None:
            return False
        import psycopg

        with psycopg.connect(_libpq(PG_ADMIN_URL), autocommit=True) as conn:
            conn.execute(self._pg_script.replace(_PG_TEMPLATE, schema).encode())
        return True

    def _dump_postgresql(self) -> str | None:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            return None
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{_PG_TEMPLATE}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{_PG_TEMPLATE}"'))
        try:
            eng = make_engine(f"{PG_ADMIN_URL}?options=-csearch_path%3D{_PG_TEMPLATE}")
            self._build(eng)
            eng.dispose()
            url = make_url(PG_ADMIN_URL)
            dumped = subprocess.run(
                [
                    *(pg_dump, "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)),
                    *("-U", url.username or "postgres", "-d", url.database or "test", "-n", _PG_TEMPLATE),
                    *("--no-owner", "--no-privileges", "--inserts", "--rows-per-insert=500"),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{_PG_TEMPLATE}" CASCADE'))
            admin.dispose()
        if dumped.returncode != 0:
            return None
        # The schema exists already (database_url made it); psql's \restrict lines and the reset
        # of search_path are for psql sessions, not for a script replayed on one connection.
        kept = [
            line
            for line in dumped.stdout.splitlines()
            if not line.startswith(("\\", "CREATE SCHEMA ")) and "set_config('search_path'" not in line
        ]
        return "\n".join(kept)


_PG_TEMPLATE = f"gotong_template_{uuid.uuid4().hex[:10]}"


def _libpq(url: str) -> str:
    parsed = make_url(url)
    return (
        f"host={parsed.host or '127.0.0.1'} port={parsed.port or 5432} "
        f"user={parsed.username or 'postgres'} dbname={parsed.database or 'test'}"
    )


@pytest.fixture(scope="session")
def node_template(tmp_path_factory: pytest.TempPathFactory, _loopback_allowed: None) -> NodeTemplate:
    wire(Settings(warninglists=""))
    return NodeTemplate(tmp_path_factory.mktemp("template"))


@pytest.fixture
def engine(database_url: str, node_template: NodeTemplate) -> Iterator[Engine]:
    """A migrated database with the ASEAN preset applied."""
    eng = node_template.make(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def other_node(tmp_path: Path, node_template: NodeTemplate) -> Iterator[Callable[[str], Engine]]:
    """Make more nodes' databases (ASEAN preset applied) of the engine under test: ``other_node("b")``."""
    made: list[tuple[Engine, str | None]] = []
    admin = None if ENGINE_KIND == "sqlite" else create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")

    def make(name: str) -> Engine:
        schema = None
        if admin is None:
            url = f"sqlite:///{tmp_path / f'node-{name}.db'}"
        else:
            schema = f"t_{uuid.uuid4().hex[:12]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
        eng = node_template.make(url)
        made.append((eng, schema))
        return eng

    yield make
    for eng, schema in made:
        eng.dispose()
        if admin is not None and schema is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    if admin is not None:
        admin.dispose()


def token_for(engine: Engine, org: str, **kwargs: object) -> str:
    with write_transaction(engine) as conn:
        return create_token(conn, org=org, **kwargs)  # type: ignore[arg-type]


@dataclass
class RunningServer:
    url: str
    engine: Engine
    settings: Settings

    @property
    def api_root(self) -> str:
        return f"{self.url}/{self.settings.api_root}/"

    def collection_url(self, collection_id: str) -> str:
        return f"{self.api_root}collections/{collection_id}/"


def start_server(
    engine: Engine, **settings: object
) -> tuple[uvicorn.Server, threading.Thread, RunningServer]:
    # The socket is bound here and handed to uvicorn, so no other process can take the port between
    # choosing it and listening on it (several suites and benchmarks may run on one machine).
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    # Test servers share the default data folder: they keep no audit checkpoints there unless asked.
    settings.setdefault("audit_checkpoints", False)
    config = Settings(database_url=str(engine.url), port=port, **settings)  # type: ignore[arg-type]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config, engine=engine),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            timeout_graceful_shutdown=2,
            # uvicorn closes a connection idle for 5 s; a test client that waited longer (one
            # organisation's client while a property test checks the others) could send on a
            # connection the server was closing at that instant: "Connection reset by peer".
            timeout_keep_alive=300,
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return server, thread, RunningServer(url=f"http://127.0.0.1:{port}", engine=engine, settings=config)


@pytest.fixture
def server(engine: Engine) -> Iterator[RunningServer]:
    """A real Gotong node served by uvicorn on a free loopback port."""
    srv, thread, running = start_server(engine)
    yield running
    srv.should_exit = True
    thread.join(timeout=60)

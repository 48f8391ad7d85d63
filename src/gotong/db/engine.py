"""Engines for SQLite (embedded default) and PostgreSQL, tuned the same way wherever they are made."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from gotong.core import events
from gotong.errors import Invalid, NotFound

# One writer at a time per process; across processes the database's own lock (SQLite's
# reserved lock, PostgreSQL's advisory lock) serialises writers. Serialised writers are what
# make ``date_added`` strictly increasing in commit order, so paging never skips an object.
_WRITE_LOCK = threading.RLock()
# Advisory locks are per database, not per schema: the key is made from the node's schema so two
# nodes in one PostgreSQL database (schemas of their own) do not queue behind each other.
_PG_WRITE_LOCK = "SELECT pg_advisory_xact_lock(1195725658, hashtext(current_schema()))"


def is_sqlite(engine_or_conn: Engine | Connection) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


def make_engine(url: str, *, create: bool = True, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; SQLite gets WAL, foreign keys and explicit transactions.

    A SQLite file that does not exist is made on first use (with its folder) only when ``create``;
    otherwise :class:`NotFound` names the file and ``gotong init``. PostgreSQL databases are never
    made here: they must exist.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError for malformed URLs
        raise Invalid(f"database URL {url!r} is not valid: {exc}") from None
    backend = parsed.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise Invalid(f"database URL {url!r}: only sqlite:// and postgresql+psycopg:// are supported")
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        _sqlite_file(parsed.database, create=create)
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _tune_sqlite(engine)
    else:
        engine = create_engine(parsed, pool_pre_ping=True, **kwargs)
    return engine


def _sqlite_file(database: str | None, *, create: bool) -> None:
    if not database or database == ":memory:" or database.startswith("file:"):
        return  # in memory, or a URI whose own options decide
    path = Path(database)
    if path.exists():
        return
    if not create:
        raise NotFound(f"no database at {path.absolute()}; run 'gotong init' first")
    path.parent.mkdir(parents=True, exist_ok=True)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _on_begin).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Any transaction that is not a declared read takes SQLite's write lock at once (BEGIN
        # IMMEDIATE), so writers queue on busy_timeout instead of failing with "database is
        # locked" when a deferred transaction tries to upgrade after another writer committed.
        conn.exec_driver_sql("BEGIN" if conn.info.get("gotong_reader") else "BEGIN IMMEDIATE")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the node's single write lock until it commits or rolls back.

    Domain events published in it (:mod:`gotong.core.events`) reach their after-commit
    subscribers once it has committed, outside the lock.
    """
    committed: list[events.Event] = []
    with _WRITE_LOCK, engine.connect() as conn:
        conn.info[events.WRITER] = True
        try:
            with conn.begin():
                if not is_sqlite(engine):
                    conn.execute(text(_PG_WRITE_LOCK))
                yield conn
            committed = events.take(conn)
        finally:
            events.take(conn)  # rolled back: its events never happened
            conn.info.pop(events.WRITER, None)
    events.dispatch(committed)


@contextmanager
def read_connection(engine: Engine, *, snapshot: bool = False) -> Iterator[Connection]:
    """A connection for reads inside one transaction (a consistent snapshot for a page).

    On SQLite it begins a deferred transaction, which takes no lock: readers never wait for writers;
    every read in it sees one state of the database. On PostgreSQL each statement sees what was
    committed when it began, unless ``snapshot`` asks for one state for the whole transaction
    (REPEATABLE READ), as a reader that must see several tables at one moment does.
    """
    with engine.connect() as conn:
        if snapshot and not is_sqlite(engine):
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        conn.info["gotong_reader"] = True
        try:
            with conn.begin():
                yield conn
        finally:
            conn.info.pop("gotong_reader", None)

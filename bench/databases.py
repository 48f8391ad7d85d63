"""Fresh, throw-away databases for a run: a SQLite file under the work directory, or a PostgreSQL schema.

PostgreSQL is the server at 127.0.0.1:5432 (database ``test``, trust auth) that the test suite uses; each
database here is a schema of its own, selected with ``?options=-csearch_path%3D<schema>`` as
``tests/conftest.py`` does, and dropped afterwards whatever happened.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

ENGINES = ("sqlite", "postgresql")


def default_pg_url() -> str:
    return os.environ.get("GOTONG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_database(kind: str, *, workdir: Path, name: str, pg_url: str) -> Iterator[str]:
    """The URL of an empty database of engine ``kind``, removed when the block ends."""
    if kind == "sqlite":
        path = workdir / f"{name}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    if kind != "postgresql":
        raise ValueError(f"unknown engine {kind!r}; use one of {', '.join(ENGINES)}")
    schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield f"{pg_url}?options=-csearch_path%3D{schema}"
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def pg_setting(pg_url: str, name: str) -> str | None:
    """A setting of the PostgreSQL server (``server_version``, ``autovacuum``), None if unreachable."""
    try:
        engine = create_engine(pg_url)
        try:
            with engine.connect() as conn:
                return str(conn.execute(text(f"SHOW {name}")).scalar())
        finally:
            engine.dispose()
    except Exception:  # a missing server only means PostgreSQL is not benchmarked
        return None

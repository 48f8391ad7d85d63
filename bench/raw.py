"""The raw engine: the floor no server can beat.

The same rows Gotong stores, inserted with one bare DB-API ``executemany`` per batch (no validation, no
duplicate check, no audit record) and read back with one bare keyset ``SELECT`` per page (no visibility
filter, no version filter, no HTTP). The connection comes from Gotong's own ``make_engine``, so SQLite
runs with the same pragmas (WAL, ``synchronous=NORMAL``) as the server.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import text

from gotong.db.engine import make_engine
from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp
from gotong.stix.timestamps import micros_of

_COLUMNS = (
    "collection_id, stix_id, type, spec_version, version, date_added, submitter_org_id, tlp, group_id, "
    "anonymous, body, valid_until"
)
_WIDTH = _COLUMNS.count(",") + 1


@dataclass(frozen=True)
class PageStats:
    objects: int
    pages: int
    seconds: float
    latencies_ms: list[float]


def rows_for(
    objects: Iterable[dict[str, Any]],
    *,
    collection_id: str,
    submitter_org_id: int,
    group_by_marking: dict[str, int],
    first_date_added: int,
) -> Iterator[tuple[Any, ...]]:
    """The ``stix_objects`` rows Gotong would store for ``objects`` (TLP and audience decided the same way).

    ``date_added`` counts up from ``first_date_added``, which must be later than anything stored.
    """
    for n, obj in enumerate(objects):
        refs = marking_refs(obj)
        groups = [group_by_marking[r] for r in refs if r in group_by_marking]
        version_text = obj.get("modified") or obj.get("created")
        marked = strictest_tlp(refs)
        yield (
            collection_id,
            obj["id"],
            obj["type"],
            "2.1",
            micros_of(version_text) if version_text else first_date_added + n,
            first_date_added + n,
            submitter_org_id,
            int(TLP.AMBER if marked is None else marked),  # AMBER: an organisation's default marking
            groups[0] if groups else None,
            False,
            orjson.dumps(obj, option=orjson.OPT_SORT_KEYS).decode(),
            micros_of(obj["valid_until"]) if "valid_until" in obj else None,
        )


def insert_rows(url: str, rows: list[tuple[Any, ...]], *, batch: int) -> float:
    """Insert ``rows`` in transactions of ``batch`` rows with bare ``executemany``; returns the seconds."""
    engine = make_engine(url)
    raw = engine.raw_connection()
    sqlite = engine.dialect.name == "sqlite"
    marks = ", ".join(["?" if sqlite else "%s"] * _WIDTH)
    sql = f"INSERT INTO stix_objects ({_COLUMNS}) VALUES ({marks})"
    try:
        cursor = raw.cursor()
        start = time.perf_counter()
        for first in range(0, len(rows), batch):
            if sqlite:
                cursor.execute("BEGIN IMMEDIATE")
            cursor.executemany(sql, rows[first : first + batch])
            raw.commit()
        seconds = time.perf_counter() - start
        cursor.close()
    finally:
        raw.close()
        engine.dispose()
    return seconds


def load_rows(url: str, rows: Iterable[tuple[Any, ...]], *, batch: int = 10_000) -> int:
    """Bulk-load rows as fast as the engine allows (COPY on PostgreSQL); returns how many. Not timed."""
    engine = make_engine(url)
    raw = engine.raw_connection()
    sqlite = engine.dialect.name == "sqlite"
    count = 0
    try:
        cursor = raw.cursor()
        if sqlite:
            # Loading only: a page cache big enough for the random inserts into the stix_id index.
            cursor.execute("PRAGMA cache_size = -262144")
            sql = f"INSERT INTO stix_objects ({_COLUMNS}) VALUES ({', '.join(['?'] * _WIDTH)})"
            pending: list[tuple[Any, ...]] = []
            for row in rows:
                pending.append(row)
                if len(pending) == batch:
                    cursor.execute("BEGIN IMMEDIATE")
                    cursor.executemany(sql, pending)
                    raw.commit()
                    count += len(pending)
                    pending = []
            if pending:
                cursor.execute("BEGIN IMMEDIATE")
                cursor.executemany(sql, pending)
                raw.commit()
                count += len(pending)
        else:
            with cursor.copy(f"COPY stix_objects ({_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            raw.commit()
        cursor.close()
    finally:
        raw.close()
        engine.dispose()
    return count


def analyze(url: str) -> bool:
    """Refresh PostgreSQL's planner statistics of every table of the node; False on SQLite (nothing to do).

    Autovacuum does this some time after a bulk change, but it is switched off on the test server. Without
    it the planner keeps believing the tables empty, and both the write path and paging degrade as they
    grow (docs/benchmarks.md, findings).
    """
    engine = make_engine(url)
    try:
        if engine.dialect.name != "postgresql":
            return False
        with engine.connect() as conn:
            tables = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
            ).scalars()
            for table in list(tables):
                conn.execute(text(f'ANALYZE "{table}"'))
            conn.commit()
        return True
    finally:
        engine.dispose()


def date_added_at(url: str, *, collection_id: str, offset: int) -> int:
    """The ``date_added`` of the collection's object at ``offset`` in paging order."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            value = conn.execute(
                text(
                    "SELECT date_added FROM stix_objects WHERE collection_id = :c "
                    "ORDER BY date_added LIMIT 1 OFFSET :o"
                ),
                {"c": collection_id, "o": offset},
            ).scalar_one()
    finally:
        engine.dispose()
    return int(value)


def select_pages(
    url: str,
    *,
    collection_id: str,
    limit: int,
    max_pages: int,
    types: tuple[str, ...] = (),
    added_after: int = -1,
) -> PageStats:
    """Page through a collection oldest first with a bare keyset ``SELECT``, ``limit`` rows at a time."""
    engine = make_engine(url)
    raw = engine.raw_connection()
    mark = "?" if engine.dialect.name == "sqlite" else "%s"
    of_type = f" AND type IN ({', '.join([mark] * len(types))})" if types else ""
    sql = (
        "SELECT stix_id, version, date_added, body FROM stix_objects "
        f"WHERE collection_id = {mark} AND date_added > {mark}{of_type} ORDER BY date_added LIMIT {limit + 1}"
    )
    latencies: list[float] = []
    objects = 0
    try:
        cursor = raw.cursor()
        after = added_after
        start = time.perf_counter()
        for _ in range(max_pages):
            began = time.perf_counter()
            cursor.execute(sql, (collection_id, after, *types))
            page = cursor.fetchall()
            raw.commit()
            latencies.append((time.perf_counter() - began) * 1000)
            objects += min(len(page), limit)
            if len(page) <= limit:
                break
            after = page[limit - 1][2]
        seconds = time.perf_counter() - start
        cursor.close()
    finally:
        raw.close()
        engine.dispose()
    return PageStats(objects=objects, pages=len(latencies), seconds=seconds, latencies_ms=latencies)

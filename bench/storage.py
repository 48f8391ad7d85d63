"""What a node's tables take on disk, per table with its indexes (and TOAST on PostgreSQL).

SQLite: the ``dbstat`` virtual table (every page of the file, attributed to the table or index it belongs
to), after a checkpoint has moved the WAL into the file. PostgreSQL: ``pg_total_relation_size`` of each
table of the node's schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from gotong.db.engine import make_engine


@dataclass(frozen=True)
class Storage:
    tables: dict[str, int]  # bytes by table, its indexes included
    database: int  # the whole file (SQLite) or every table of the schema (PostgreSQL)

    def of(self, *tables: str) -> int:
        return sum(self.tables.get(t, 0) for t in tables)


def measure_storage(url: str) -> Storage:
    """Bytes on disk by table; nobody else may be writing (SQLite checkpoints the WAL first)."""
    engine = make_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            return _sqlite(engine.raw_connection())
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class AS c "
                    "JOIN pg_namespace AS n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
                )
            ).all()
        tables = {str(name): int(size) for name, size in rows}
        return Storage(tables=tables, database=sum(tables.values()))
    finally:
        engine.dispose()


def _sqlite(raw: Any) -> Storage:
    try:
        cursor = raw.cursor()  # autocommit (Gotong's engine leaves transactions to SQLAlchemy)
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute(
            "SELECT coalesce(m.tbl_name, s.name), sum(s.pgsize) FROM dbstat AS s "
            "LEFT JOIN sqlite_master AS m ON m.name = s.name GROUP BY 1"
        )
        tables = {str(name): int(size) for name, size in cursor.fetchall()}
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        page_size = cursor.execute("PRAGMA page_size").fetchone()[0]
        cursor.close()
    finally:
        raw.close()
    return Storage(tables=tables, database=int(pages) * int(page_size))

"""Bulk population of a node for the lookup benchmark: millions of indicators in ``stix_objects`` and
the observable index (``observables``, ``object_observables``), in minutes instead of hours.

The rows are the ones Gotong stores: ``stix_objects`` rows from :func:`bench.raw.rows_for` (the same body
serialisation, TLP, audience and ``valid_until`` as the raw engine of the other benchmarks), observables
from Gotong's own :func:`~gotong.correlation.observables.observables_of` and
:func:`~gotong.correlation.index.observable_key` (what ``index_versions`` computes), one ``observables``
row per distinct observable and one ``object_observables`` link per (observable, version). One indicator
in ``sighted_every`` is sighted once, by another organisation: a ``sighting`` object and its
``sighting_facts`` row, which lookups read to score the indicator. What is not written: alerts and their
webhook queue (no observable is reported from two countries: one writer), warninglist hits (a node
checks none by default), audit records and TAXII statuses, none of which a lookup reads.

Route: a child process generates the indicators and computes their rows (the CPU-bound half), the parent
gives them ``seq`` and observable ids, deduplicates observables, and inserts in transactions of
``chunk`` indicators: ``executemany`` with ``synchronous=OFF`` on SQLite, ``COPY`` on PostgreSQL. With
every index and foreign key in place, so the result is the database the node would have. The real
indexing code path is measured separately, on a sample (:mod:`bench.lookups`).
"""

from __future__ import annotations

import itertools
import multiprocessing
import queue
import random
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from bench.data import TLP2, IndicatorFactory
from bench.raw import rows_for
from gotong.correlation.index import observable_key
from gotong.correlation.observables import observables_of
from gotong.db.engine import make_engine
from gotong.stix.timestamps import micros_of

STIX_COLUMNS = (
    "seq",
    "collection_id",
    "stix_id",
    "type",
    "spec_version",
    "version",
    "date_added",
    "submitter_org_id",
    "tlp",
    "group_id",
    "anonymous",
    "body",
    "valid_until",
)
_OBSERVABLE_COLUMNS = ("id", "key", "kind", "value")
_FACT_COLUMNS = ("object_seq", "sighting_of_ref", "count", "first_seen", "last_seen", "false_positive")
_LINK_COLUMNS = ("observable_id", "object_seq")

# (key, kind, value): one observable as the index stores it
Keyed = tuple[int, str, str]
# what the child sends per chunk: indicator rows, their observables, (sighting row, its facts but the seq)
_Chunk = tuple[list[tuple[Any, ...]], list[list[Keyed]], list[tuple[tuple[Any, ...], tuple[Any, ...]]]]


@dataclass(frozen=True)
class Spec:
    """What the child process generates: indicators ``0..count`` of the seeded stream, as rows."""

    count: int
    chunk: int
    seed: int
    red_marking: str
    collection_id: str
    submitter_org_id: int
    group_by_marking: dict[str, int]
    first_date_added: int
    sighter_org_id: int  # who sights one indicator in ``sighted_every`` (TLP:GREEN)
    sighted_every: int = 10


@dataclass
class Loaded:
    """What :func:`populate` did: how many rows, how long, and samples of the observables it stored."""

    indicators: int
    observables: int
    links: int
    sightings: int
    seconds: float
    index_seconds: float  # of which inserting observables and links (rows computed beforehand)
    sample: list[Keyed] = field(default_factory=list)  # of indicators nobody sighted
    sighted_sample: list[Keyed] = field(default_factory=list)  # of sighted indicators


def populate(url: str, spec: Spec, *, sample: int, sighted: int, say: Any = print) -> Loaded:
    """Store indicators ``0..spec.count`` of the stream with their index rows; returns what was stored.

    ``sample`` observables of indicators nobody sighted and ``sighted`` of sighted ones are picked at
    random (one per indicator picked), for the lookups to look up.
    """
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            next_seq = int(conn.execute(text("SELECT coalesce(max(seq), 0) FROM stix_objects")).scalar_one())
            next_id = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM observables")).scalar_one())
            latest = conn.execute(text("SELECT coalesce(max(date_added), 0) FROM stix_objects")).scalar_one()
            if int(latest) >= spec.first_date_added:
                raise ValueError("first_date_added must be later than anything stored")
        raw = engine.raw_connection()
        try:
            writer: _Writer = _SQLiteWriter(raw) if engine.dialect.name == "sqlite" else _CopyWriter(raw)
            loaded = _load(
                writer,
                spec,
                next_seq=next_seq + 1,
                next_id=next_id + 1,
                picks=_pick(spec, sample, sighted),
                say=say,
            )
            writer.finish(next_seq + loaded.indicators + loaded.sightings, next_id + loaded.observables)
        finally:
            raw.close()
    finally:
        engine.dispose()
    return loaded


def _load(
    writer: _Writer, spec: Spec, *, next_seq: int, next_id: int, picks: tuple[set[int], set[int]], say: Any
) -> Loaded:
    plain, sighted = picks
    ids: dict[int, int] = {}  # key -> observable id; keys are 63 bits of SHA-256, so a key is an observable
    loaded = Loaded(indicators=0, observables=0, links=0, sightings=0, seconds=0.0, index_seconds=0.0)
    reported = started = time.perf_counter()
    for rows, observed, sightings in _chunks(spec):
        first = next_seq + loaded.indicators + loaded.sightings
        stix_rows = [(first + n, *row) for n, row in enumerate(rows)]
        facts = []
        for n, (row, fact) in enumerate(sightings, start=first + len(rows)):
            stix_rows.append((n, *row))
            facts.append((n, *fact))
        new: list[tuple[int, int, str, str]] = []
        links: list[tuple[int, int]] = []
        for position, keyed in enumerate(observed):
            for key, kind, value in keyed:
                observable_id = ids.get(key)
                if observable_id is None:
                    observable_id = ids[key] = next_id + loaded.observables + len(new)
                    new.append((observable_id, key, kind, value))
                links.append((observable_id, first + position))
            number = loaded.indicators + position
            if keyed and number in plain:
                loaded.sample.append(keyed[0])
            elif keyed and number in sighted:
                loaded.sighted_sample.append(keyed[0])
        loaded.index_seconds += writer.write(stix_rows, facts, new, links)
        loaded.indicators += len(rows)
        loaded.sightings += len(sightings)
        loaded.observables += len(new)
        loaded.links += len(links)
        if time.perf_counter() - reported > 60:
            reported = time.perf_counter()
            say(f"  {loaded.indicators:,} of {spec.count:,} indicators stored")
    loaded.seconds = time.perf_counter() - started
    random.Random(spec.seed + 11).shuffle(loaded.sample)
    random.Random(spec.seed + 13).shuffle(loaded.sighted_sample)
    return loaded


def _pick(spec: Spec, count: int, sighted_count: int) -> tuple[set[int], set[int]]:
    """Random positions of ``count`` indicators nobody sighted and ``sighted_count`` sighted ones."""
    rng = random.Random(spec.seed + 7)
    every = spec.sighted_every or spec.count + 1
    sighted_positions = range(0, spec.count, every)
    sighted = set(rng.sample(sighted_positions, min(sighted_count, len(sighted_positions))))
    plain: set[int] = set()
    while len(plain) < min(count, spec.count - len(sighted_positions)):
        position = rng.randrange(spec.count)
        if position % every:
            plain.add(position)
    return plain, sighted


def _chunks(spec: Spec) -> Iterator[_Chunk]:
    """The child's chunks, in order; the child goes when the iteration ends, however it ends."""
    context = multiprocessing.get_context("spawn")  # no fork of a parent holding connections
    chunks: multiprocessing.Queue[Any] = context.Queue(maxsize=4)  # bounded: memory stays flat
    child = context.Process(target=_produce, args=(chunks, spec), daemon=True)
    child.start()
    try:
        while True:
            try:
                item = chunks.get(timeout=5)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError(f"the generating process died (exit code {child.exitcode})") from None
                continue
            if item is None:
                break
            yield item
        child.join(timeout=30)
    finally:
        if child.is_alive():
            child.terminate()
            child.join(timeout=30)


def _produce(chunks: multiprocessing.Queue[Any], spec: Spec) -> None:
    factory = IndicatorFactory(seed=spec.seed, red_group_marking=spec.red_marking)
    stream = factory.indicators(spec.count)
    for start in range(0, spec.count, spec.chunk):
        objects = list(itertools.islice(stream, spec.chunk))
        rows = list(
            rows_for(
                objects,
                collection_id=spec.collection_id,
                submitter_org_id=spec.submitter_org_id,
                group_by_marking=spec.group_by_marking,
                first_date_added=spec.first_date_added + start,
            )
        )
        observed = [keyed_observables(obj) for obj in objects]
        every = spec.sighted_every
        sightings = [
            _sighting(obj, start + n) for n, obj in enumerate(objects) if every and (start + n) % every == 0
        ]
        sighting_rows = rows_for(
            sightings,
            collection_id=spec.collection_id,
            submitter_org_id=spec.sighter_org_id,
            group_by_marking={},
            first_date_added=spec.first_date_added + spec.count + start,  # after every indicator
        )
        facts = [
            (s["sighting_of_ref"], s["count"], micros_of(s["first_seen"]), micros_of(s["last_seen"]), False)
            for s in sightings
        ]
        chunks.put((rows, observed, list(zip(sighting_rows, facts, strict=True))))
    chunks.put(None)


def _sighting(indicator: dict[str, Any], n: int) -> dict[str, Any]:
    """One sighting of ``indicator`` (an id derived from it, so runs store the same ones)."""
    seen = indicator["created"]
    return {
        "type": "sighting",
        "spec_version": "2.1",
        "id": f"sighting--{uuid.uuid5(uuid.NAMESPACE_URL, indicator['id'])}",
        "created": seen,
        "modified": seen,
        "sighting_of_ref": indicator["id"],
        "count": 1 + n % 5,
        "first_seen": seen,
        "last_seen": seen,
        "object_marking_refs": [TLP2["green"]],
    }


def keyed_observables(obj: dict[str, Any]) -> list[Keyed]:
    """The index's rows for one object, as ``index_versions`` computes them."""
    return [(observable_key(o.kind, o.value), o.kind, o.value) for o in observables_of(obj)]


class _Writer:
    def write(
        self,
        stix_rows: Sequence[tuple[Any, ...]],
        facts: Sequence[tuple[Any, ...]],
        new: Sequence[tuple[int, int, str, str]],
        links: Sequence[tuple[int, int]],
    ) -> float:
        """Insert one chunk in one transaction; returns the seconds spent on observables and links."""
        raise NotImplementedError

    def finish(self, last_seq: int, last_id: int) -> None:
        raise NotImplementedError


class _SQLiteWriter(_Writer):
    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._cursor = raw.cursor()
        # Loading only: no fsync per transaction, and a page cache big enough for the random inserts
        # into the stix_id and key indexes. The connection's WAL mode and foreign keys stay as Gotong sets.
        self._cursor.execute("PRAGMA synchronous = OFF")
        self._cursor.execute("PRAGMA cache_size = -1048576")
        self._sql = [_insert(table, columns, "?") for table, columns in _TABLES]

    def write(
        self,
        stix_rows: Sequence[tuple[Any, ...]],
        facts: Sequence[tuple[Any, ...]],
        new: Sequence[tuple[int, int, str, str]],
        links: Sequence[tuple[int, int]],
    ) -> float:
        stix_sql, facts_sql, observables_sql, links_sql = self._sql
        self._cursor.execute("BEGIN IMMEDIATE")
        self._cursor.executemany(stix_sql, stix_rows)
        self._cursor.executemany(facts_sql, facts)
        began = time.perf_counter()
        self._cursor.executemany(observables_sql, new)
        self._cursor.executemany(links_sql, links)
        index_seconds = time.perf_counter() - began
        self._raw.commit()
        return index_seconds

    def finish(self, last_seq: int, last_id: int) -> None:
        self._cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._cursor.close()


class _CopyWriter(_Writer):
    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._cursor = raw.cursor()
        self._cursor.execute("SET synchronous_commit = off")  # this session only; loading, not measured
        raw.commit()

    def write(
        self,
        stix_rows: Sequence[tuple[Any, ...]],
        facts: Sequence[tuple[Any, ...]],
        new: Sequence[tuple[int, int, str, str]],
        links: Sequence[tuple[int, int]],
    ) -> float:
        (stix, stix_columns), (fact_table, fact_columns), *index_tables = _TABLES
        self._copy(stix, stix_columns, stix_rows)
        self._copy(fact_table, fact_columns, facts)
        began = time.perf_counter()
        for (table, columns), rows in zip(index_tables, (new, links), strict=True):
            self._copy(table, columns, rows)
        index_seconds = time.perf_counter() - began
        self._raw.commit()
        return index_seconds

    def _copy(self, table: str, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]) -> None:
        with self._cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def finish(self, last_seq: int, last_id: int) -> None:
        # The node's own inserts take ids from the sequences: move them past the rows loaded here.
        for table, column, last in (("stix_objects", "seq", last_seq), ("observables", "id", last_id)):
            self._cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), %s)", (max(last, 1),)
            )
        self._raw.commit()
        self._cursor.close()


_TABLES = (
    ("stix_objects", STIX_COLUMNS),
    ("sighting_facts", _FACT_COLUMNS),
    ("observables", _OBSERVABLE_COLUMNS),
    ("object_observables", _LINK_COLUMNS),
)


def _insert(table: str, columns: tuple[str, ...], mark: str) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"

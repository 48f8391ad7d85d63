"""Benchmark 6, correlation lookups: latency among 1,000,000 and 10,000,000 indicators, index build rate
and storage.

Per engine, in a fresh database with the benchmark world (:mod:`bench.world`):

1. ``indicators`` of the seeded stream are bulk-loaded with their index rows (:mod:`bench.populate`);
   PostgreSQL then gets the ``VACUUM ANALYZE`` autovacuum would give it after such a load;
2. **build**: ``build_sample`` more indicators (another seed) are stored in transactions of 1,000 (a TAXII
   envelope), each indexed by Gotong's own ``index_versions`` as ``add_objects`` calls it (no
   warninglists, the default alert window); the rate counts only the time inside ``index_versions``.
   Baseline: inserting the precomputed index rows of step 1 (``executemany`` / ``COPY``);
3. **storage**: bytes on disk per indicator of the index tables (``observables``, ``object_observables``,
   indexes included), against ``stix_objects`` (bodies and their indexes);
4. **lookups**: ``lookups`` values that are stored and as many that are not, shuffled, each looked up by
   :func:`gotong.correlation.lookup.lookup` as MyCERT (a member organisation, so the sharing filter is in
   the query), one read transaction per lookup as ``GET /api/v1/lookup`` opens; and the same value through
   the request's whole service path (``load_reader`` too). Baseline: a bare ``SELECT`` of the links of
   the same observable on the index, with a DB-API cursor of the same engine. The three run in rotating
   order per value, so none always gets the others' warmed cache.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, text

from bench.common import LookupSize, Row, percentile, rate, ratio
from bench.data import IndicatorFactory
from bench.databases import fresh_database
from bench.populate import STIX_COLUMNS, Keyed, Loaded, Spec, keyed_observables, populate
from bench.raw import analyze, rows_for
from bench.storage import Storage, measure_storage
from bench.world import FULL_READER, World, build_world
from gotong.core.auth import Principal
from gotong.correlation.index import DEFAULT_ALERT_WINDOW, index_versions
from gotong.correlation.lookup import lookup
from gotong.db.engine import make_engine, read_connection, write_transaction
from gotong.intel.models import stix_objects
from gotong.orgs.service import get_org
from gotong.sharing.service import load_reader
from gotong.stix.timestamps import now_micros

if TYPE_CHECKING:
    from bench.runner import Context

P99_TARGET_MS = 2.0
ENVELOPE = 1000  # indicators per transaction of the build sample, as a TAXII envelope
_LOAD_SEED, _BUILD_SEED, _ABSENT_SEED = 2026, 4711, 8128
_AN_HOUR = 3_600_000_000  # microseconds
_INDEX_TABLES = ("observables", "object_observables")
_WAYS = ("lookup", "request", "bare")
_BARE = (
    "SELECT oo.object_seq FROM observables AS o JOIN object_observables AS oo ON oo.observable_id = o.id "
    "WHERE o.key = {m} AND o.kind = {m} AND o.value = {m}"
)


@dataclass(frozen=True)
class Build:
    indicators: int
    index_seconds: float  # inside index_versions
    seconds: float  # whole transactions: stix_objects insert, index_versions, commit


@dataclass
class Timings:
    """Lookups of one class of values (present or absent), three ways, in milliseconds."""

    lookup_ms: list[float] = field(default_factory=list)
    lookup_cpu_ms: list[float] = field(default_factory=list)  # of this thread: no wait, no preemption
    request_ms: list[float] = field(default_factory=list)
    bare_ms: list[float] = field(default_factory=list)
    found: int = 0  # values for which the lookup returned at least one object
    objects: int = 0  # objects the lookups returned
    linked: int = 0  # links the bare SELECTs returned


def run_lookups(ctx: Context, size: LookupSize) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    for engine in ctx.engines:
        rows += _engine(ctx, size, engine)
    notes = [
        f"{size.indicators:,} indicators bulk-loaded with their index rows (bench/populate.py: the rows "
        "Gotong stores, computed with its own observables_of and observable_key; executemany on SQLite, "
        "COPY on PostgreSQL), not through add_objects; the index build rate is measured on "
        f"{size.build_sample:,} more indicators through index_versions",
        f"lookups: {size.lookups:,} stored values of indicators nobody sighted, {size.lookups:,} of sighted "
        f"ones (one indicator in ten, sighted once by {FULL_READER}) and {size.lookups:,} absent values, "
        f"shuffled, after {size.warmup:,} warm-up lookups; as {FULL_READER}, who may see every indicator, "
        "through the sharing filter",
    ]
    if "postgresql" in ctx.engines:
        notes.append("PostgreSQL: VACUUM ANALYZE after the bulk load, as autovacuum would (it is off here)")
    return rows, notes


def _engine(ctx: Context, size: LookupSize, engine: str) -> list[Row]:
    with fresh_database(engine, workdir=ctx.workdir, name="lookup", pg_url=ctx.pg_url) as url:
        world = build_world(url)
        sighter = _org_id(url, FULL_READER)
        ctx.log(f"{engine}: bulk-loading {size.indicators:,} indicators with their index rows")
        spec = Spec(
            count=size.indicators,
            chunk=size.chunk,
            seed=_LOAD_SEED,
            red_marking=world.red_marking,
            collection_id=world.collection_id,
            submitter_org_id=world.writer_org_id,
            group_by_marking={world.red_marking: world.red_group_id},
            first_date_added=now_micros() + _AN_HOUR,
            sighter_org_id=sighter,
        )
        loaded = populate(url, spec, sample=size.warmup + size.lookups, sighted=size.lookups, say=ctx.log)
        ctx.log(
            f"{engine}: loaded in {loaded.seconds:.0f} s ({rate(loaded.indicators, loaded.seconds):,.0f}/s)"
        )
        if engine == "postgresql":
            ctx.log(f"{engine}: VACUUM ANALYZE")
            _vacuum_analyze(url)
        ctx.log(f"{engine}: indexing {size.build_sample:,} indicators through index_versions")
        build = _build(url, world, size.build_sample)
        ctx.log(
            f"{engine}: {rate(build.indicators, build.index_seconds):,.0f} indicators/s; measuring storage"
        )
        storage = measure_storage(url)
        absent, stored = _absent(url, world, size.lookups)
        ctx.log(f"{engine}: {3 * size.lookups:,} lookups, three ways each")
        plain, sighted, missing = _time_lookups(
            url,
            warmup=loaded.sample[: size.warmup],
            classes=(loaded.sample[size.warmup :], loaded.sighted_sample, absent),
        )
    total = size.indicators + size.build_sample
    return [
        _lookup_row(engine, plain, f"lookup() of {len(plain.lookup_ms):,} stored values", total),
        _lookup_row(
            engine, sighted, f"lookup() of {len(sighted.lookup_ms):,} stored values with a sighting", total
        ),
        _lookup_row(
            engine,
            missing,
            f"lookup() of {len(missing.lookup_ms):,} absent values",
            total,
            note=f"{stored:,} candidates of the other seed were stored after all and were replaced",
        ),
        _request_row(engine, plain, total),
        _build_row(engine, build, loaded, size.indicators),
        _storage_row(engine, storage, total),
    ]


def _build(url: str, world: World, count: int) -> Build:
    """Store ``count`` new indicators envelope by envelope and index them with ``index_versions``."""
    factory = IndicatorFactory(seed=_BUILD_SEED, red_group_marking=world.red_marking)
    stream = factory.indicators(count)
    engine = make_engine(url)
    index_seconds = seconds = 0.0
    done = 0
    try:
        with engine.connect() as conn:
            first = int(conn.execute(text("SELECT max(date_added) FROM stix_objects")).scalar_one()) + 1
        while batch := list(itertools.islice(stream, ENVELOPE)):
            rows = rows_for(
                batch,
                collection_id=world.collection_id,
                submitter_org_id=world.writer_org_id,
                group_by_marking={world.red_marking: world.red_group_id},
                first_date_added=first + done,
            )
            values = [dict(zip(STIX_COLUMNS[1:], row, strict=True)) for row in rows]
            began = time.perf_counter()
            with write_transaction(engine) as conn:
                inserted = conn.execute(
                    insert(stix_objects).returning(stix_objects.c.seq, sort_by_parameter_order=True), values
                )
                seqs = list(inserted.scalars())
                indexing = time.perf_counter()
                index_versions(
                    conn,
                    list(zip(seqs, batch, strict=True)),
                    warninglists=None,
                    alert_window=DEFAULT_ALERT_WINDOW,
                )
                index_seconds += time.perf_counter() - indexing
            seconds += time.perf_counter() - began
            done += len(batch)
    finally:
        engine.dispose()
    return Build(indicators=done, index_seconds=index_seconds, seconds=seconds)


def _absent(url: str, world: World, count: int) -> tuple[list[Keyed], int]:
    """Observables of another seed's indicators that are not stored, and how many candidates were.

    The same kinds and shapes as the stored ones; a few IPv4 addresses of the other seed are stored too
    (a birthday collision among a million), so each candidate is checked with the bare SELECT.
    """
    factory = IndicatorFactory(seed=_ABSENT_SEED, red_group_marking=world.red_marking)
    engine = make_engine(url)
    raw = engine.raw_connection()
    absent: list[Keyed] = []
    stored = 0
    try:
        cursor = raw.cursor()
        sql = _BARE.format(m="?" if engine.dialect.name == "sqlite" else "%s")
        for obj in factory.indicators(10 * count):
            keyed = keyed_observables(obj)[0]
            cursor.execute(sql, keyed)
            if cursor.fetchall():
                stored += 1
                continue
            absent.append(keyed)
            if len(absent) == count:
                break
        raw.commit()
        cursor.close()
    finally:
        raw.close()
        engine.dispose()
    return absent, stored


def _time_lookups(url: str, *, warmup: list[Keyed], classes: tuple[list[Keyed], ...]) -> tuple[Timings, ...]:
    """Each value of each class looked up three ways, the values of all classes shuffled together."""
    engine = make_engine(url)
    raw = engine.raw_connection()
    sqlite = engine.dialect.name == "sqlite"
    bare_sql = _BARE.format(m="?" if sqlite else "%s")
    cursor = raw.cursor()
    try:
        with read_connection(engine) as conn:
            reader_org = get_org(conn, short_name=FULL_READER)
            principal = Principal(org_id=reader_org.id, org_short=reader_org.short_name)
            reader = load_reader(conn, principal)

        def by_lookup(value: str) -> int:
            with read_connection(engine) as conn:
                return len(lookup(conn, reader=reader, value=value).objects)

        def by_request(value: str) -> int:  # GET /api/v1/lookup without HTTP and authentication
            with read_connection(engine) as conn:
                return len(lookup(conn, reader=load_reader(conn, principal), value=value).objects)

        def by_bare(keyed: Keyed) -> int:
            cursor.execute(bare_sql, keyed)
            linked = len(cursor.fetchall())
            raw.commit()
            return linked

        for keyed in warmup:
            by_lookup(keyed[2])
            by_request(keyed[2])
            by_bare(keyed)
        timings = tuple(Timings() for _ in classes)
        values = [(keyed, into) for values, into in zip(classes, timings, strict=True) for keyed in values]
        random.Random(_ABSENT_SEED).shuffle(values)
        for n, (keyed, into) in enumerate(values):
            for way in _WAYS[n % 3 :] + _WAYS[: n % 3]:
                if way == "lookup":
                    cpu = time.thread_time()
                    ms, objects = _clock(by_lookup, keyed[2])
                    into.lookup_cpu_ms.append((time.thread_time() - cpu) * 1000)
                    into.lookup_ms.append(ms)
                    into.objects += objects
                    into.found += objects > 0
                elif way == "request":
                    ms, _objects = _clock(by_request, keyed[2])
                    into.request_ms.append(ms)
                else:
                    ms, linked = _clock(by_bare, keyed)
                    into.bare_ms.append(ms)
                    into.linked += linked
        cursor.close()
    finally:
        raw.close()
        engine.dispose()
    return timings


def _org_id(url: str, short_name: str) -> int:
    engine = make_engine(url)
    try:
        with read_connection(engine) as conn:
            return get_org(conn, short_name=short_name).id
    finally:
        engine.dispose()


def _clock(call: Callable[[Any], int], argument: Any) -> tuple[float, int]:
    """Milliseconds of one call, and what it returned."""
    began = time.perf_counter()
    result = call(argument)
    return (time.perf_counter() - began) * 1000, result


def _lookup_row(engine: str, timed: Timings, what: str, indicators: int, *, note: str = "") -> Row:
    count = len(timed.lookup_ms)
    seconds = sum(timed.lookup_ms) / 1000
    p99 = percentile(timed.lookup_ms, 99)
    return Row(
        benchmark="lookup",
        engine=engine,
        workload=f"{what} among {indicators:,} indicators, as {FULL_READER}",
        objects=count,
        seconds=seconds,
        rate=rate(count, seconds),
        baseline=f"bare SELECT on the observable index, same values ({engine})",
        baseline_rate=rate(count, sum(timed.bare_ms) / 1000),
        ratio=ratio(sum(timed.bare_ms), sum(timed.lookup_ms)),
        unit="lookups/s",
        p50_ms=percentile(timed.lookup_ms, 50),
        p99_ms=p99,
        target=f"p99 < {P99_TARGET_MS:g} ms",
        met=p99 < P99_TARGET_MS,
        notes=[
            f"found {timed.found:,} of {count:,} values, {timed.objects:,} objects "
            f"(the bare SELECT: {timed.linked:,} links)",
            f"baseline p50/p99 {percentile(timed.bare_ms, 50):.3f}/{percentile(timed.bare_ms, 99):.3f} ms",
            "CPU time of the benchmark's thread per lookup p50/p99 "
            f"{percentile(timed.lookup_cpu_ms, 50):.3f}/{percentile(timed.lookup_cpu_ms, 99):.3f} ms "
            "(on PostgreSQL the client's share only)",
            *([note] if note else []),
        ],
        details={"found": timed.found, "objects": timed.objects, "linked": timed.linked, **_spread(timed)},
    )


def _request_row(engine: str, timed: Timings, indicators: int) -> Row:
    count = len(timed.request_ms)
    seconds = sum(timed.request_ms) / 1000
    return Row(
        benchmark="lookup",
        engine=engine,
        workload=(
            f"load_reader + lookup() of the {count:,} stored values among {indicators:,} indicators "
            "(GET /api/v1/lookup without HTTP)"
        ),
        objects=count,
        seconds=seconds,
        rate=rate(count, seconds),
        baseline=f"bare SELECT on the observable index, same values ({engine})",
        baseline_rate=rate(count, sum(timed.bare_ms) / 1000),
        ratio=ratio(sum(timed.bare_ms), sum(timed.request_ms)),
        unit="lookups/s",
        p50_ms=percentile(timed.request_ms, 50),
        p99_ms=percentile(timed.request_ms, 99),
        notes=["the reader's collections and groups are read from the database for every lookup"],
        details=_spread(timed),
    )


def _build_row(engine: str, build: Build, loaded: Loaded, underneath: int) -> Row:
    return Row(
        benchmark="index build",
        engine=engine,
        workload=(
            f"index_versions() of {build.indicators:,} new indicators, {ENVELOPE:,} per transaction, "
            f"on top of {underneath:,}"
        ),
        objects=build.indicators,
        seconds=build.index_seconds,
        rate=rate(build.indicators, build.index_seconds),
        baseline=(
            f"bare insert of the same kind of index rows, computed beforehand, while loading "
            f"{loaded.indicators:,} ({'executemany' if engine == 'sqlite' else 'COPY'})"
        ),
        baseline_rate=rate(loaded.indicators, loaded.index_seconds),
        ratio=ratio(
            rate(build.indicators, build.index_seconds), rate(loaded.indicators, loaded.index_seconds)
        ),
        unit="indicators/s",
        notes=[
            "whole transactions (stix_objects insert, index_versions, commit) "
            f"{rate(build.indicators, build.seconds):,.0f} indicators/s",
            f"the bulk load stored {loaded.indicators:,} indicators, {loaded.observables:,} observables and "
            f"{loaded.links:,} links in {loaded.seconds:.0f} s "
            f"({rate(loaded.indicators, loaded.seconds):,.0f}/s)",
        ],
        details={
            "build_seconds": build.seconds,
            "load_seconds": loaded.seconds,
            "load_index_seconds": loaded.index_seconds,
            "observables": loaded.observables,
            "links": loaded.links,
        },
    )


def _storage_row(engine: str, storage: Storage, indicators: int) -> Row:
    index = storage.of(*_INDEX_TABLES)
    stix = storage.of("stix_objects")
    per = {table: round(size / indicators, 1) for table, size in sorted(storage.tables.items()) if size}
    return Row(
        benchmark="storage",
        engine=engine,
        workload=f"observable index ({', '.join(_INDEX_TABLES)}, with indexes) per indicator, {indicators:,}",
        objects=indicators,
        seconds=0.0,
        rate=index / indicators,
        baseline="stix_objects (bodies and their indexes) per indicator",
        baseline_rate=stix / indicators,
        ratio=ratio(index, stix),
        ratio_means="index bytes / stix_objects bytes",
        unit="B/indicator",
        notes=[
            f"whole database {storage.database / indicators:,.0f} B/indicator "
            f"({storage.database / 1024**3:,.2f} GiB)"
        ],
        details={
            "bytes_by_table": storage.tables,
            "bytes_per_indicator_by_table": per,
            "database": storage.database,
        },
    )


def _spread(timed: Timings) -> dict[str, float]:
    return {
        f"{name}_p{q:g}_ms": percentile(values, q)
        for name, values in (
            ("lookup", timed.lookup_ms),
            ("request", timed.request_ms),
            ("bare", timed.bare_ms),
        )
        for q in (50, 90, 99, 99.9)
    }


def _vacuum_analyze(url: str) -> None:
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for table in ("stix_objects", "observables", "object_observables"):
                conn.execute(text(f"VACUUM (ANALYZE) {table}"))
    finally:
        engine.dispose()
    analyze(url)  # the node's other tables

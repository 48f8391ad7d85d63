"""One run of every benchmark, engine by engine, in the order that lets them share their data:

1. per engine, a fresh database each: (A) ingest over TAXII, then reads of that collection and the
   visibility comparison; (B) the raw engine inserting the same rows; (C) CLI imports of ATT&CK and of
   the generated bundle, then reads of that big collection and the visibility comparison again;
2. medallion (once): ingest, then reads of a collection small enough for it to finish;
3. the validator against stix2-validator (no database).

The ``lookup-*`` sizes run the correlation lookup benchmark instead (:mod:`bench.lookups`).

Every server and import is a separate process; databases are dropped as soon as a stage is done.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench import imports, ingest, lookups, reads, validation, visibility
from bench.common import LookupSize, Row, Size, machine, rate
from bench.data import ATTACK_BUNDLE, IndicatorFactory, attack_objects
from bench.databases import fresh_database, pg_setting
from bench.profile import summarise
from bench.raw import PageStats, analyze, date_added_at, insert_rows, load_rows, rows_for, select_pages
from bench.servers import GotongServer, MedallionServer
from bench.world import FULL_READER, PARTIAL_READER, WRITER, World, build_world
from gotong.stix.timestamps import format_micros, now_micros

_IMPORT_TIMEOUT = 1800.0
_AN_HOUR = 3_600_000_000  # microseconds
_ORDER = {"ingest": 0, "import": 1, "reads": 2, "visibility": 3, "validate": 4}


@dataclass
class Context:
    size: Size | LookupSize
    engines: tuple[str, ...]
    workdir: Path
    out: Path
    pg_url: str
    py_spy: str | None = None
    autovacuum_off: bool = False
    say: Callable[[str], None] = print
    started: float = field(default_factory=time.perf_counter)

    def log(self, message: str) -> None:
        self.say(f"[{time.perf_counter() - self.started:7.1f} s] {message}")

    @property
    def server_size(self) -> Size:
        """The size of a run of the server benchmarks (``smoke``, ``full``, ``import-1m``)."""
        if not isinstance(self.size, Size):
            raise TypeError(f"size {self.size.name} is not one of the server benchmarks")
        return self.size


class Workload:
    """The data of a run, generated once: envelopes, bundle files, ATT&CK, rows for the raw engine."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        size = ctx.server_size
        with fresh_database("sqlite", workdir=ctx.workdir, name="probe", pg_url=ctx.pg_url) as url:
            self.probe = build_world(url)  # every world is built the same way: same ids, same markings
        self.factory = IndicatorFactory(red_group_marking=self.probe.red_marking)
        ctx.log(f"generating {size.ingest:,} indicators in envelopes of {size.envelope:,}")
        self.envelopes = self.factory.envelopes(size.ingest, size.envelope)
        self.attack = attack_objects()[: size.attack] if size.attack is not None else attack_objects()
        self.attack_bundle = (
            ATTACK_BUNDLE
            if size.attack is None
            else imports.write_attack_slice(self.attack, ctx.workdir / "attack-slice.json")
        )
        self.empty_bundle = imports.write_empty_bundle(ctx.workdir / "empty.json")
        counts = {size.big_import[e] for e in ctx.engines if size.big_import.get(e)}
        self.bundles = {n: ctx.workdir / f"indicators-{n}.json" for n in counts}
        ctx.log(f"writing bundles of {', '.join(f'{n:,}' for n in sorted(counts))} indicators")
        self.factory.write_bundles(self.bundles)
        self._rows: list[tuple[Any, ...]] = []
        self._rows_from = min(min(size.big_import.get(e, 0), size.big[e]) for e in ctx.engines)

    def objects(self, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """The indicators of the envelopes, parsed back, in order."""
        parsed = (o for body in self.envelopes for o in orjson.loads(body)["objects"])
        return itertools.islice(parsed, limit)

    def first_envelopes(self, count: int) -> list[bytes]:
        """Envelopes holding exactly the first ``count`` indicators (the last one cut short)."""
        objects = list(self.objects(count))
        per = self.ctx.server_size.envelope
        return [orjson.dumps({"objects": objects[i : i + per]}) for i in range(0, len(objects), per)]

    def big_rows(self, world: World, start: int, stop: int) -> Iterator[tuple[Any, ...]]:
        """Rows of indicators ``start..stop`` for the raw engine, built once for every engine."""
        if (world.collection_id, world.writer_org_id, world.red_group_id) != (
            self.probe.collection_id,
            self.probe.writer_org_id,
            self.probe.red_group_id,
        ):
            raise RuntimeError("the worlds of this run differ; rows built for one do not fit another")
        if not self._rows:
            stop_all = max(self.ctx.server_size.big[e] for e in self.ctx.engines)
            self.ctx.log(f"building rows of indicators {self._rows_from:,}..{stop_all:,} for the raw engine")
            rest = itertools.islice(self.factory.indicators(stop_all), self._rows_from, None)
            self._rows = list(
                rows_for(
                    rest,
                    **_owner(world),
                    group_by_marking={world.red_marking: world.red_group_id},
                    first_date_added=now_micros() + _AN_HOUR,  # after whatever this run imports
                )
            )
        return itertools.islice(self._rows, start - self._rows_from, stop - self._rows_from)


def run(ctx: Context) -> tuple[dict[str, Any], list[Row]]:
    load_start = list(os.getloadavg())
    if isinstance(ctx.size, LookupSize):
        rows, notes = lookups.run_lookups(ctx, ctx.size)
    else:
        rows, notes = _server_run(ctx)
    meta = {
        "command": "",
        "size": asdict(ctx.size),
        "engines": list(ctx.engines),
        "machine": {
            **machine(pg_setting(ctx.pg_url, "server_version")),
            "load_average": load_start,
            "postgresql_settings": {
                name: pg_setting(ctx.pg_url, name)
                for name in ("autovacuum", "shared_buffers", "synchronous_commit")
            }
            if "postgresql" in ctx.engines
            else {},
        },
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "seconds": time.perf_counter() - ctx.started,
        "git": _git_version(),
        "profiled": bool(ctx.py_spy),
        "notes": notes,
    }
    return meta, rows


def _server_run(ctx: Context) -> tuple[list[Row], list[str]]:
    """Benchmarks 1-5: the servers, the raw engine, medallion, and the validator on its own."""
    size = ctx.server_size
    workload = Workload(ctx)
    rows: list[Row] = []
    taxii: dict[str, tuple[int, float, PageStats]] = {}
    for engine in ctx.engines:
        engine_rows, taxii[engine] = _engine(ctx, workload, engine)
        rows += engine_rows
    m_ingest, m_read = _medallion(ctx, workload)
    for engine, (stored, seconds, big_read) in taxii.items():
        rows.append(ingest.medallion_row(engine, stored=stored, seconds=seconds, medallion=m_ingest))
        rows.append(
            reads.medallion_row(
                engine,
                workload=f"paged read of the big collection ({big_read.objects:,}), limit {size.page}",
                taxii=big_read,
                medallion=m_read,
            )
        )
    if size.validate:
        ctx.log(f"validation of {size.validate:,} indicators and {len(workload.attack):,} ATT&CK objects")
        rows += validation.run_validation(
            count=size.validate, baseline_count=size.validate_baseline, attack=workload.attack
        )
    engines = (*ctx.engines, validation.NO_ENGINE)
    rows.sort(key=lambda r: (_ORDER[r.benchmark], engines.index(r.engine)))
    return rows, _notes(ctx, len(workload.attack))


def _engine(ctx: Context, workload: Workload, engine: str) -> tuple[list[Row], tuple[int, float, PageStats]]:
    size, rows = ctx.server_size, []
    # (A) ingest over TAXII, then read that collection back (from a fresh server when profiling, so
    # that the two profiles stay apart)
    with _database(ctx, engine, "taxii") as (url, world):
        ctx.log(f"{engine}: ingest of {size.ingest:,} indicators over TAXII")
        with _server(ctx, url, f"{engine}-ingest") as server:
            stored, seconds = ingest.ingest_gotong(
                server,
                collection_id=world.collection_id,
                token=world.tokens[WRITER],
                envelopes=workload.envelopes,
                # autovacuum's ANALYZE, which the test server has switched off (timed, conservatively)
                maintenance=(lambda: analyze(url)) if engine == "postgresql" and ctx.autovacuum_off else None,
            )
            ctx.log(f"{engine}: {stored:,} stored at {rate(stored, seconds):,.0f}/s")

            def read_back(server: GotongServer) -> _TaxiiReads:
                return _taxii_reads(ctx, server, url, world, collection=stored, types=(), after=0.5)

            taxii = None if ctx.py_spy else read_back(server)
        if taxii is None:
            with _server(ctx, url, f"{engine}-reads-{stored}") as server:
                taxii = read_back(server)
        rows += _read_rows(ctx, engine, url, world, taxii, big=False)
    # (B) the raw engine: the same rows, bare executemany
    with _database(ctx, engine, "raw") as (url, world):
        groups = {world.red_marking: world.red_group_id}
        same = list(
            rows_for(
                workload.objects(), **_owner(world), group_by_marking=groups, first_date_added=now_micros()
            )
        )
        raw_seconds = insert_rows(url, same, batch=size.envelope)
        attack_rows = list(
            rows_for(workload.attack, **_owner(world), group_by_marking={}, first_date_added=same[-1][5] + 1)
        )
        attack_raw_seconds = insert_rows(url, attack_rows, batch=size.envelope)
    raw_rate = rate(len(same), raw_seconds)
    ctx.log(f"{engine}: raw executemany {raw_rate:,.0f}/s")
    rows.append(ingest.raw_row(engine, stored=stored, seconds=seconds, raw=(len(same), raw_seconds)))
    # (C) CLI imports, then the big collection read back
    with _database(ctx, engine, "big") as (url, world):
        rows += _imports(
            ctx, workload, engine, url, world, raw_rate, rate(len(attack_rows), attack_raw_seconds)
        )
        imported, big = size.big_import.get(engine, 0), size.big[engine]
        if big > imported:
            rows_ = workload.big_rows(world, imported, big)
            ctx.log(f"{engine}: loading indicators {imported:,}..{big:,} with the raw engine")
            load_rows(url, rows_)
        collection = len(workload.attack) + big
        with _server(ctx, url, f"{engine}-reads-{collection}") as server:
            taxii = _taxii_reads(
                ctx, server, url, world, collection=collection, types=("attack-pattern", "malware"), after=0.9
            )
        rows += _read_rows(ctx, engine, url, world, taxii, big=True)
    return rows, (stored, seconds, taxii.full)


def _imports(
    ctx: Context,
    workload: Workload,
    engine: str,
    url: str,
    world: World,
    raw_rate: float,
    attack_raw_rate: float,
) -> list[Row]:
    def run_import(bundle: Path) -> tuple[int, Any]:
        return imports.gotong_import(
            database_url=url,
            bundle=bundle,
            org=WRITER,
            collection_id=world.collection_id,
            workdir=ctx.workdir,
            timeout=_IMPORT_TIMEOUT,
        )

    _n, fixed = run_import(workload.empty_bundle)
    ctx.log(f"{engine}: import of ATT&CK ({len(workload.attack):,} objects)")
    attack_n, attack_run = run_import(workload.attack_bundle)
    rows = [
        imports.import_row(
            engine,
            workload=f"gotong import, ATT&CK Enterprise bundle ({attack_n:,} objects)",
            objects=attack_n,
            run=attack_run,
            fixed=fixed,
            baseline=f"raw executemany of the same rows ({engine})",
            baseline_rate=attack_raw_rate,
            memory_target=False,
        )
    ]
    count = ctx.server_size.big_import.get(engine, 0)
    if count:
        ctx.log(f"{engine}: import of {count:,} generated indicators")
        big_n, big_run = run_import(workload.bundles[count])
        rows.append(
            imports.import_row(
                engine,
                workload=f"gotong import, generated bundle ({big_n:,} indicators)",
                objects=big_n,
                run=big_run,
                fixed=fixed,
                baseline=f"raw executemany of {ctx.server_size.ingest:,} indicator rows ({engine})",
                baseline_rate=raw_rate,
                memory_target=True,
            )
        )
    return rows


@dataclass
class _TaxiiReads:
    """One collection read over TAXII four ways, and what the raw SELECTs need to repeat them."""

    collection: int
    types: tuple[str, ...]
    after: float
    since: int
    full: PageStats
    newer: PageStats
    typed: PageStats | None  # None: no type filter asked for
    partial: PageStats


def _taxii_reads(
    ctx: Context,
    server: GotongServer,
    url: str,
    world: World,
    *,
    collection: int,
    types: tuple[str, ...],
    after: float,
) -> _TaxiiReads:
    """Paged, ``added_after``, ``match[type]`` and partial-visibility reads of one collection."""
    page, cid = ctx.server_size.page, world.collection_id
    if analyze(url):
        ctx.log("ANALYZE (PostgreSQL), as autovacuum would after a bulk change")
    since = date_added_at(url, collection_id=cid, offset=int(collection * after))
    ctx.log(f"reading {collection:,} objects over TAXII")

    def read(org: str, extra: dict[str, str]) -> PageStats:
        return reads.read_gotong(
            server,
            collection_id=cid,
            token=world.tokens[org],
            params={"limit": str(page), **extra},
            max_pages=collection // page + 10,
        )

    return _TaxiiReads(
        collection=collection,
        types=types,
        after=after,
        since=since,
        full=read(FULL_READER, {}),
        newer=read(FULL_READER, {"added_after": format_micros(since)}),
        typed=read(FULL_READER, {"match[type]": ",".join(types)}) if types else None,
        partial=read(PARTIAL_READER, {}),
    )


def _read_rows(
    ctx: Context, engine: str, url: str, world: World, taxii: _TaxiiReads, *, big: bool
) -> list[Row]:
    """The same reads as bare SELECTs (with the server stopped), and the rows comparing the two."""
    page, cid, n = ctx.server_size.page, world.collection_id, taxii.collection
    pages = n // page + 10
    raw_full = select_pages(url, collection_id=cid, limit=page, max_pages=pages)
    raw_newer = select_pages(url, collection_id=cid, limit=page, max_pages=pages, added_after=taxii.since)
    baseline = f"raw SELECT, same rows ({engine})"
    out = [
        reads.read_row(
            engine,
            workload=f"paged read of {n:,} objects, limit {page}",
            taxii=taxii.full,
            baseline=baseline,
            base=raw_full,
            rate_target=True,
            p99_target=big,
        ),
        reads.read_row(
            engine,
            workload=f"added_after (newest {1 - taxii.after:.0%}) of {n:,}",
            taxii=taxii.newer,
            baseline=baseline,
            base=raw_newer,
        ),
        visibility.visibility_row(engine, collection=n, full=taxii.full, partial=taxii.partial),
    ]
    if taxii.typed is not None:
        raw_typed = select_pages(url, collection_id=cid, limit=page, max_pages=pages, types=taxii.types)
        out.insert(
            2,
            reads.read_row(
                engine,
                workload=f"match[type]={','.join(taxii.types)} of {n:,}",
                taxii=taxii.typed,
                baseline=baseline,
                base=raw_typed,
            ),
        )
    return out


def _medallion(ctx: Context, workload: Workload) -> tuple[tuple[int, float], PageStats]:
    size = ctx.server_size
    ctx.log(f"medallion: ingest of {size.medallion_ingest:,} indicators")
    with MedallionServer(ctx.workdir, page_limit=size.page) as server:
        ingested = ingest.ingest_medallion(server, envelopes=workload.first_envelopes(size.medallion_ingest))
        if size.medallion_read == size.medallion_ingest:
            return ingested, _medallion_read(ctx, server)
    with MedallionServer(ctx.workdir, page_limit=size.page) as server:  # a collection it can page through
        ingest.ingest_medallion(server, envelopes=workload.first_envelopes(size.medallion_read))
        return ingested, _medallion_read(ctx, server)


def _medallion_read(ctx: Context, server: MedallionServer) -> PageStats:
    size = ctx.server_size
    ctx.log(f"medallion: paged read of {size.medallion_read:,}")
    return reads.read_medallion(server, limit=size.page, max_pages=size.medallion_read // size.page + 10)


@contextmanager
def _database(ctx: Context, engine: str, name: str) -> Iterator[tuple[str, World]]:
    with fresh_database(engine, workdir=ctx.workdir, name=name, pg_url=ctx.pg_url) as url:
        yield url, build_world(url)


@contextmanager
def _server(ctx: Context, url: str, label: str) -> Iterator[GotongServer]:
    server = GotongServer(ctx.workdir, database_url=url, py_spy=ctx.py_spy)
    with server:
        yield server
    if server.profile is not None and server.profile.exists():
        summary = summarise(server.profile, title=f"gotong serve, {label}")
        ctx.out.mkdir(parents=True, exist_ok=True)
        (ctx.out / f"profile-{label}.txt").write_text(summary, encoding="utf-8")


def _notes(ctx: Context, attack: int) -> list[str]:
    size = ctx.server_size
    notes = [
        f"big collection, {engine}: {attack:,} ATT&CK objects (gotong import) + {size.big[engine]:,} "
        f"indicators, {size.big_import.get(engine, 0):,} of them through gotong import and the rest loaded "
        "with the raw engine (the same rows)"
        for engine in ctx.engines
    ]
    notes.append(
        f"medallion is capped at {size.medallion_ingest:,} objects for ingest and {size.medallion_read:,} "
        "for reads: its memory backend is quadratic in the collection size; ratios compare rates"
    )
    if "postgresql" in ctx.engines:
        notes.append(
            "PostgreSQL: ANALYZE before each read stage, and, if autovacuum is off on the server, every "
            f"{ingest.MAINTENANCE_EVERY} envelopes of the TAXII ingest (timed): docs/benchmarks.md, findings"
        )
    if ctx.py_spy:
        notes.append(
            "profiled with py-spy: the servers were paused to sample, so these rates are not comparable"
        )
    return notes


def _owner(world: World) -> dict[str, Any]:
    return {"collection_id": world.collection_id, "submitter_org_id": world.writer_org_id}


def _git_version() -> str:
    try:
        return subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=Path(__file__).resolve().parents[1],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"

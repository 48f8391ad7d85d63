"""Benchmark 3, reads over TAXII: page through a collection with ``limit`` and ``next``; objects/s and
p50/p99 page latency, unfiltered and filtered (``added_after``, ``match[type]``).

Baselines, measured in the same run: the raw engine's keyset ``SELECT`` of the same rows
(:func:`bench.raw.select_pages`), and medallion paging through the same indicators at a size it can
finish (its memory backend sorts and filters in Python, quadratically, on the first page).
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson

from bench.common import Row, percentile, rate, ratio
from bench.raw import PageStats
from bench.servers import GotongServer, MedallionServer

READ_TARGET = 50_000.0
P99_TARGET_MS = 100.0
MEDALLION_TARGET = 100.0


def page_through(
    client: httpx.Client, *, url: str, headers: dict[str, str], params: dict[str, str], max_pages: int
) -> PageStats:
    """GET every page of ``url`` (following ``next``), parsing each envelope as a client would."""
    latencies: list[float] = []
    objects = 0
    cursor: str | None = None
    client.get(url, params=dict(params, limit="1"), headers=headers).raise_for_status()  # warm, untimed
    start = time.perf_counter()
    for _ in range(max_pages):
        query = dict(params, next=cursor) if cursor else params
        began = time.perf_counter()
        answer = client.get(url, params=query, headers=headers)
        if answer.status_code != 200:
            raise RuntimeError(f"GET {url} {query}: {answer.status_code} {answer.text[:300]}")
        envelope: dict[str, Any] = orjson.loads(answer.content)
        latencies.append((time.perf_counter() - began) * 1000)
        objects += len(envelope.get("objects", ()))
        if not envelope.get("more"):
            break
        cursor = envelope["next"]
    else:
        raise RuntimeError(f"GET {url}: still more after {max_pages} pages")
    return PageStats(
        objects=objects, pages=len(latencies), seconds=time.perf_counter() - start, latencies_ms=latencies
    )


def read_gotong(
    server: GotongServer, *, collection_id: str, token: str, params: dict[str, str], max_pages: int
) -> PageStats:
    with httpx.Client(timeout=300) as client:
        return page_through(
            client,
            url=server.collection_url(collection_id) + "objects/",
            headers=server.headers(token),
            params=params,
            max_pages=max_pages,
        )


def read_medallion(server: MedallionServer, *, limit: int, max_pages: int) -> PageStats:
    with httpx.Client(timeout=900, auth=server.auth()) as client:
        return page_through(
            client,
            url=server.collection_url() + "objects/",
            headers=server.headers(),
            params={"limit": str(limit)},
            max_pages=max_pages,
        )


def read_row(
    engine: str,
    *,
    workload: str,
    taxii: PageStats,
    baseline: str,
    base: PageStats,
    rate_target: bool = False,
    p99_target: bool = False,
) -> Row:
    """One read against its baseline, with the paged-read targets that apply to it."""
    if not (taxii.objects and base.objects):
        raise RuntimeError(f"{workload}: nothing was read ({taxii.objects} vs {base.objects} for {baseline})")
    got, floor = rate(taxii.objects, taxii.seconds), rate(base.objects, base.seconds)
    p99 = percentile(taxii.latencies_ms, 99)
    row = Row(
        benchmark="reads",
        engine=engine,
        workload=workload,
        objects=taxii.objects,
        seconds=taxii.seconds,
        rate=got,
        baseline=baseline,
        baseline_rate=floor,
        ratio=ratio(got, floor),
        p50_ms=percentile(taxii.latencies_ms, 50),
        p99_ms=p99,
        notes=[
            f"{taxii.pages} pages; baseline p50/p99 {percentile(base.latencies_ms, 50):.1f}/"
            f"{percentile(base.latencies_ms, 99):.1f} ms over {base.pages} pages",
        ],
    )
    if base.objects != taxii.objects and not baseline.startswith("medallion"):
        row.notes.append(f"the baseline returned {base.objects:,} objects")
    wanted = [f"≥ {READ_TARGET:,.0f}/s"] * rate_target + [f"p99 < {P99_TARGET_MS:.0f} ms"] * p99_target
    if wanted:
        row.target = ", ".join(wanted)
        row.met = (not rate_target or got >= READ_TARGET) and (not p99_target or p99 < P99_TARGET_MS)
    return row


def medallion_row(engine: str, *, workload: str, taxii: PageStats, medallion: PageStats) -> Row:
    row = read_row(
        engine,
        workload=workload,
        taxii=taxii,
        baseline=f"medallion memory backend ({medallion.objects:,} objects)",
        base=medallion,
    )
    row.target = f"≥ {MEDALLION_TARGET:.0f}x medallion"
    row.met = row.ratio >= MEDALLION_TARGET
    return row

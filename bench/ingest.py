"""Benchmark 1, ingest over TAXII: POST envelopes of indicators, poll each status to completion; objects/s.

Baselines, measured in the same run: (a) the raw engine, the same rows inserted with a bare
``executemany`` in batches of the envelope size (:mod:`bench.raw`), the floor; (b) medallion, the OASIS
reference TAXII 2.1 server, taking the same envelopes (capped: its memory backend is quadratic).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import orjson

from bench.common import Row, rate, ratio
from bench.servers import GotongServer, MedallionServer

_POLLS = 600  # per envelope; Gotong stores an envelope before it answers, so one poll is the norm
_POLL_PAUSE = 0.05
MAINTENANCE_EVERY = 10
INGEST_TARGET = 10_000.0
RAW_SHARE_TARGET = 0.5


def post_envelopes(
    client: httpx.Client,
    *,
    objects_url: str,
    status_url: str,
    headers: dict[str, str],
    envelopes: list[bytes],
    maintenance: Callable[[], object] | None = None,
) -> tuple[int, float]:
    """POST every envelope and poll its status until complete; (objects stored, seconds).

    ``maintenance`` runs (and is timed) after every ``MAINTENANCE_EVERY`` envelopes.
    """
    stored = 0
    start = time.perf_counter()
    for n, body in enumerate(envelopes, 1):
        if maintenance is not None and n % MAINTENANCE_EVERY == 0:
            maintenance()
        answer = client.post(objects_url, content=body, headers=headers)
        if answer.status_code != 202:
            raise RuntimeError(f"POST {objects_url}: {answer.status_code} {answer.text[:300]}")
        status = answer.json()
        for _ in range(_POLLS):
            polled = client.get(f"{status_url}{status['id']}/", headers=headers)
            polled.raise_for_status()
            status = polled.json()
            if status["status"] == "complete":
                break
            time.sleep(_POLL_PAUSE)
        else:
            raise RuntimeError(f"status {status['id']} still pending after {_POLLS} polls")
        if status.get("failure_count"):
            raise RuntimeError(f"objects rejected: {orjson.dumps(status.get('failures', [])[:3]).decode()}")
        stored += int(status["success_count"])
    return stored, time.perf_counter() - start


def ingest_gotong(
    server: GotongServer,
    *,
    collection_id: str,
    token: str,
    envelopes: list[bytes],
    maintenance: Callable[[], object] | None = None,
) -> tuple[int, float]:
    with httpx.Client(timeout=300) as client:
        return post_envelopes(
            client,
            objects_url=server.collection_url(collection_id) + "objects/",
            status_url=server.api_root + "status/",
            headers=server.headers(token),
            envelopes=envelopes,
            maintenance=maintenance,
        )


def ingest_medallion(server: MedallionServer, *, envelopes: list[bytes]) -> tuple[int, float]:
    with httpx.Client(timeout=600, auth=server.auth()) as client:
        return post_envelopes(
            client,
            objects_url=server.collection_url() + "objects/",
            status_url=server.api_root + "status/",
            headers=server.headers(),
            envelopes=envelopes,
        )


def raw_row(engine: str, *, stored: int, seconds: float, raw: tuple[int, float]) -> Row:
    """Gotong's TAXII ingest against the raw engine inserting the same rows."""
    got, floor = rate(stored, seconds), rate(*raw)
    share = ratio(got, floor)
    return Row(
        benchmark="ingest",
        engine=engine,
        workload=f"TAXII POST of {stored:,} indicators, status polled",
        objects=stored,
        seconds=seconds,
        rate=got,
        baseline=f"raw executemany of the same rows ({engine})",
        baseline_rate=floor,
        ratio=share,
        # The absolute rate is a target for SQLite only; on PostgreSQL only the share of raw is.
        target=(f"≥ {INGEST_TARGET:,.0f}/s and " if engine == "sqlite" else "")
        + f"≥ {RAW_SHARE_TARGET:.0%} of raw",
        met=(engine != "sqlite" or got >= INGEST_TARGET) and share >= RAW_SHARE_TARGET,
    )


def medallion_row(engine: str, *, stored: int, seconds: float, medallion: tuple[int, float]) -> Row:
    """Gotong's TAXII ingest against medallion taking the same envelopes."""
    got, theirs = rate(stored, seconds), rate(*medallion)
    return Row(
        benchmark="ingest",
        engine=engine,
        workload=f"TAXII POST of {stored:,} indicators, status polled",
        objects=stored,
        seconds=seconds,
        rate=got,
        baseline=f"medallion memory backend, same envelopes ({medallion[0]:,} objects)",
        baseline_rate=theirs,
        ratio=ratio(got, theirs),
    )

"""What reading costs now that two organisations may hold one version (issue 13, the write path).

A version another organisation held hidden from its submitter is stored as the submitter's own row,
and every read keeps only the first of the rows of one version that the reader may see
(:func:`gotong.intel.query.first_submission`). This measures a paged read of a collection through
:func:`~gotong.intel.query.read_page` with that condition and, as the baseline in the same run on the
same rows, with it replaced by ``TRUE`` (what the read was before). Each engine gets a fresh
database with the ASEAN preset; ``--shared`` of the indicators are posted a second time by another
organisation that could not see the first (so the condition has rows to look at).

    .venv/bin/python -m bench.shared_versions                     # 20,000 indicators, both engines
    .venv/bin/python -m bench.shared_versions --objects 100000 --engines sqlite

The ratio is the median of five timed reads with the condition over the median of five without; the
two alternate, so load on the machine falls on both alike.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Engine, true

from bench.databases import ENGINES, default_pg_url, fresh_database
from gotong.core.auth import Principal
from gotong.db.engine import make_engine, read_connection
from gotong.intel import query
from gotong.intel.query import ObjectFilter, read_page
from gotong.intel.store import add_objects
from gotong.node import init_node
from gotong.orgs.service import get_org
from gotong.sharing.service import load_reader

REGIONAL = "9c1d5e3a-7b2f-4a6e-8d0c-1f2e3a4b5c6d"  # the ASEAN preset's regional collection
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
REPEATS = 5


def _indicator(n: int, marking: str) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "created_by_ref": "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "name": f"bench {n}",
        "pattern": f"[domain-name:value = 'd{n}.bench.example']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00.000Z",
        "object_marking_refs": [marking],
    }


def _principal(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org)


def _load(engine: Engine, objects: int, shared: float) -> None:
    """MyCERT posts every indicator; the first ``shared`` of them RED, which ThaiCERT then posts too."""
    my, thai = _principal(engine, "MyCERT"), _principal(engine, "ThaiCERT")
    hidden = int(objects * shared)
    for start in range(0, objects, 1000):
        numbers = range(start, min(start + 1000, objects))
        batch = [_indicator(n, RED if n < hidden else GREEN) for n in numbers]
        assert not add_objects(engine, principal=my, collection_id=REGIONAL, objects=batch).failures
        copies = [{**o, "object_marking_refs": [GREEN]} for o in batch if o["object_marking_refs"] == [RED]]
        if copies:
            assert not add_objects(engine, principal=thai, collection_id=REGIONAL, objects=copies).failures


def _read_all(engine: Engine, reader_org: str) -> tuple[float, int]:
    with read_connection(engine) as conn:
        reader = load_reader(conn, _principal(engine, reader_org))
        cursor, seen = None, 0
        began = time.perf_counter()
        while True:
            page = read_page(
                conn, reader=reader, collection_id=REGIONAL, filters=ObjectFilter(), limit=1000, cursor=cursor
            )
            seen += len(page.items)
            if not page.more:
                return time.perf_counter() - began, seen
            cursor = page.next


def measure(url: str, *, objects: int, shared: float) -> dict[str, float]:
    engine = make_engine(url)
    try:
        init_node(engine, preset="asean")
        _load(engine, objects, shared)
        real = query.first_submission
        everything: Callable[[Any, Any], ColumnElement[bool]] = lambda _reader, _scope: true()  # noqa: E731
        timed: dict[str, list[float]] = {"with": [], "without": []}
        counts: dict[str, int] = {}
        try:
            for _ in range(REPEATS):
                for mode, clause in (("with", real), ("without", everything)):
                    query.first_submission = clause  # type: ignore[assignment]
                    seconds, counts[mode] = _read_all(engine, "MyCERT")
                    timed[mode].append(seconds)
        finally:
            query.first_submission = real
        # MyCERT may see both rows of a shared version: once with the condition, twice without.
        assert counts["with"] == objects and counts["without"] == objects + int(objects * shared), counts
        with_, without = statistics.median(timed["with"]), statistics.median(timed["without"])
        return {"with": with_, "without": without, "ratio": with_ / without}
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--shared", type=float, default=0.01, help="share of versions two organisations hold")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--pg-url", default=default_pg_url())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        for kind in args.engines.split(","):
            with fresh_database(kind, workdir=Path(workdir), name="shared", pg_url=args.pg_url) as url:
                got = measure(url, objects=args.objects, shared=args.shared)
            print(
                f"{kind}: paged read of {args.objects:,} versions ({args.shared:.0%} held twice): "
                f"{got['with']:.3f} s with first_submission, {got['without']:.3f} s without "
                f"(median of {REPEATS}): {got['ratio']:.2f}x"
            )


if __name__ == "__main__":
    main()

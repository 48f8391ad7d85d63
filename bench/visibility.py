"""Benchmark 4, the cost of visibility: the same paged read as an organisation that may see one object in ten
(VNCERT) and as one that may see them all (MyCERT).

If the sharing filter ran in Python after fetching, the partial reader would pay for every row of the
collection and take about as long as the full reader. Because it runs in the database
(:func:`gotong.sharing.policy.visibility_clause` in every query), the partial reader fetches, serialises
and sends a tenth of the rows, so it should finish several times sooner; the ratio reported is
time(full reader) / time(partial reader).
"""

from __future__ import annotations

from bench.common import Row, percentile, rate, ratio
from bench.raw import PageStats

SPEED_UP_TARGET = 2.0


def visibility_row(engine: str, *, collection: int, full: PageStats, partial: PageStats) -> Row:
    share = ratio(partial.objects, full.objects)
    speed_up = ratio(full.seconds, partial.seconds)
    return Row(
        benchmark="visibility",
        engine=engine,
        workload=(
            f"page through {collection:,} objects as VNCERT, who may see {share:.0%} ({partial.objects:,})"
        ),
        objects=collection,
        seconds=partial.seconds,
        rate=rate(collection, partial.seconds),
        baseline=f"the same read as MyCERT, who may see all ({full.objects:,})",
        baseline_rate=rate(collection, full.seconds),
        ratio=speed_up,
        ratio_means="time(full reader) / time(partial reader)",
        p50_ms=percentile(partial.latencies_ms, 50),
        p99_ms=percentile(partial.latencies_ms, 99),
        target=f"partial reader ≥ {SPEED_UP_TARGET:.0f}x faster (filter in SQL)",
        met=speed_up >= SPEED_UP_TARGET,
        notes=[
            f"{partial.pages} pages vs {full.pages}; rates are objects of the collection covered per second",
        ],
    )

"""Writing the results of a run: ``results.json`` (everything) and ``results.md`` (the table for the docs)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import orjson

from bench.common import DEFAULT_UNIT, Row

_MET = {True: "met", False: "**missed**", None: ""}


def write_results(out: Path, *, meta: dict[str, Any], rows: list[Row]) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / "results.json", out / "results.md"
    payload = {**meta, "results": [_finite(r.as_dict()) for r in rows]}
    json_path.write_bytes(orjson.dumps(payload, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
    md_path.write_text(markdown(meta=meta, rows=rows), encoding="utf-8")
    return json_path, md_path


def markdown(*, meta: dict[str, Any], rows: list[Row]) -> str:
    m = meta["machine"]
    units = {row.unit for row in rows} or {DEFAULT_UNIT}
    rate = DEFAULT_UNIT if units == {DEFAULT_UNIT} else "rate"  # else each cell says its unit
    lines = [
        f"Command: `{meta['command']}`  ",
        f"Size: {meta['size']['name']}; engines: {', '.join(meta['engines'])}; "
        f"wall time {meta['seconds']:.0f} s; git {meta.get('git', '?')}  ",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB RAM, Linux {m['kernel']}, "
        f"Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL {m['postgresql'] or 'n/a'}  ",
        *(
            [f"PostgreSQL settings: {', '.join(f'{k}={v}' for k, v in m['postgresql_settings'].items())}  "]
            if m.get("postgresql_settings")
            else []
        ),
        f"Load average (1/5/15 min) at start {_load(m['load_average'])}, "
        f"at end {_load(meta.get('load_average_end', []))}",
        "",
        *(f"- {note}" for note in meta.get("notes", [])),
        "",
        f"| # | benchmark | engine | workload | objects | {rate} | baseline | baseline {rate} | ratio "
        "| p50 / p99 ms | peak RSS MiB | target | |",
        "|--:|---|---|---|--:|--:|---|--:|--:|--:|--:|---|---|",
    ]
    for n, row in enumerate(rows, 1):
        # Fast lookups need more digits than pages do; latencies of a millisecond or more, one decimal.
        digits = 1 if row.p50_ms is None or row.p50_ms >= 1 else 3
        latency = f"{row.p50_ms:.{digits}f} / {row.p99_ms:.{digits}f}" if row.p50_ms is not None else ""
        rss = f"{row.peak_rss_mb:.0f}" if row.peak_rss_mb is not None else ""
        unit = "" if units == {DEFAULT_UNIT} else f" {row.unit}"
        lines.append(
            f"| {n} | {row.benchmark} | {row.engine} | {row.workload} | {row.objects:,} "
            f"| {_num(row.rate)}{unit} | {row.baseline} | {_num(row.baseline_rate)}{unit} "
            f"| {_ratio(row.ratio)} | {latency} | {rss} | {row.target} | {_MET[row.met]} |"
        )
    lines += ["", "Ratios are rate / baseline rate unless noted. Notes by row:", ""]
    for n, row in enumerate(rows, 1):
        notes = (
            [] if row.ratio_means == "rate / baseline rate" else [f"ratio = {row.ratio_means}"]
        ) + row.notes
        if notes:
            lines.append(f"{n}. " + "; ".join(notes))
    return "\n".join(lines) + "\n"


def _num(value: float) -> str:
    if not math.isfinite(value):
        return "∞"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _ratio(value: float) -> str:
    if not math.isfinite(value):
        return "∞"
    return f"{value:,.0f}x" if value >= 100 else f"{value:.2f}x"


def _load(values: list[float]) -> str:
    return " / ".join(f"{v:.2f}" for v in values) or "?"


def _finite(row: dict[str, Any]) -> dict[str, Any]:
    """JSON has no infinity: a rate over zero seconds is written as null."""
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}

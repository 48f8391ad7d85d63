"""What every benchmark shares: run sizes, the result row, timing statistics, peak RSS, the machine.

Not for data generation (:mod:`bench.data`), databases (:mod:`bench.databases`) or servers
(:mod:`bench.servers`).
"""

from __future__ import annotations

import json
import math
import os
import platform
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Size:
    """How much work one run does; ``full`` is what docs/benchmarks.md reports."""

    name: str
    ingest: int  # indicators POSTed over TAXII (and inserted raw, the baseline), then read back
    envelope: int  # objects per TAXII envelope and per raw insert batch
    attack: int | None  # ATT&CK objects imported from the CLI (None: the whole bundle)
    big: Mapping[str, int]  # by engine: indicators in the big collection (after ATT&CK) read over TAXII
    big_import: Mapping[str, int]  # by engine: of which imported with `gotong import`; the rest loaded raw
    medallion_ingest: int  # medallion's memory backend is quadratic in the collection size: capped
    medallion_read: int
    page: int  # TAXII limit per page
    validate: int = 0  # indicators for the validation benchmark (0: not run)
    validate_baseline: int = 0  # of which the (much slower) stix2-validator validates the first ones


@dataclass(frozen=True)
class LookupSize:
    """A run of the correlation lookup benchmark alone (:mod:`bench.lookups`)."""

    name: str
    indicators: int  # bulk-loaded with their index rows (:mod:`bench.populate`)
    build_sample: int  # then indexed through Gotong's own index_versions, timed
    lookups: int  # present values looked up, and as many absent ones
    warmup: int  # lookups before timing starts (present values, not counted)
    chunk: int = 10_000  # indicators per transaction of the bulk load


SIZES: dict[str, Size | LookupSize] = {
    "smoke": Size(
        name="smoke",
        ingest=300,
        envelope=100,
        attack=150,
        big={"sqlite": 400, "postgresql": 400},
        big_import={"sqlite": 300, "postgresql": 300},
        medallion_ingest=200,
        medallion_read=200,
        page=100,
        validate=700,
        validate_baseline=70,
    ),
    # What fits in 15 minutes on the reference machine (docs/benchmarks.md): at the measured import
    # rates a 1,000,000-object import alone takes longer, so the CLI imports a slice and the rest of the
    # big collection is loaded with the raw engine; `import-1m` measures the whole import on its own.
    # PostgreSQL pages through 500,000: at its measured read rate 1,000,000 would not fit either.
    "full": Size(
        name="full",
        ingest=100_000,
        envelope=1000,
        attack=None,
        big={"sqlite": 1_000_000, "postgresql": 500_000},
        big_import={"sqlite": 50_000, "postgresql": 20_000},
        medallion_ingest=5000,
        medallion_read=1000,
        page=1000,
        validate=20_000,
        validate_baseline=1000,
    ),
    "import-1m": Size(
        name="import-1m",
        ingest=1000,
        envelope=1000,
        attack=None,
        big={"sqlite": 1_000_000, "postgresql": 1_000_000},
        big_import={"sqlite": 1_000_000, "postgresql": 1_000_000},
        medallion_ingest=1000,
        medallion_read=1000,
        page=1000,
    ),
    # The correlation lookup benchmark (docs/benchmarks.md, "Correlation lookups"): the issue asks for
    # 1,000,000 and 10,000,000 indicators; `lookup-smoke` is what the test suite runs.
    "lookup-smoke": LookupSize(
        name="lookup-smoke", indicators=3000, build_sample=500, lookups=100, warmup=10
    ),
    "lookup-1m": LookupSize(
        name="lookup-1m", indicators=1_000_000, build_sample=100_000, lookups=5000, warmup=500
    ),
    "lookup-10m": LookupSize(
        name="lookup-10m", indicators=10_000_000, build_sample=100_000, lookups=5000, warmup=500
    ),
}


DEFAULT_UNIT = "obj/s"


@dataclass
class Row:
    """One line of the results table: a workload, its baseline measured in the same run, their ratio."""

    benchmark: str
    engine: str
    workload: str
    objects: int
    seconds: float
    rate: float  # objects per second
    baseline: str
    baseline_rate: float
    ratio: float  # rate / baseline_rate, unless ``ratio_means`` says otherwise
    ratio_means: str = "rate / baseline rate"
    unit: str = DEFAULT_UNIT  # of rate and baseline_rate
    p50_ms: float | None = None
    p99_ms: float | None = None
    peak_rss_mb: float | None = None
    target: str = ""
    met: bool | None = None
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # figures for results.json, not the table

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rate(objects: int, seconds: float) -> float:
    return objects / seconds if seconds > 0 else math.inf


def ratio(a: float, b: float) -> float:
    return a / b if b > 0 else math.inf


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class ProcessRun:
    """A finished child process: wall time, peak RSS (from the kernel) and the RSS timeline we sampled."""

    returncode: int
    seconds: float
    peak_rss_bytes: int
    samples: list[tuple[float, int]]  # (seconds since start, VmRSS bytes)
    output: str

    def rss_at(self, fraction: float) -> int:
        """RSS sampled closest after ``fraction`` of the run's wall time (0 if never sampled)."""
        when = fraction * self.seconds
        for at, rss in self.samples:
            if at >= when:
                return rss
        return self.samples[-1][1] if self.samples else 0


def run_measured(cmd: list[str], *, env: dict[str, str], log: Path, timeout: float) -> ProcessRun:
    """Run ``cmd`` to completion under :mod:`bench.rss`, so that its peak RSS is its own."""
    report = log.with_suffix(".rss.json")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.rss", str(report), "--", *cmd],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so a timeout can stop the command with its parent
        )
        try:
            proc.wait(timeout=timeout)
        except BaseException as exc:  # too slow, or Ctrl-C/SIGTERM: the command goes with us
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            if isinstance(exc, subprocess.TimeoutExpired):
                raise RuntimeError(f"{' '.join(cmd)}: still running after {timeout:.0f} s") from None
            raise
    measured = json.loads(report.read_text("utf-8"))
    return ProcessRun(
        returncode=measured["returncode"],
        seconds=measured["seconds"],
        peak_rss_bytes=measured["peak_rss_bytes"],
        samples=[(at, rss) for at, rss in measured["samples"]],
        output=log.read_text("utf-8", errors="replace")[-2000:],
    )


def machine(pg_version: str | None) -> dict[str, Any]:
    """What the numbers were measured on, including how busy the machine was."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def mib(value: int) -> float:
    return round(value / 1024 / 1024, 1)

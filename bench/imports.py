"""Benchmark 2, bulk import from the CLI: ``gotong import`` of the ATT&CK Enterprise bundle and of a generated
bundle of indicators; objects/s and peak RSS, which must stay flat as the input grows.

Each import is a separate process, so its peak RSS (``wait4``) is its own. The fixed cost of a run
(interpreter start, imports, connecting) is measured by importing an empty bundle and taken out of the
rate. Baseline: the raw engine's ``executemany`` of the same kind of rows, measured in the same run.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import orjson

from bench.common import ProcessRun, Row, mib, rate, ratio, run_measured

RSS_TARGET_MIB = 500.0
_SUMMARY = re.compile(r"imported: (\d+) accepted, (\d+) already present, (\d+) rejected")


def write_empty_bundle(path: Path) -> Path:
    path.write_bytes(b'{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":[]}')
    return path


def write_attack_slice(objects: list[dict[str, object]], path: Path) -> Path:
    path.write_bytes(orjson.dumps({"type": "bundle", "id": "bundle--attack-slice", "objects": objects}))
    return path


def gotong_import(
    *, database_url: str, bundle: Path, org: str, collection_id: str, workdir: Path, timeout: float
) -> tuple[int, ProcessRun]:
    """Run ``gotong import`` as a child process; (objects accepted, the measured run)."""
    env = dict(os.environ, GOTONG_DATABASE_URL=database_url)
    cmd = [sys.executable, "-m", "gotong", "import", "--org", org, "--collection", collection_id, "--quiet"]
    run = run_measured(
        [*cmd, str(bundle)], env=env, log=workdir / f"import-{bundle.stem}.log", timeout=timeout
    )
    found = _SUMMARY.search(run.output)
    if run.returncode != 0 or found is None:
        raise RuntimeError(f"gotong import {bundle.name} failed ({run.returncode}):\n{run.output}")
    accepted, _present, rejected = (int(g) for g in found.groups())
    if rejected:
        raise RuntimeError(f"gotong import {bundle.name}: {rejected} objects rejected:\n{run.output}")
    return accepted, run


def import_row(
    engine: str,
    *,
    workload: str,
    objects: int,
    run: ProcessRun,
    fixed: ProcessRun,
    baseline: str,
    baseline_rate: float,
    memory_target: bool,
) -> Row:
    """One import against the raw engine; the rate leaves out the fixed cost of a run."""
    net = run.seconds - fixed.seconds
    # Subtracting the fixed cost only means something when the import itself takes longer than it.
    seconds = net if net >= fixed.seconds else run.seconds
    got = rate(objects, seconds)
    early = run.rss_at((fixed.seconds + 0.1 * max(net, 0)) / run.seconds)  # 10% into the import proper
    row = Row(
        benchmark="import",
        engine=engine,
        workload=workload,
        objects=objects,
        seconds=run.seconds,
        rate=got,
        baseline=baseline,
        baseline_rate=baseline_rate,
        ratio=ratio(got, baseline_rate),
        peak_rss_mb=mib(run.peak_rss_bytes),
        notes=[
            f"wall {run.seconds:.1f} s; the fixed cost of a run (empty bundle) is {fixed.seconds:.1f} s, "
            f"peak RSS {mib(fixed.peak_rss_bytes)} MiB; the rate "
            + ("leaves it out" if seconds == net else "includes it (too short to subtract)"),
            f"RSS 10% into the import {mib(early)} MiB, peak {mib(run.peak_rss_bytes)} MiB "
            f"(growth x{ratio(run.peak_rss_bytes, early):.2f})",
        ],
    )
    if memory_target:
        row.target = f"peak RSS < {RSS_TARGET_MIB:.0f} MB"
        row.met = mib(run.peak_rss_bytes) < RSS_TARGET_MIB
    return row

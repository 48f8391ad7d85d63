"""The benchmarks run end to end at a tiny size, so they cannot rot: every benchmark reports a positive
rate against a baseline measured in the same run. No timing is asserted; the full run is not part of CI."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest
from bench.__main__ import main

from tests.conftest import ENGINE_KIND, PG_ADMIN_URL

BENCHMARKS = {"ingest", "import", "reads", "visibility", "validate"}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench-results")
    work = tmp_path_factory.mktemp("bench-work")
    args = ["--size", "smoke", "--engines", ENGINE_KIND, "--out", str(out), "--workdir", str(work)]
    assert main([*args, "--pg-url", PG_ADMIN_URL]) == 0
    assert (out / "results.md").read_text("utf-8").count(f"| {ENGINE_KIND} |") > len(BENCHMARKS)
    loaded: dict[str, Any] = orjson.loads((out / "results.json").read_bytes())
    return loaded


def _rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = results["results"]
    return rows


def test_every_benchmark_reports_a_positive_rate_against_a_baseline(results: dict[str, Any]) -> None:
    rows = _rows(results)
    assert {r["benchmark"] for r in rows} == BENCHMARKS
    for row in rows:
        assert row["engine"] == ("-" if row["benchmark"] == "validate" else ENGINE_KIND)  # no database
        assert row["objects"] > 0, row
        assert row["rate"] > 0 and row["baseline_rate"] > 0 and row["ratio"] > 0, row
        assert row["baseline"], row


def test_each_workload_is_measured_against_the_baselines_the_issue_names(results: dict[str, Any]) -> None:
    baselines = {(r["benchmark"], str(r["baseline"]).split(" ")[0]) for r in _rows(results)}
    assert {("ingest", "raw"), ("ingest", "medallion"), ("reads", "raw"), ("reads", "medallion")} <= baselines
    assert ("import", "raw") in baselines
    # Each partial read is measured against the same read by an organisation that may see everything.
    visibility = [r for r in _rows(results) if r["benchmark"] == "visibility"]
    assert visibility
    for row in visibility:
        assert re.fullmatch(r"the same read as MyCERT, who may see all \([\d,]+\)", str(row["baseline"])), row
    assert {b for name, b in baselines if name == "validate"} == {"stix2-validator,"}


def test_imports_report_peak_memory_and_reads_report_latency(results: dict[str, Any]) -> None:
    rows = _rows(results)
    assert all(r["peak_rss_mb"] > 0 for r in rows if r["benchmark"] == "import")
    assert all(r["p99_ms"] >= r["p50_ms"] > 0 for r in rows if r["benchmark"] == "reads")


def test_the_partial_reader_sees_only_the_clear_tenth(results: dict[str, Any]) -> None:
    first = next(r for r in _rows(results) if r["benchmark"] == "visibility")
    assert "may see 10% (30)" in str(first["workload"])  # 300 indicators, one in ten TLP:CLEAR


def test_both_validators_accept_every_generated_object(results: dict[str, Any]) -> None:
    rows = [r for r in _rows(results) if r["benchmark"] == "validate"]
    assert len(rows) == 4  # cold cache, warm cache, no qualifiers, ATT&CK
    for row in rows:
        assert row["details"]["invalid"] == 0 and row["details"]["baseline_invalid"] == 0, row
        assert 0 < row["details"]["baseline_objects"] <= row["objects"], row


def test_the_run_is_described(results: dict[str, Any]) -> None:
    machine = results["machine"]
    assert isinstance(machine, dict)
    assert machine["nproc"] and machine["python"] and machine["sqlite"] and machine["load_average"]
    assert str(results["command"]).startswith(".venv/bin/python -m bench --size smoke")

"""The correlation lookup benchmark runs end to end at a tiny size (``--size lookup-smoke``) on the engine
under test: it reports every figure the issue asks for, and its lookups find what was stored, and nothing
that was not. No timing is asserted; ``lookup-1m`` and ``lookup-10m`` are not part of CI."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from bench.__main__ import main
from bench.common import SIZES, LookupSize

from tests.conftest import ENGINE_KIND, PG_ADMIN_URL


def _size() -> LookupSize:
    size = SIZES["lookup-smoke"]
    assert isinstance(size, LookupSize)
    return size


SIZE = _size()


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("lookup-results")
    work = tmp_path_factory.mktemp("lookup-work")
    args = ["--size", "lookup-smoke", "--engines", ENGINE_KIND, "--out", str(out), "--workdir", str(work)]
    assert main([*args, "--pg-url", PG_ADMIN_URL]) == 0
    assert list(work.iterdir()) == [], "the scratch space is removed"
    loaded: dict[str, Any] = orjson.loads((out / "results.json").read_bytes())
    return loaded


def _rows(results: dict[str, Any], benchmark: str) -> list[dict[str, Any]]:
    rows = [r for r in results["results"] if r["benchmark"] == benchmark]
    assert all(r["engine"] == ENGINE_KIND for r in rows)
    return rows


def _lookup(results: dict[str, Any], words: str) -> dict[str, Any]:
    (row,) = [r for r in _rows(results, "lookup") if r["workload"].startswith(words)]
    return row


def test_each_kind_of_lookup_reports_latency_against_a_bare_select_on_the_index(
    results: dict[str, Any],
) -> None:
    rows = _rows(results, "lookup")
    assert len(rows) == 4  # stored values, stored and sighted, absent; the request path of the first
    for row in rows:
        assert row["objects"] == SIZE.lookups, row
        assert row["p99_ms"] >= row["p50_ms"] > 0, row
        assert row["rate"] > 0 and row["baseline_rate"] > 0 and row["ratio"] > 0, row
        assert row["baseline"].startswith("bare SELECT on the observable index, same values"), row
        assert row["details"]["bare_p99_ms"] >= row["details"]["bare_p50_ms"] > 0, row
    targets = [r for r in rows if r["workload"].startswith("lookup()")]
    assert len(targets) == 3 and all(r["target"] == "p99 < 2 ms" for r in targets)
    assert all(isinstance(r["met"], bool) for r in targets)


def test_stored_values_are_found_with_every_object_the_index_links_them_to(results: dict[str, Any]) -> None:
    for words in ("lookup() of 100 stored values among", "lookup() of 100 stored values with a sighting"):
        details = _lookup(results, words)["details"]
        assert details["found"] == SIZE.lookups, words
        # MyCERT may see every indicator, so the sharing filter keeps every one the bare SELECT links
        assert details["objects"] == details["linked"] >= SIZE.lookups, words


def test_absent_values_find_nothing(results: dict[str, Any]) -> None:
    details = _lookup(results, "lookup() of 100 absent values")["details"]
    assert details["found"] == details["objects"] == details["linked"] == 0


def test_index_build_rate_through_index_versions_against_the_bulk_load(results: dict[str, Any]) -> None:
    (row,) = _rows(results, "index build")
    assert row["objects"] == SIZE.build_sample and row["unit"] == "indicators/s"
    assert row["rate"] > 0 and row["baseline_rate"] > 0
    assert row["workload"].startswith("index_versions()")
    # every generated indicator has an observable; an OR of two has two
    assert row["details"]["links"] >= row["details"]["observables"] >= SIZE.indicators


def test_storage_per_indicator_of_the_index_and_of_the_objects(results: dict[str, Any]) -> None:
    (row,) = _rows(results, "storage")
    assert row["objects"] == SIZE.indicators + SIZE.build_sample and row["unit"] == "B/indicator"
    by_table = row["details"]["bytes_by_table"]
    assert by_table["observables"] > 0 and by_table["object_observables"] > 0 and by_table["stix_objects"] > 0
    index = (by_table["observables"] + by_table["object_observables"]) / row["objects"]
    assert row["rate"] == pytest.approx(index)
    assert row["baseline_rate"] == pytest.approx(by_table["stix_objects"] / row["objects"])


def test_the_run_says_how_the_indicators_were_stored(results: dict[str, Any]) -> None:
    notes = " ".join(results["notes"])
    assert "bulk-loaded" in notes and "index_versions" in notes
    assert str(results["command"]).startswith(".venv/bin/python -m bench --size lookup-smoke")
    assert results["size"]["name"] == "lookup-smoke"

"""A modest fuzzing run on every CI run: the project's TAXII/REST fuzzer and schemathesis against a real
node on loopback, with no answer of 500 (``docs/security.md`` gives the long runs' commands)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
from bench.fuzz_taxii import fuzz

from tests.conftest import RunningServer, token_for


def test_the_taxii_fuzzer_gets_no_500(server: RunningServer) -> None:
    token = token_for(server.engine, "ThaiCERT")
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        report = fuzz(client, requests=300, seed=13, api_root=server.settings.api_root)
    assert report.failures == []
    # Positive control: the run reached the endpoints and was both accepted and refused.
    assert report.requests >= 290
    assert {200, 400, 404}.issubset(report.statuses) and len(report.statuses) >= 5


def test_schemathesis_gets_no_500(server: RunningServer, tmp_path: Path) -> None:
    token = token_for(server.engine, "ThaiCERT")
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{server.url}/api/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "not_a_server_error",
        "--phases",
        "fuzzing",
        "--max-examples",
        "8",
        "--seed",
        "3",
        "--suppress-health-check",
        "all",
        "--report-dir",
        str(tmp_path),
    ]
    ran = subprocess.run(command, check=False, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stdout[-4000:]
    assert "generated" in ran.stdout  # it did run test cases

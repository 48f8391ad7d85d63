"""Hand-run throughput measurement for validate_object (not a test; pytest does not collect it).

    .venv/bin/python tests/stix/bench_validate.py [count]

Builds ``count`` (default 20,000) typical indicators, each with a different pattern (one in seven has a
WITHIN qualifier, which only the ANTLR parser handles), and times validate_object over them: with an empty
pattern cache, again with every pattern cached, and without the qualified ones on an empty cache.  Also
times the ATT&CK Enterprise bundle.  Rates are per second of this process's CPU time.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from gotong.stix import patterns
from gotong.stix.validate import validate_object

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def indicators(count: int) -> list[dict[str, Any]]:
    shapes = [
        "[ipv4-addr:value = '10.{a}.{b}.{c}']",
        "[domain-name:value = 'host{n}.example.com']",
        "[url:value = 'http://bad{n}.example.net/path/{n}']",
        "[file:hashes.'SHA-256' = '{h}']",
        "[file:hashes.MD5 = '{m}'] OR [file:name = 'dropper{n}.exe']",
        "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_port = {port}]",
        "([ipv4-addr:value = '10.{a}.{b}.{c}'] AND [domain-name:value = 'h{n}.example']) WITHIN 600 SECONDS",
    ]
    out = []
    for n in range(count):
        pattern = shapes[n % len(shapes)].format(
            a=n >> 16 & 255, b=n >> 8 & 255, c=n & 255, n=n, h=f"{n:064x}", m=f"{n:032x}", port=n % 65536
        )
        out.append(
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": f"indicator--{uuid.uuid4()}",
                "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
                "created": f"2024-03-01T10:{n // 60000 % 60:02d}:{n // 1000 % 60:02d}.{n % 1000:03d}Z",
                "modified": f"2024-03-02T11:{n // 60000 % 60:02d}:{n // 1000 % 60:02d}.{n % 1000:03d}Z",
                "name": f"Malicious indicator {n}",
                "indicator_types": ["malicious-activity"],
                "pattern": pattern,
                "pattern_type": "stix",
                "pattern_version": "2.1",
                "valid_from": f"2024-03-01T10:{n // 60000 % 60:02d}:{n // 1000 % 60:02d}Z",
                "valid_until": "2025-03-01T10:00:00Z",
                "labels": ["botnet", "c2"],
                "confidence": 80,
                "kill_chain_phases": [
                    {"kill_chain_name": "lockheed-martin-cyber-kill-chain", "phase_name": "c2"}
                ],
                "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"],
            }
        )
    return out


def rate(objects: list[Any]) -> tuple[float, int]:
    """Objects per second of CPU time of this process (steadier than wall time on a shared machine)."""
    start = time.process_time()
    bad = sum(1 for o in objects if validate_object(o))
    return len(objects) / (time.process_time() - start), bad


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    objs = indicators(count)
    patterns._cached_problem.cache_clear()
    cold, bad = rate(objs)
    warm, _ = rate(objs)
    print(f"{count} indicators, distinct patterns, cold cache: {cold:,.0f} objects/s ({bad} invalid)")
    print(f"{count} indicators, same again, patterns cached:  {warm:,.0f} objects/s")
    simple = [o for o in objs if "WITHIN" not in o["pattern"]]
    patterns._cached_problem.cache_clear()
    fast, _ = rate(simple)
    print(f"{len(simple)} of them without qualifiers (no ANTLR parse), cold cache: {fast:,.0f} objects/s")
    bundle = DATA / "attack-stix-data" / "enterprise-attack" / "enterprise-attack-18.1.derived-stix21.json"
    if bundle.exists():
        attack = json.loads(bundle.read_text())["objects"]
        speed, bad = rate(attack)
        print(f"ATT&CK Enterprise, {len(attack)} objects: {speed:,.0f} objects/s ({bad} invalid)")


if __name__ == "__main__":
    main()

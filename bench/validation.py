"""Benchmark 5, validation: Gotong's STIX 2.1 validator (``validate_object``) against the OASIS
``stix2-validator`` on the same objects.

Indicators of the shapes CERT feeds send, each with a different pattern (one in seven with a ``WITHIN``
qualifier, which only the ANTLR parser handles), validated with an empty pattern cache, again with every
pattern cached, and without the qualified ones on an empty cache; then the ATT&CK Enterprise bundle.
``stix2-validator`` (``validate_instance``, STIX 2.1, default options) validates the first
``validate_baseline`` objects of each workload (an even spread of ATT&CK): at about 200 objects/s it
would take minutes for all of them. Rates are per second of this process's CPU time, which is steadier
than wall time on a shared machine; no database is involved, hence the engine "-".

Part of the ``smoke`` and ``full`` runs; ``.venv/bin/python -m bench.validation`` runs it alone at the
full size.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from stix2validator import ValidationOptions, validate_instance

from bench.common import Row, Size, rate, ratio
from gotong.stix import patterns
from gotong.stix.validate import validate_object

NO_ENGINE = "-"
_SHAPES = (
    "[ipv4-addr:value = '10.{a}.{b}.{c}']",
    "[domain-name:value = 'host{n}.example.com']",
    "[url:value = 'http://bad{n}.example.net/path/{n}']",
    "[file:hashes.'SHA-256' = '{h}']",
    "[file:hashes.MD5 = '{m}'] OR [file:name = 'dropper{n}.exe']",
    "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_port = {port}]",
    "([ipv4-addr:value = '10.{a}.{b}.{c}'] AND [domain-name:value = 'h{n}.example']) WITHIN 600 SECONDS",
)


def indicators(count: int) -> list[dict[str, Any]]:
    """``count`` valid indicators, each with a pattern of its own."""
    out = []
    for n in range(count):
        pattern = _SHAPES[n % len(_SHAPES)].format(
            a=n >> 16 & 255, b=n >> 8 & 255, c=n & 255, n=n, h=f"{n:064x}", m=f"{n:032x}", port=n % 65536
        )
        clock = f"{n // 60000 % 60:02d}:{n // 1000 % 60:02d}"
        out.append(
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": f"indicator--{uuid.uuid4()}",
                "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
                "created": f"2024-03-01T10:{clock}.{n % 1000:03d}Z",
                "modified": f"2024-03-02T11:{clock}.{n % 1000:03d}Z",
                "name": f"Malicious indicator {n}",
                "indicator_types": ["malicious-activity"],
                "pattern": pattern,
                "pattern_type": "stix",
                "pattern_version": "2.1",
                "valid_from": f"2024-03-01T10:{clock}Z",
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


@dataclass(frozen=True)
class _Pass:
    objects: int
    cpu_seconds: float
    invalid: int


def run_validation(*, count: int, baseline_count: int, attack: Sequence[dict[str, Any]]) -> list[Row]:
    """The four workloads, each against ``stix2-validator`` on (the first) ``baseline_count`` of them."""
    objects = indicators(count)
    options = ValidationOptions(version="2.1")

    def oasis(sample: Sequence[dict[str, Any]]) -> _Pass:
        return _validate(lambda o: not validate_instance(o, options).is_valid, sample)

    oasis(objects[:1])  # loads its schemas: not part of any rate
    _clear_pattern_cache()
    cold = _validate(_gotong_rejects, objects), oasis(objects[:baseline_count])
    warm = _validate(_gotong_rejects, objects), oasis(objects[:baseline_count])
    simple = [o for o in objects if "WITHIN" not in o["pattern"]]
    _clear_pattern_cache()
    fast = _validate(_gotong_rejects, simple), oasis(simple[:baseline_count])
    spread = attack[:: max(1, len(attack) // baseline_count)][:baseline_count]
    whole = _validate(_gotong_rejects, attack), oasis(spread)
    return [
        _row(f"{count:,} indicators, distinct patterns, cold pattern cache", *cold),
        _row(f"the same {count:,} again, patterns cached", *warm),
        _row(f"the {len(simple):,} of them without qualifiers (no ANTLR parse), cold cache", *fast),
        _row(f"ATT&CK Enterprise bundle ({len(attack):,} objects)", *whole, spread=True),
    ]


def _gotong_rejects(obj: dict[str, Any]) -> bool:
    return bool(validate_object(obj))


def _clear_pattern_cache() -> None:
    # Gotong keeps the verdicts of 65,536 patterns; a cold run must parse every one of them.
    patterns._cached_problem.cache_clear()


def _validate(rejects: Callable[[dict[str, Any]], bool], objects: Sequence[dict[str, Any]]) -> _Pass:
    start = time.process_time()
    invalid = sum(1 for o in objects if rejects(o))
    return _Pass(objects=len(objects), cpu_seconds=time.process_time() - start, invalid=invalid)


def _row(workload: str, gotong: _Pass, oasis: _Pass, *, spread: bool = False) -> Row:
    which = (
        f"{oasis.objects:,} of the same objects, evenly spread"
        if spread
        else (f"the first {oasis.objects:,} of the same objects")
    )
    speed = rate(gotong.objects, gotong.cpu_seconds)
    base_speed = rate(oasis.objects, oasis.cpu_seconds)
    return Row(
        benchmark="validate",
        engine=NO_ENGINE,
        workload=f"validate_object, {workload}",
        objects=gotong.objects,
        seconds=gotong.cpu_seconds,
        rate=speed,
        baseline=f"stix2-validator, {which}",
        baseline_rate=base_speed,
        ratio=ratio(speed, base_speed),
        notes=[
            "rates per CPU second of the benchmark process",
            f"found invalid: Gotong {gotong.invalid:,}, stix2-validator {oasis.invalid:,}",
        ],
        details={
            "invalid": gotong.invalid,
            "baseline_invalid": oasis.invalid,
            "baseline_objects": oasis.objects,
        },
    )


def main() -> None:
    """``python -m bench.validation``: this stage alone, at the size of the full run."""
    from bench.common import SIZES
    from bench.data import attack_objects

    size = SIZES["full"]
    assert isinstance(size, Size)
    rows = run_validation(count=size.validate, baseline_count=size.validate_baseline, attack=attack_objects())
    for row in rows:
        print(
            f"{row.workload}: {row.rate:,.0f}/s | {row.baseline}: {row.baseline_rate:,.0f}/s | "
            f"{row.ratio:,.0f}x | {'; '.join(row.notes)}"
        )


if __name__ == "__main__":
    main()

"""Workloads: realistic STIX 2.1 indicators, the envelopes and bundles that carry them, the ATT&CK bundle.

The indicators look like what national CERTs exchange: patterns on the common observable types (IPv4,
IPv6, domains, URLs, e-mail addresses, MD5/SHA-1/SHA-256 file hashes, some OR-ed), TLP 2.0 markings spread
across every level, ``valid_from``/``valid_until``, labels and confidence. They are generated from a seed,
so two runs store the same objects. Only TLP:CLEAR ones (exactly one in ten) are free of any audience:
see :mod:`bench.world` for why that makes one reader see 10% of a collection.

Not for tests of validation rules: every object here is valid by construction.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

ATTACK_BUNDLE = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "attack-stix-data"
    / "enterprise-attack"
    / "enterprise-attack-18.1.derived-stix21.json"
)

TLP2 = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
# Out of every 20 indicators: 2 CLEAR (the 10% everyone may see), 8 GREEN, 5 AMBER, 3 AMBER+STRICT, 2 RED.
_TLP_CYCLE = ("clear", *["green"] * 8, *["amber"] * 5, *["amber+strict"] * 3, *["red"] * 2, "clear")
_INDICATOR_TYPES = ("malicious-activity", "anomalous-activity", "compromised", "attribution")
_LABELS = ("phishing", "c2", "botnet", "ransomware", "scanning", "malware-distribution", "apt")
_TLDS = ("com", "net", "org", "info", "xyz", "top", "co.th", "com.my", "vn", "id")
_PHASES = ("reconnaissance", "delivery", "exploitation", "installation", "command-and-control")
_CONFIDENCE = (15, 50, 75, 85, 100)
_WORDS = ("login", "cdn", "update", "mail", "secure")
_PATHS = ("/wp-admin/x.php", "/invoice.zip", "/gate.php", "/login")


class IndicatorFactory:
    """Builds the seeded stream of indicators; RED ones are addressed to ``red_group_marking``."""

    def __init__(self, *, seed: int = 2026, red_group_marking: str | None = None) -> None:
        self._seed = seed
        self._red_group = red_group_marking

    def indicators(self, count: int) -> Iterator[dict[str, Any]]:
        """The first ``count`` indicators of the stream (the same ones on every call)."""
        rng = random.Random(self._seed)
        for n in range(count):
            yield self._indicator(rng, n)

    def _indicator(self, rng: random.Random, n: int) -> dict[str, Any]:
        bits = _Bits(rng.getrandbits(640))  # one draw per object: the generator must outpace the server
        tlp = _TLP_CYCLE[n % len(_TLP_CYCLE)]
        created = _timestamp(n)
        markings = [TLP2[tlp]]
        if tlp == "red" and self._red_group:
            markings.append(self._red_group)
        object_id = f"indicator--{uuid.UUID(int=bits.take(128), version=4)}"
        kind, pattern = _pattern(bits, n)
        first, second = bits.pick(_LABELS), bits.pick(_LABELS)
        obj: dict[str, Any] = {
            "type": "indicator",
            "spec_version": "2.1",
            "id": object_id,
            "created": created,
            "modified": created,
            "name": f"{kind} indicator {n}",
            "indicator_types": [bits.pick(_INDICATOR_TYPES)],
            "pattern": pattern,
            "pattern_type": "stix",
            "pattern_version": "2.1",
            "valid_from": created,
            "labels": sorted({first, second}),
            "confidence": bits.pick(_CONFIDENCE),
            "object_marking_refs": markings,
        }
        if n % 3:
            obj["valid_until"] = _timestamp(n, year=2027)
        if n % 4 == 0:
            obj["description"] = f"Observed in campaign activity reported to the regional network (ref {n})."
        if n % 5 == 0:
            phase = _PHASES[n % len(_PHASES)]
            obj["kill_chain_phases"] = [
                {"kill_chain_name": "lockheed-martin-cyber-kill-chain", "phase_name": phase}
            ]
        return obj

    def envelopes(self, total: int, size: int) -> list[bytes]:
        """The first ``total`` indicators as serialised TAXII envelopes of ``size`` objects each."""
        out: list[bytes] = []
        batch: list[dict[str, Any]] = []
        for obj in self.indicators(total):
            batch.append(obj)
            if len(batch) == size:
                out.append(orjson.dumps({"objects": batch}))
                batch = []
        if batch:
            out.append(orjson.dumps({"objects": batch}))
        return out

    def write_bundles(self, paths: dict[int, Path]) -> None:
        """Stream bundles of the first ``count`` indicators to ``paths[count]``, all in one pass."""
        handles = {count: path.open("wb") for count, path in paths.items()}
        try:
            for handle in handles.values():
                handle.write(
                    b'{"type":"bundle","id":"bundle--' + str(uuid.uuid4()).encode() + b'","objects":['
                )
            for n, obj in enumerate(self.indicators(max(paths, default=0))):
                encoded = (b"," if n else b"") + orjson.dumps(obj)
                for count, handle in handles.items():
                    if n < count:
                        handle.write(encoded)
            for handle in handles.values():
                handle.write(b"]}\n")
        finally:
            for handle in handles.values():
                handle.close()


def attack_objects() -> list[dict[str, Any]]:
    data: dict[str, Any] = orjson.loads(ATTACK_BUNDLE.read_bytes())
    objects: list[dict[str, Any]] = data["objects"]
    return objects


def _timestamp(n: int, *, year: int = 2026) -> str:
    seconds = n // 1000
    return (
        f"{year}-{1 + seconds // 2_419_200 % 12:02d}-{1 + seconds // 86_400 % 28:02d}T"
        f"{seconds // 3600 % 24:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{n % 1000:03d}Z"
    )


class _Bits:
    """Random bits of one draw, handed out a few at a time."""

    def __init__(self, value: int) -> None:
        self._value = value

    def take(self, count: int) -> int:
        taken = self._value & ((1 << count) - 1)
        self._value >>= count
        return taken

    def pick(self, options: tuple[Any, ...]) -> Any:
        return options[self.take(8) % len(options)]

    def hex(self, digits: int) -> str:
        return f"{self.take(digits * 4):0{digits}x}"

    def domain(self) -> str:
        return f"{self.hex(6)}-{self.pick(_WORDS)}.{self.pick(_TLDS)}"


def _pattern(bits: _Bits, n: int) -> tuple[str, str]:
    """(observable kind, pattern) in the shapes feeds send; about one in eight is an OR of two."""
    a, b, c, d = (1 + bits.take(8) % 254 for _ in range(4))
    choice = n % 16
    if choice < 3:
        return "IPv4", f"[ipv4-addr:value = '{a}.{b}.{c}.{d}']"
    if choice == 3:
        return "IPv4", f"[ipv4-addr:value = '{a}.{b}.{c}.0/24']"
    if choice == 4:
        return "IPv6", f"[ipv6-addr:value = '2001:db8:{a:x}:{b:x}::{c:x}']"
    if choice < 7:
        return "Domain", f"[domain-name:value = '{bits.domain()}']"
    if choice < 9:
        return "URL", f"[url:value = 'https://{bits.domain()}{bits.pick(_PATHS)}']"
    if choice == 9:
        return "E-mail", f"[email-addr:value = '{bits.hex(8)}@{bits.domain()}']"
    if choice == 10:
        return "MD5", f"[file:hashes.MD5 = '{bits.hex(32)}']"
    if choice == 11:
        return "SHA-1", f"[file:hashes.'SHA-1' = '{bits.hex(40)}']"
    if choice < 14:
        return "SHA-256", f"[file:hashes.'SHA-256' = '{bits.hex(64)}']"
    if choice == 14:
        return "File", f"[file:hashes.MD5 = '{bits.hex(32)}' OR file:hashes.'SHA-256' = '{bits.hex(64)}']"
    return "Network", f"[ipv4-addr:value = '{a}.{b}.{c}.{d}'] OR [domain-name:value = '{bits.domain()}']"

"""Shared data for the STIX validator tests: real bundles from <repo>/../shared/data."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
ATTACK_BUNDLE = DATA / "attack-stix-data" / "enterprise-attack" / "enterprise-attack-18.1.derived-stix21.json"
TLP2_DIR = DATA / "cti-stix-common-objects"
# A real OASIS example with a broken timestamp ('2022-101-27T13:49:54.326Z' on the relationship).
KNOWN_INVALID = {
    TLP2_DIR / "extension-definition-specifications" / "tlp-2.0" / "examples" / "using-tlp2.0-green.json"
}


@cache
def bundle_objects(path: Path) -> list[dict[str, Any]]:
    """The objects of a bundle file (read once per session; do not mutate them)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    objects: list[dict[str, Any]] = document.get("objects", [document])
    return objects


def example_files() -> list[Path]:
    """STIX 2.1 example bundles: cti-documentation, cti-stix2-json-schemas and cti-stix-common-objects."""
    found = [
        *sorted((DATA / "cti-documentation" / "examples").rglob("*.json")),
        *sorted((DATA / "cti-stix2-json-schemas" / "examples").rglob("*.json")),
        *sorted(TLP2_DIR.rglob("*.json")),
    ]
    return [path for path in found if path not in KNOWN_INVALID]

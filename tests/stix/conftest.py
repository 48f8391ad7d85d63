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
# Fragments quoted in the Incident Core specification's text, not STIX 2.1 documents (an incident without
# 'name', whole-second timestamps); tests/incidents/test_stix.py pins how they are refused.
_INCIDENT_CORE = TLP2_DIR / "extension-definition-specifications" / "incident-core" / "examples"
SPEC_FRAGMENTS = {_INCIDENT_CORE / "example_2.1.json", _INCIDENT_CORE / "example_2.2.json"}


@cache
def bundle_objects(path: Path) -> list[dict[str, Any]]:
    """The objects of a bundle file (read once per session; do not mutate them)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(document, list):  # some examples are a bare list of objects
        return document
    objects: list[dict[str, Any]] = document.get("objects", [document])
    return objects


def example_files() -> list[Path]:
    """STIX 2.1 example bundles: cti-documentation, cti-stix2-json-schemas and cti-stix-common-objects."""
    found = [
        *sorted((DATA / "cti-documentation" / "examples").rglob("*.json")),
        *sorted((DATA / "cti-stix2-json-schemas" / "examples").rglob("*.json")),
        *sorted(TLP2_DIR.rglob("*.json")),
    ]
    # Extension specifications ship JSON Schemas next to their examples: those are not STIX content.
    return [
        path
        for path in found
        if path not in KNOWN_INVALID and path not in SPEC_FRAGMENTS and not _is_json_schema(path)
    ]


def _is_json_schema(path: Path) -> bool:
    document = json.loads(path.read_text(encoding="utf-8"))
    return isinstance(document, dict) and "$schema" in document

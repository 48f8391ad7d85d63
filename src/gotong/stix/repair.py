"""The fixed list of producers' well-known mistakes that an import with ``--repair`` fixes.

Strict validation stays the default: an object is repaired only when its importer asks for it, and only
for these mistakes, each unambiguous (the repaired object says what the producer meant, nothing else):

``timestamp-precision``
    ``created`` or ``modified`` in whole seconds or with one or two fractional digits
    (``2023-01-01T00:00:00Z``), which STIX 2.1 forbids (millisecond precision or finer). Zeros are
    added (``2023-01-01T00:00:00.000Z``): the same instant, so the version's order is unchanged.
``custom-property-case``
    a top-level custom property name with uppercase letters (``x_MISP_category``, as MISP's own
    exporter writes them), which STIX 2.1 forbids (a-z, 0-9 and ``_``). It is lowercased when the
    lowercase name is a valid custom name (``x_`` and 3-250 of a-z, 0-9, ``_``) the object does not
    already carry; otherwise it is left, and refused.

Not for: anything that would need a guess (a timestamp in another time zone, a missing
``spec_version``, a bad id). Not here: where repairs are recorded (the import's summary and audit
record, see ``intel.bulk``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["KINDS", "Repaired", "hint", "repair_object", "repairs_line"]

# kind -> the words the summary uses for it
KINDS: dict[str, str] = {
    "timestamp-precision": "timestamp precision",
    "custom-property-case": "custom property case",
}
_MILLISECOND_PROPERTIES = ("created", "modified")  # the only ones STIX 2.1 holds to milliseconds
_COARSE = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,2}))?Z\Z")
_CUSTOM_NAME = re.compile(r"x_[a-z0-9_]{1,248}\Z")


@dataclass(frozen=True)
class Repaired:
    """An object after repair (the same object when nothing was repaired) and the kinds applied."""

    obj: Any
    kinds: tuple[str, ...] = ()


def repair_object(obj: Any) -> Repaired:
    """``obj`` with the listed mistakes fixed, as a new dict; ``obj`` itself is never changed."""
    if not isinstance(obj, dict):
        return Repaired(obj)
    kinds: list[str] = []
    fixed = obj
    for prop in _MILLISECOND_PROPERTIES:
        value = obj.get(prop)
        match = _COARSE.match(value) if isinstance(value, str) else None
        if match is not None:
            fixed = dict(fixed) if fixed is obj else fixed
            fixed[prop] = f"{match[1]}.{(match[2] or '').ljust(3, '0')}Z"
            if "timestamp-precision" not in kinds:
                kinds.append("timestamp-precision")
    renames = {
        name: name.lower()
        for name in obj
        if isinstance(name, str)
        and name != name.lower()
        and _CUSTOM_NAME.match(name.lower())
        and name.lower() not in obj
    }
    if len(set(renames.values())) == len(renames) and renames:  # two names folding to one: ambiguous
        fixed = {renames.get(k, k): v for k, v in fixed.items()}
        kinds.append("custom-property-case")
    return Repaired(fixed, tuple(kinds))


def repairs_line(objects: int, counts: Mapping[str, int]) -> str:
    """The summary's words: ``repaired 233 objects: 233 timestamp precision, 4 custom property case``."""
    parts = ", ".join(f"{counts[kind]} {words}" for kind, words in KINDS.items() if counts.get(kind))
    return f"repaired {objects} object{'' if objects == 1 else 's'}: {parts}"


def hint(obj: Any, fix: str) -> str | None:
    """For a refused object: what would fix what, e.g. ``(gotong import --repair fixes its timestamp
    precision)`` for ``fix`` "gotong import --repair"; None when no listed repair applies."""
    kinds = repair_object(obj).kinds
    if not kinds:
        return None
    return f"({fix} fixes its {' and '.join(KINDS[k] for k in kinds)})"

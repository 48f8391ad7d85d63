"""TLP 2.0 levels and the marking-definition ids that carry them (TLP 1.0 ids mapped onto 2.0)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from enum import IntEnum
from importlib import resources
from typing import Any

from gotong.errors import Invalid


class TLP(IntEnum):
    """TLP levels ordered from most permissive to most restrictive."""

    CLEAR = 0
    GREEN = 1
    AMBER = 2
    AMBER_STRICT = 3
    RED = 4

    @property
    def label(self) -> str:
        return _DATA.labels[self]

    @property
    def slug(self) -> str:
        return _DATA.names[self]

    @property
    def marking_id(self) -> str:
        """The TLP 2.0 marking-definition id of this level."""
        return _DATA.tlp2_ids[self]

    @classmethod
    def parse(cls, text: str) -> TLP:
        """Read ``clear``, ``TLP:AMBER+STRICT``, ``white`` (TLP 1.0) and the like."""
        key = text.strip().lower().removeprefix("tlp:").replace("_", "+").replace(" ", "")
        key = {"white": "clear", "amber-strict": "amber+strict"}.get(key, key)
        for level, name in _DATA.names.items():
            if name == key:
                return level
        raise Invalid(f"unknown TLP level {text!r}; use one of {', '.join(_DATA.names.values())}")


class _TlpData:
    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.extension_id: str = raw["tlp2_extension"]
        self.names: dict[TLP, str] = {}
        self.labels: dict[TLP, str] = {}
        self.tlp2_ids: dict[TLP, str] = {}
        self.by_marking_id: dict[str, TLP] = {}
        for entry in raw["level"]:
            level = TLP(entry["rank"])
            self.names[level] = entry["name"]
            self.labels[level] = entry["label"]
            self.tlp2_ids[level] = entry["tlp2"]
            for marking_id in [entry["tlp2"], *entry["tlp1"]]:
                self.by_marking_id[marking_id] = level


_DATA = _TlpData(tomllib.loads(resources.files("gotong").joinpath("data/tlp.toml").read_text("utf-8")))
TLP2_EXTENSION_ID = _DATA.extension_id


def tlp_of_marking(marking_id: str) -> TLP | None:
    """The TLP level a marking-definition id stands for, or None if it is not a TLP marking."""
    return _DATA.by_marking_id.get(marking_id)


def marking_refs(obj: Mapping[str, Any]) -> list[str]:
    """Every marking-definition id an object refers to, object-level and granular."""
    refs = [r for r in obj.get("object_marking_refs") or () if isinstance(r, str)]
    for granular in obj.get("granular_markings") or ():
        if isinstance(granular, Mapping) and isinstance(granular.get("marking_ref"), str):
            refs.append(granular["marking_ref"])
    return refs


def strictest_tlp(refs: Iterable[str]) -> TLP | None:
    """The most restrictive TLP level among marking ids; None if none of them is a TLP marking."""
    levels = [level for ref in refs if (level := tlp_of_marking(ref)) is not None]
    return max(levels) if levels else None


def with_tlp(obj: Any, tlp: TLP) -> Any:
    """The object marked ``tlp`` if it carries no TLP marking yet (marking definitions as they are).

    For the ways in that take a TLP for unmarked objects (``import --tlp``, ``feed import --tlp``).
    """
    if not isinstance(obj, dict) or obj.get("type") == "marking-definition":
        return obj
    if strictest_tlp(marking_refs(obj)) is not None:
        return obj
    return {**obj, "object_marking_refs": [*obj.get("object_marking_refs", []), tlp.marking_id]}

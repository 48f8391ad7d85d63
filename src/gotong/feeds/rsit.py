"""The Reference Security Incident Taxonomy (RSIT): which classification/type pairs exist, and how an
indicator carries one.

The taxonomy itself (11 classifications, 39 types, version 1003) is data, in ``data/feeds/formats.toml``.
An indicator carries its pair twice: as the machine tag ``rsit:<class>="<type>"`` in ``labels`` (what MISP
and IntelMQ users search for) and as ``x_gotong_rsit`` ``{"classification": ..., "type": ...}`` (what
code reads).  This module does not guess a classification from a feed's wording: a feed's configuration
names it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from gotong.errors import Invalid

__all__ = ["RSIT_VERSION", "RsitClassification", "rsit_of", "taxonomy"]

_DATA: dict[str, Any] = tomllib.loads(
    resources.files("gotong").joinpath("data/feeds/formats.toml").read_text("utf-8")
)["rsit"]
RSIT_VERSION: int = _DATA["version"]
_CLASSES: dict[str, dict[str, str]] = {name: dict(c["types"]) for name, c in _DATA["class"].items()}


def taxonomy() -> dict[str, dict[str, str]]:
    """Every classification's machine name -> {type machine name: type name}, in the taxonomy's order."""
    return {name: dict(types) for name, types in _CLASSES.items()}


@dataclass(frozen=True, slots=True)
class RsitClassification:
    """One RSIT classification and (optionally, as the taxonomy allows) one of its incident types."""

    classification: str
    type: str | None = None

    def __post_init__(self) -> None:
        types = _CLASSES.get(self.classification)
        if types is None:
            raise Invalid(
                f"unknown RSIT classification {self.classification!r}; use one of {', '.join(_CLASSES)}"
            )
        if self.type is not None and self.type not in types:
            raise Invalid(
                f"{self.type!r} is not an RSIT type of {self.classification!r}; use one of {', '.join(types)}"
            )

    @classmethod
    def parse(cls, text: str) -> RsitClassification:
        """Read ``malicious-code/c2-server``, ``rsit:malicious-code="c2-server"`` or ``malicious-code``."""
        text = text.strip()
        if text.startswith("rsit:"):
            name, _, value = text[5:].partition("=")
            return cls(name, value.strip('"') if value else None)
        name, slash, value = text.partition("/")
        return cls(name, value if slash else None)

    @property
    def tag(self) -> str:
        """The machine tag, as in the MISP taxonomy: ``rsit:malicious-code="c2-server"``."""
        return f'rsit:{self.classification}="{self.type}"' if self.type else f"rsit:{self.classification}"

    @property
    def text(self) -> str:
        """``classification/type``, the form feed configuration uses."""
        return f"{self.classification}/{self.type}" if self.type else self.classification

    def as_property(self) -> dict[str, str]:
        """The value of an object's ``x_gotong_rsit`` property."""
        return {"classification": self.classification} | ({"type": self.type} if self.type else {})


def rsit_of(obj: Mapping[str, Any]) -> RsitClassification | None:
    """The RSIT pair an object carries (``x_gotong_rsit`` first, then an ``rsit:`` label), or None."""
    prop = obj.get("x_gotong_rsit")
    candidates: list[str] = []
    if isinstance(prop, Mapping) and isinstance(prop.get("classification"), str):
        kind = prop.get("type")
        candidates.append(prop["classification"] + (f"/{kind}" if isinstance(kind, str) else ""))
    labels = obj.get("labels")
    if isinstance(labels, list):
        candidates += [label for label in labels if isinstance(label, str) and label.startswith("rsit:")]
    for text in candidates:
        try:
            return RsitClassification.parse(text)
        except Invalid:
            continue
    return None

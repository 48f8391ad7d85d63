"""The norms catalogue, read once from ``data/norms/catalogue.toml``: the UN GGE 2015 norms and any
regional norms the network adopted, each with the implementation items a member's report answers.

Adding a regional norm is adding a ``[[norm]]`` table to the data file (``origin = "regional"``,
with its version, adoption date and the decision that adopted it). Regional norms *proposed* to the
taskforce are ``data/norms/regional.toml`` (:func:`proposed`): no adoption date or decision there; a
motion of the taskforce adopts one (``gotong.norms.adoption``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from gotong.errors import NotFound

__all__ = ["Catalogue", "Norm", "NormItem", "catalogue", "norm", "proposed"]


@dataclass(frozen=True)
class NormItem:
    id: str
    text: str


@dataclass(frozen=True)
class Norm:
    id: str
    origin: str
    version: int
    adopted: str
    decision: str
    title: str
    summary: str
    items: tuple[NormItem, ...]


@dataclass(frozen=True)
class Catalogue:
    name: str
    title: str
    reporting_cycle_months: int
    norms: tuple[Norm, ...]

    def item_ids(self) -> frozenset[str]:
        return frozenset(item.id for n in self.norms for item in n.items)


@cache
def catalogue() -> Catalogue:
    """The catalogue of this installation (the data file is read once)."""
    text = resources.files("gotong").joinpath("data/norms/catalogue.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    norms = tuple(_norm(n) for n in raw["norm"])
    return Catalogue(
        name=str(raw["name"]),
        title=str(raw["title"]),
        reporting_cycle_months=int(raw["reporting_cycle_months"]),
        norms=norms,
    )


@cache
def proposed() -> tuple[Norm, ...]:
    """The regional norms proposed to the taskforce (no adoption date or decision in the data)."""
    text = resources.files("gotong").joinpath("data/norms/regional.toml").read_text("utf-8")
    found = tuple(_norm(n) for n in tomllib.loads(text).get("norm", []))
    known = {n.id for n in catalogue().norms} | catalogue().item_ids()
    for n in found:
        if n.origin != "regional" or n.adopted or n.decision:
            raise RuntimeError(
                f"data/norms/regional.toml: {n.id} is a proposal (origin regional, not adopted)"
            )
        if n.id in known or known & {i.id for i in n.items}:
            raise RuntimeError(f"data/norms/regional.toml: {n.id} reuses an id of the catalogue")
    return found


def answered(adopted: Collection[str]) -> tuple[Norm, ...]:
    """The norms an implementation report answers: the catalogue's, then the proposed regional norms
    whose ids are in ``adopted`` (those a passed motion adopted on this node), in the data's order."""
    return (*catalogue().norms, *(n for n in proposed() if n.id in adopted))


def norm(norm_id: str) -> Norm:
    """One norm by its id (``"a"`` … ``"k"``, or a regional norm's id, adopted or proposed)."""
    for n in (*catalogue().norms, *proposed()):
        if n.id == norm_id:
            return n
    known = ", ".join(n.id for n in (*catalogue().norms, *proposed()))
    raise NotFound(f"no norm {norm_id!r} in the catalogue; the norms are {known}")


def _norm(n: dict[str, Any]) -> Norm:
    return Norm(
        id=str(n["id"]),
        origin=str(n["origin"]),
        version=int(n["version"]),
        adopted=str(n.get("adopted", "")),
        decision=str(n.get("decision", "")),
        title=str(n["title"]),
        summary=str(n["summary"]),
        items=tuple(NormItem(id=str(i["id"]), text=str(i["text"])) for i in n["items"]),
    )

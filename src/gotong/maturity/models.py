"""The frameworks of maturity assessment, read once from ``data/maturity/``: each file is one
framework (its scale, categories, parameters, target and tier profiles, and its cycle).

The domain owns no tables: assessments and capacity plans are STIX objects in the intelligence store
(see ``objects.py``). Adding a framework is adding a data file; the import fails if a file is wrong.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from gotong.errors import NotFound

__all__ = [
    "Category",
    "Framework",
    "Parameter",
    "Profile",
    "ProfileKind",
    "frameworks",
    "get_framework",
]


class ProfileKind(StrEnum):
    TARGET = "target"  # a minimum to close gaps against (the regional minimum)
    TIER = "tier"  # a maturity tier (Basic, Intermediate, Advanced): reached when all minimums are met


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    priority: int


@dataclass(frozen=True)
class Parameter:
    id: str
    name: str
    category: str
    description: str


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    kind: ProfileKind
    own_choice: bool
    levels: MappingProxyType[str, int]  # every parameter of the framework
    rank: int = 0


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    owner: str
    levels: tuple[tuple[int, str, str], ...]  # value, name, meaning
    categories: tuple[Category, ...]
    parameters: tuple[Parameter, ...]
    profiles: MappingProxyType[str, Profile]
    default_profile: str
    cycle_months: int

    @property
    def max_level(self) -> int:
        return max(v for v, _, _ in self.levels)

    def parameter(self, parameter_id: str) -> Parameter:
        for p in self.parameters:
            if p.id == parameter_id:
                return p
        raise NotFound(f"{self.id} has no parameter {parameter_id!r}")

    def category(self, category_id: str) -> Category:
        for c in self.categories:
            if c.id == category_id:
                return c
        known = ", ".join(c.id for c in self.categories)
        raise NotFound(f"{self.id} has no category {category_id!r}; it has {known}")

    def in_category(self, category_id: str) -> list[Parameter]:
        return [p for p in self.parameters if p.category == category_id]

    def profile(self, profile_id: str | None) -> Profile:
        chosen = profile_id or self.default_profile
        if chosen not in self.profiles:
            known = ", ".join(self.profiles)
            raise NotFound(f"{self.id} has no profile {chosen!r}; it has {known}")
        return self.profiles[chosen]

    def tiers(self) -> list[Profile]:
        """The tier profiles, highest rank first."""
        return sorted(
            (p for p in self.profiles.values() if p.kind == ProfileKind.TIER), key=lambda p: -p.rank
        )


def _framework(raw: dict[str, Any]) -> Framework:
    categories = tuple(Category(c["id"], c["name"], int(c["priority"])) for c in raw["categories"])
    known = {c.id for c in categories}
    parameters = []
    for p in raw["parameters"]:
        category = p["id"].split("-")[0]
        if category not in known:
            raise ValueError(f"{raw['id']}: parameter {p['id']} names no category of the framework")
        parameters.append(Parameter(p["id"], p["name"], category, p["description"]))
    ids = [p.id for p in parameters]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{raw['id']}: a parameter id is repeated")
    levels = tuple((int(v["value"]), v["name"], v["meaning"]) for v in raw["levels"])
    top = max(v for v, _, _ in levels)
    profiles = {}
    for pid, p in raw["profiles"].items():
        wanted = {str(k): int(v) for k, v in p.get("levels", {}).items()}
        unknown = set(wanted) - set(ids)
        if unknown:
            raise ValueError(f"{raw['id']}: profile {pid} names unknown parameters {sorted(unknown)}")
        full = {i: wanted.get(i, int(p["default"])) for i in ids}
        if any(not 0 <= v <= top for v in full.values()):
            raise ValueError(f"{raw['id']}: profile {pid} has a level outside the scale")
        profiles[pid] = Profile(
            id=pid,
            name=p["name"],
            kind=ProfileKind(p["kind"]),
            own_choice=bool(p.get("own_choice", False)),
            levels=MappingProxyType(full),
            rank=int(p.get("rank", 0)),
        )
    if raw["default_profile"] not in profiles:
        raise ValueError(f"{raw['id']}: the default profile is not defined")
    return Framework(
        id=raw["id"],
        name=raw["name"],
        owner=raw.get("owner", ""),
        levels=levels,
        categories=categories,
        parameters=tuple(parameters),
        profiles=MappingProxyType(profiles),
        default_profile=raw["default_profile"],
        cycle_months=int(raw.get("cycle", {}).get("every_months", 12)),
    )


@cache
def frameworks() -> MappingProxyType[str, Framework]:
    """Every framework of ``data/maturity/``, by id."""
    found = {}
    folder = resources.files("gotong").joinpath("data/maturity")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            fw = _framework(tomllib.loads(entry.read_text("utf-8")))
            found[fw.id] = fw
    return MappingProxyType(found)


def get_framework(framework_id: str) -> Framework:
    if framework_id not in frameworks():
        raise NotFound(f"no maturity framework {framework_id!r}; known: {', '.join(frameworks())}")
    return frameworks()[framework_id]

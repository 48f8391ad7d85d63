"""What the contact directory knows, read from ``data/contacts/``: the roles and the FIRST services.

``roles.toml`` names each role of a point of contact with its check schedule; ``first-services.txt``
holds the service names of the FIRST CSIRT Services Framework, made from MISP's galaxy by
``scripts/first_services.py`` (the product never reads ``../shared`` at run time).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["RoleSpec", "first_services", "role", "roles"]


@dataclass(frozen=True)
class RoleSpec:
    name: str
    title: str
    check_every_days: int
    answer_within_minutes: int
    out_of_hours_share: float


def _data(name: str) -> str:
    return resources.files("gotong").joinpath("data", "contacts", name).read_text(encoding="utf-8")


@cache
def roles() -> dict[str, RoleSpec]:
    table = tomllib.loads(_data("roles.toml"))["roles"]
    return {
        name: RoleSpec(
            name=name,
            title=str(spec["title"]),
            check_every_days=int(spec["check_every_days"]),
            answer_within_minutes=int(spec["answer_within_minutes"]),
            out_of_hours_share=_share(name, spec.get("out_of_hours_share", 0)),
        )
        for name, spec in table.items()
    }


def _share(name: str, value: object) -> float:
    if not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"roles.toml: {name}: out_of_hours_share is a share between 0 and 1, not {value!r}")
    return float(value)


def role(name: str) -> RoleSpec:
    return roles()[name]


@cache
def first_services() -> frozenset[str]:
    lines = (line.strip() for line in _data("first-services.txt").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))

"""The sections of the navigation. A domain adds its pages by adding a :class:`Section` here and a
``views.py`` with its router; the base layout lists every section the reader's role may open.
"""

from __future__ import annotations

from dataclasses import dataclass

from gotong.core.auth import Role


@dataclass(frozen=True)
class Section:
    label: str  # in English; translated through the catalogue when shown
    path: str
    least: Role = Role.READONLY


SECTIONS: list[Section] = [
    Section("Dashboard", "/"),
    Section("Alerts", "/alerts"),
    Section("Search", "/search"),
    Section("Intelligence", "/intel"),
    Section("Submit an indicator", "/intel/new", Role.ANALYST),
    Section("Cases", "/cases"),
    Section("Open a case", "/cases/new", Role.ANALYST),
    Section("Playbooks", "/playbooks"),
    Section("Assistance", "/assistance"),
    Section("Request assistance", "/assistance/new", Role.ANALYST),
    Section("Contacts", "/contacts"),
    Section("Add a contact", "/contacts/new", Role.COORDINATOR),
    Section("Exercises", "/exercises"),
    Section("Taskforce", "/taskforce"),
    Section("Maturity", "/maturity"),
    Section("Regional maturity", "/maturity/region"),
    Section("Capacity building", "/capacity"),
    Section("Training", "/training"),
    Section("Norms", "/norms"),
    Section("Budgets", "/budgets"),
    Section("Scoreboard", "/scoreboard"),
    Section("Reports", "/reports"),
    Section("API tokens", "/admin/tokens", Role.ADMIN),
]


def sections_for(role: Role | None) -> list[Section]:
    """The sections a role may open, in navigation order."""
    if role is None:
        return []
    return [s for s in SECTIONS if role.rank >= s.least.rank]


def current(path: str) -> str | None:
    """The section a path belongs to: the longest section path that is a prefix of it."""
    best: str | None = None
    for section in SECTIONS:
        p = section.path
        if (path == p or (p != "/" and path.startswith(p + "/"))) and (best is None or len(p) > len(best)):
            best = p
    return best

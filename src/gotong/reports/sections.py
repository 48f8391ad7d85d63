"""The registry of report sections: one entry per domain, added in one place.

A section is a function of ``(engine, actor, period)`` that returns its content (summary sentences,
an SVG chart, tables) computed over what ``actor`` may see, or None when the domain has nothing the
actor may see in the period: then the report leaves the section out. A domain that is not installed
registers no section, so its section is simply absent. Later domains call :func:`register_section`
(from their own module, imported by the wiring).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.reports.schemas import SectionPublic
from gotong.scoreboard import Period

__all__ = ["ReportSection", "SectionBuilder", "register_section", "registered_sections"]

SectionBuilder = Callable[[Engine, Principal, Period], SectionPublic | None]


@dataclass(frozen=True)
class ReportSection:
    key: str
    title: str
    order: int
    build: SectionBuilder


_REGISTRY: dict[str, ReportSection] = {}


def register_section(section: ReportSection) -> None:
    """Add (or replace, by key) a section of the posture report."""
    _REGISTRY[section.key] = section


def registered_sections() -> list[ReportSection]:
    """Every registered section, in report order (the built-in ones first registered here)."""
    from gotong.reports import builtin, providers  # noqa: F401  (each registers its sections)

    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.key))

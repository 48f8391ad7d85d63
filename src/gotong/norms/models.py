"""What an implementation report is made of: the statuses an item can have, and the reporting
cycles (their length is the catalogue's ``reporting_cycle_months``).

A cycle is named by its first day's year and, when a year holds more than one cycle, its number:
``2026`` for a yearly cycle, ``2026-C2`` for the second half-year of a six-month one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum

from gotong.errors import Invalid
from gotong.norms.catalogue import catalogue
from gotong.stix.timestamps import from_micros, to_micros

__all__ = ["ItemStatus", "cycle_bounds", "cycle_of"]


class ItemStatus(StrEnum):
    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    IMPLEMENTED = "implemented"
    NOT_APPLICABLE = "not-applicable"


_LABEL = re.compile(r"(\d{4})(?:-C(\d{1,2}))?\Z")


def _months() -> int:
    months = catalogue().reporting_cycle_months
    if months < 1 or 12 % months:
        raise RuntimeError(
            f"data/norms: reporting_cycle_months {months} must divide a year (1, 2, 3, 4, 6, 12)"
        )
    return months


def cycle_of(micros: int) -> str:
    """The cycle a moment falls in."""
    moment = from_micros(micros)
    months = _months()
    if months == 12:
        return str(moment.year)
    return f"{moment.year}-C{(moment.month - 1) // months + 1}"


def cycle_bounds(label: str) -> tuple[int, int]:
    """The first and the last-plus-one microsecond of a cycle; a label of another shape is refused."""
    months = _months()
    match = _LABEL.match(label.strip())
    per_year = 12 // months
    if match is None or (months == 12) != (match.group(2) is None):
        example = "2026" if months == 12 else "2026-C1"
        raise Invalid(
            f"cycle: {label!r} is not a reporting cycle; cycles last {months} months, e.g. {example}"
        )
    year, index = int(match.group(1)), int(match.group(2) or 1)
    if not 1 <= index <= per_year:
        raise Invalid(f"cycle: a year has {per_year} cycles of {months} months, not {index}")
    start_month = (index - 1) * months + 1
    start = datetime(year, start_month, 1, tzinfo=UTC)
    end_month = start_month + months
    end = datetime(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1, tzinfo=UTC)
    return to_micros(start), to_micros(end)

"""Periods a scoreboard or a report covers: a month, a quarter, a year, or a custom range of days.

A period is half-open, ``[starts_at, ends_at)`` in microseconds since the epoch, in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from gotong.errors import Invalid
from gotong.stix.timestamps import to_micros

__all__ = ["Period", "parse_period", "previous_period"]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_CUSTOM = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Period:
    kind: str  # month, quarter, year, custom
    label: str
    starts_at: int
    ends_at: int


def _micros(day: date) -> int:
    return to_micros(datetime(day.year, day.month, day.day, tzinfo=UTC))


def _month(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise Invalid(f"period: month {month} does not exist")
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return Period("month", f"{year:04d}-{month:02d}", _micros(date(year, month, 1)), _micros(end))


def _quarter(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, first + 3, 1)
    return Period("quarter", f"{year:04d}-Q{quarter}", _micros(date(year, first, 1)), _micros(end))


def _year(year: int) -> Period:
    return Period("year", f"{year:04d}", _micros(date(year, 1, 1)), _micros(date(year + 1, 1, 1)))


def parse_period(text: str, *, now: int) -> Period:
    """``month``/``quarter``/``year`` (the current one), ``2026-11``, ``2026-Q4``, ``2026`` or
    ``2026-01-01..2026-03-31`` (both days included)."""
    today = datetime.fromtimestamp(now / 1_000_000, UTC).date()
    value = text.strip()
    if value == "month":
        return _month(today.year, today.month)
    if value == "quarter":
        return _quarter(today.year, (today.month - 1) // 3 + 1)
    if value == "year":
        return _year(today.year)
    if m := _MONTH.match(value):
        return _month(int(m[1]), int(m[2]))
    if m := _QUARTER.match(value):
        return _quarter(int(m[1]), int(m[2]))
    if m := _YEAR.match(value):
        return _year(int(m[1]))
    if m := _CUSTOM.match(value):
        try:
            first, last = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        except ValueError as exc:
            raise Invalid(f"period: {exc}") from None
        if last < first:
            raise Invalid("period: the last day comes before the first")
        end = _micros(last) + 86_400_000_000
        return Period("custom", value, _micros(first), end)
    raise Invalid(
        f"period: {text!r} is not month, quarter, year, YYYY-MM, YYYY-Qn, YYYY or YYYY-MM-DD..YYYY-MM-DD"
    )


def previous_period(kind: str, *, now: int) -> Period:
    """The last whole month or quarter before ``now`` (what the scheduled reports cover)."""
    today = datetime.fromtimestamp(now / 1_000_000, UTC).date()
    if kind == "month":
        year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
        return _month(year, month)
    if kind == "quarter":
        quarter = (today.month - 1) // 3 + 1
        year, quarter = (today.year - 1, 4) if quarter == 1 else (today.year, quarter - 1)
        return _quarter(year, quarter)
    raise Invalid(f"period kind {kind!r}: month or quarter")

"""Working time: a party's calendar (time zone, working days and hours, its country's public holidays)
and the arithmetic the SLA clocks need on it — adding working hours to an instant, and telling
whether an instant is inside working time. Pure; the calendars are data (``data/incidents/clocks.toml``)
and the holidays come from the ``holidays`` library.

Not for deciding which clock uses which calendar: that is ``sla.py``'s, from the same data file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

__all__ = ["Calendar", "add_working", "calendar_from", "is_working"]

_MAX_DAYS = 3660  # a target never spans ten years of working days; past that the data is wrong


@dataclass(frozen=True)
class Calendar:
    """Where and when a party works: ``country`` (for public holidays, None for none), an IANA zone,
    working weekdays (0 = Monday) and local working hours ``start``-``end``."""

    country: str | None
    timezone: str
    days: frozenset[int]
    start: time
    end: time


def calendar_from(country: str | None, raw: dict[str, Any]) -> Calendar:
    """A calendar from one ``[calendar.X]`` table of the data file."""
    start, end = time.fromisoformat(raw["start"]), time.fromisoformat(raw["end"])
    if end <= start:
        raise RuntimeError(f"data/incidents/clocks.toml: calendar {country}: end {end} is not after {start}")
    ZoneInfo(raw["timezone"])  # an unknown zone fails at import, not at the first clock
    return Calendar(country, raw["timezone"], frozenset(int(d) for d in raw["days"]), start, end)


@cache
def _holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


def is_holiday(calendar: Calendar, day: date) -> bool:
    return calendar.country is not None and day in _holidays(calendar.country, day.year)


def _window(calendar: Calendar, day: date) -> tuple[int, int] | None:
    """The working window of a local ``day`` in UTC microseconds, or None on a day off."""
    if day.weekday() not in calendar.days or is_holiday(calendar, day):
        return None
    zone = ZoneInfo(calendar.timezone)
    opens = datetime.combine(day, calendar.start, tzinfo=zone)
    closes = datetime.combine(day, calendar.end, tzinfo=zone)
    return _micros(opens), _micros(closes)


def add_working(calendar: Calendar, start: int, seconds: float) -> int:
    """The instant (UTC microseconds) at which ``seconds`` of working time after ``start`` are spent."""
    left = round(seconds * 1_000_000)
    day = _local_day(calendar, start)
    for _ in range(_MAX_DAYS):
        window = _window(calendar, day)
        if window is not None:
            begin = max(window[0], start)
            if begin < window[1]:
                if left <= window[1] - begin:
                    return begin + left
                left -= window[1] - begin
        day += timedelta(days=1)
    raise RuntimeError(f"no end of {seconds} s of working time within {_MAX_DAYS} days on {calendar}")


def is_working(calendar: Calendar, at: int) -> bool:
    """Whether the instant ``at`` is inside the calendar's working time."""
    window = _window(calendar, _local_day(calendar, at))
    return window is not None and window[0] <= at < window[1]


def _local_day(calendar: Calendar, at: int) -> date:
    return datetime.fromtimestamp(at / 1_000_000, tz=UTC).astimezone(ZoneInfo(calendar.timezone)).date()


def _micros(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds

"""STIX / TAXII timestamps: RFC 3339 in UTC with a literal ``Z``.

Stored timestamps are kept as microseconds since the epoch (an integer) so that they sort and
compare exactly in every engine; these helpers convert both ways.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_TIMESTAMP = re.compile(
    r"^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):([0-5]\d):([0-5]\d|60)(?:\.(\d+))?Z$"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class TimestampError(ValueError):
    """A string is not a STIX timestamp."""


def parse_timestamp(value: str) -> datetime:
    """Parse a STIX timestamp into an aware UTC datetime (fractions beyond microseconds are cut)."""
    match = _TIMESTAMP.match(value) if isinstance(value, str) else None
    if match is None:
        raise TimestampError(f"{value!r} is not a timestamp of the form YYYY-MM-DDTHH:MM:SS[.s+]Z")
    year, month, day, hour, minute, second, fraction = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), min(int(second), 59), micro, tzinfo=UTC
        )
    except ValueError as exc:  # e.g. 30 February
        raise TimestampError(f"{value!r} is not a valid date: {exc}") from None


def timestamp_precision(value: str) -> int:
    """How many fractional-second digits a (valid) timestamp string carries."""
    dot = value.rfind(".")
    return 0 if dot == -1 else len(value) - dot - 2


def to_micros(value: datetime) -> int:
    """Microseconds since the epoch for an aware datetime."""
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    """The aware UTC datetime for microseconds since the epoch."""
    return datetime.fromtimestamp(micros // 1_000_000, tz=UTC).replace(microsecond=micros % 1_000_000)


def micros_of(value: str) -> int:
    """Microseconds since the epoch of a STIX timestamp string."""
    return to_micros(parse_timestamp(value))


def format_micros(micros: int, *, digits: int = 6) -> str:
    """Render microseconds since the epoch as a STIX timestamp with ``digits`` fractional digits."""
    moment = from_micros(micros)
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if digits <= 0:
        return base + "Z"
    return f"{base}.{moment.microsecond:06d}"[: len(base) + 1 + digits] + "Z"


def now_micros() -> int:
    """The current time in microseconds since the epoch."""
    return to_micros(datetime.now(UTC))

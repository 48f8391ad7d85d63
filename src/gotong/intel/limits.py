"""Bounds on every dimension of a request to the intelligence store, checked before any work begins.

A request must not be able to hold the write lock, a CPU or the database for long, nor store much
more than its own size.  Each bound here is far above what a real client sends (TAXII clients ask
for a handful of ids or types; feeds post at most a thousand objects a batch) and far below what
makes one request expensive.  The transports (TAXII, REST, CLI) reach these through the domain
types that use them -- :class:`gotong.intel.query.ObjectFilter`, the envelope check, the status
resource -- so no route has to remember them.

Text from a request that goes into SQL is also refused here when it holds a NUL character, which
PostgreSQL cannot store or compare (the request would otherwise fail inside the driver).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from gotong.errors import Invalid, TooLarge

__all__ = [
    "MAX_ENVELOPE_OBJECTS",
    "MAX_FAILURE_TEXT",
    "MAX_FILTER_VALUES",
    "MAX_FILTER_VALUE_LENGTH",
    "MAX_INTEGER",
    "MAX_RECORDED_FAILURES",
    "STATUS_TTL_SECONDS",
    "check_envelope",
    "check_filter_values",
    "check_text",
    "parse_count",
]

MAX_FILTER_VALUES = 100  # values in one match[...] list
MAX_FILTER_VALUE_LENGTH = 300  # a STIX id is at most 250 (type) + 2 + 36 characters
MAX_ENVELOPE_OBJECTS = 10_000
MAX_RECORDED_FAILURES = 1_000  # failures listed in one status resource (the count stays exact)
MAX_FAILURE_TEXT = 300  # characters of one failure's message kept in a status
STATUS_TTL_SECONDS = 7 * 24 * 3600  # a status resource is kept a week, then forgotten
MAX_INTEGER = 2**63 - 1  # what a BIGINT column holds

_DIGITS = re.compile(r"[0-9]{1,19}\Z")  # ASCII digits only: str.isdigit() also accepts '²' and '٣'


def check_text(name: str, value: str, *, limit: int = MAX_FILTER_VALUE_LENGTH) -> str:
    """``value`` if it is short enough and free of NUL characters, else :class:`Invalid`."""
    if len(value) > limit:
        raise Invalid(f"{name}: a value is longer than {limit} characters")
    if "\x00" in value:
        raise Invalid(f"{name}: a value holds a NUL character")
    return value


def check_filter_values(name: str, values: Sequence[Any]) -> None:
    """Refuse a filter list that is too long, or text values that are too long or hold NUL."""
    if len(values) > MAX_FILTER_VALUES:
        raise Invalid(f"{name}: at most {MAX_FILTER_VALUES} values in one filter, {len(values)} given")
    for value in values:
        if isinstance(value, str):
            check_text(name, value)


def parse_count(name: str, text: str, *, minimum: int = 0) -> int:
    """A non-negative integer written in ASCII digits that fits a BIGINT, else :class:`Invalid`."""
    if not _DIGITS.match(text) or int(text) > MAX_INTEGER or int(text) < minimum:
        raise Invalid(f"{name}: {text[:40]!r} is not a whole number from {minimum} to {MAX_INTEGER}")
    return int(text)


def check_envelope(objects: Sequence[Any]) -> None:
    """Refuse an envelope with more objects than one request may carry."""
    if len(objects) > MAX_ENVELOPE_OBJECTS:
        raise TooLarge(
            f"an envelope may carry at most {MAX_ENVELOPE_OBJECTS} objects ({len(objects)} sent); "
            "send them in several envelopes"
        )

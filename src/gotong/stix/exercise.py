"""The one test of whether a STIX object belongs to a drill: it carries the top-level property
``x_gotong_exercise`` (the exercise's id).

Drills run inside the platform, in an exercise collection, so that what is measured is what members
do for real; what they make there must never leave as if it were real. Every path that sends
intelligence away from its collection (the bundle export, the feed exports, federation to peers and
the change feed) asks :func:`is_exercise` and leaves such objects out. Reading the exercise
collection itself (TAXII, REST, pages) is how a drill is played, and is not filtered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

__all__ = ["EXERCISE_PROPERTY", "is_exercise", "is_exercise_body"]

EXERCISE_PROPERTY = "x_gotong_exercise"
_NEEDLE = b'"' + EXERCISE_PROPERTY.encode() + b'"'


def is_exercise(obj: Mapping[str, Any] | Any) -> bool:
    """Whether ``obj`` is exercise-marked (a non-empty ``x_gotong_exercise`` at its top level)."""
    return isinstance(obj, Mapping) and bool(obj.get(EXERCISE_PROPERTY))


def is_exercise_body(body: str | bytes) -> bool:
    """:func:`is_exercise` of a stored object's JSON text, without parsing the many that cannot be."""
    raw = body.encode() if isinstance(body, str) else body
    if _NEEDLE not in raw:
        return False
    try:
        return is_exercise(orjson.loads(raw))
    except orjson.JSONDecodeError:
        return False

"""The one test of whether a STIX object belongs to a drill: it carries the top-level property
``x_gotong_exercise`` (the exercise's id).

Drills run inside the platform, in an exercise collection, so that what is measured is what members
do for real; what they make there must never leave as if it were real. Every path that sends
intelligence away from its collection (the bundle export, the feed exports, the change feed) asks
:func:`is_exercise` and leaves such objects out; federation sends one only between the parties of
its exercise (:func:`exercise_of_body` names it; ``gotong.federation.sending`` decides). Reading the
exercise collection itself (TAXII, REST, pages) is how a drill is played, and is not filtered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

__all__ = ["EXERCISE_PROPERTY", "exercise_of_body", "is_exercise", "is_exercise_body"]

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


def exercise_of_body(body: str | bytes) -> str | None:
    """The exercise id a stored object's JSON text carries, or None for a real object."""
    raw = body.encode() if isinstance(body, str) else body
    if _NEEDLE not in raw:
        return None
    try:
        found = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    value = found.get(EXERCISE_PROPERTY) if isinstance(found, Mapping) else None
    return str(value) if value else None

"""Statements built once per reader: the sharing clause is costly to build and the same every time.

A lookup or a sightings summary runs one statement whose shape depends only on the reader (the
sharing policy's clause) and whose values are bound parameters. Building it with SQLAlchemy costs
more than running it, so :class:`PerReader` keeps the last statements built, keyed by every field of
the reader.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import fields
from typing import Any

from sqlalchemy import Select

from gotong.sharing.policy import Reader

__all__ = ["PerReader"]


class PerReader:
    """Statements built once per distinct reader, the last ``size`` of them kept.

    The key is every field of the reader, frozen, so two readers share a statement only if the sharing
    policy is given the same facts about both; a reader that cannot be frozen is never cached.
    """

    def __init__(self, build: Callable[[Reader], Select[Any]], size: int = 256) -> None:
        self._build = build
        self._size = size
        self._cache: OrderedDict[Hashable, Select[Any]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, reader: Reader) -> Select[Any]:
        try:
            key = tuple((f.name, _frozen(getattr(reader, f.name))) for f in fields(reader))
        except TypeError:
            return self._build(reader)
        with self._lock:
            statement = self._cache.get(key)
            if statement is not None:
                self._cache.move_to_end(key)
                return statement
        statement = self._build(reader)
        with self._lock:
            self._cache[key] = statement
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return statement


def _frozen(value: Any) -> Hashable:
    """An immutable copy of a field of the reader; TypeError for anything but plain data."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, dict):
        items = ((_frozen(k), _frozen(v)) for k, v in value.items())
        return ("dict", tuple(sorted(items, key=lambda kv: repr(kv[0]))))
    if isinstance(value, set | frozenset):
        return ("set", frozenset(_frozen(v) for v in value))
    if isinstance(value, list | tuple):
        return ("seq", tuple(_frozen(v) for v in value))
    raise TypeError(f"cannot key statements on a {type(value).__name__}")

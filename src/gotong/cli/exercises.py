"""``gotong exercise`` and ``gotong scenario``, defined by :mod:`gotong.exercises.cli`."""

from gotong.exercises.cli import exercise, scenario

__all__ = ["exercise", "scenario"]

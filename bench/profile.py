"""Summaries of ``py-spy record --format raw`` profiles of the server: where its CPU time goes.

``python -m bench --py-spy PATH`` runs each Gotong server under py-spy (sampling pauses the server, so the
rates of a profiled run are not the ones to report) and writes one summary per server next to the results.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

_TOP = 30
# Leaf frames of threads that wait (idle workers, the event loop's poll, background threads' sleeps):
# py-spy still samples some of them, and they are not where CPU time goes.
_IDLE = ("Condition.wait ", "EpollSelector.select ", "Event.wait ", "Queue.get ", "Thread.join ")


def summarise(raw: Path, *, title: str) -> str:
    """Top functions by self and by inclusive samples, as text."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text("utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(f) for f in stack.split(";") if f]
        if not frames or frames[-1].startswith(_IDLE):
            continue
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"# {title}: {total} samples of busy threads (waiting ones left out)", "", "## self", ""]
    lines += [f"{100 * n / total:5.1f}%  {name}" for name, n in own.most_common(_TOP)] if total else []
    lines += ["", "## inclusive", ""]
    lines += [f"{100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(_TOP)] if total else []
    return "\n".join(lines) + "\n"


def _short(frame: str) -> str:
    """``func (path/to/site-packages/pkg/mod.py:12)`` -> ``func (pkg/mod.py:12)``."""
    name, _, where = frame.partition(" (")
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where}" if where else name

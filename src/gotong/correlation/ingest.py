"""Correlation's part of every write: index stored versions in the writer's transaction.

:class:`Indexer` is the in-transaction subscriber to :class:`~gotong.core.events.ObjectsStored`
that ``gotong.wiring`` installs for the app and the CLI. It carries correlation's configuration —
the warninglists checked at ingest and the regional-alert window — so the write path itself knows
neither. Running in the transaction is the point: an object is never visible without its index
rows, an alert is raised by the write that completes it, and a rolled-back write leaves no trace.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from sqlalchemy import Connection

from gotong.core.events import ObjectsStored
from gotong.correlation.index import DEFAULT_ALERT_WINDOW, index_versions
from gotong.correlation.warninglists import Warninglists
from gotong.errors import Invalid
from gotong.settings import Settings, alert_window_micros


def bundled_lists_dir() -> Path | None:
    """The lists shipped inside the ``pymispwarninglists`` package, if it is installed."""
    spec = find_spec("pymispwarninglists")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "data" / "misp-warninglists" / "lists"
    return folder if folder.is_dir() else None


def configured_warninglists(settings: Settings) -> Warninglists | None:
    """The warninglists named by ``GOTONG_WARNINGLISTS`` (none when it is empty)."""
    wanted = _wanted(settings)
    if wanted is None:
        return None
    return _load(str(_folder(settings)), wanted)


def _wanted(settings: Settings) -> str | None:
    return settings.warninglists.strip() or None


def _folder(settings: Settings) -> Path:
    folder = Path(settings.warninglists_dir) if settings.warninglists_dir else bundled_lists_dir()
    if folder is None or not folder.is_dir():
        raise Invalid(
            f"warninglists folder {settings.warninglists_dir or '(pymispwarninglists data)'} not found; "
            "set GOTONG_WARNINGLISTS_DIR"
        )
    return folder


@lru_cache(maxsize=4)
def _load(folder: str, wanted: str) -> Warninglists:
    only = None if wanted == "all" else sorted({w.strip() for w in wanted.split(",") if w.strip()})
    return Warninglists.load(folder, only=only)


class Indexer:
    """Indexes the observables of stored versions, flags warninglist hits, raises regional alerts.

    The warninglists are read at the first write, so a CLI command that stores nothing never pays
    for loading them (nor fails on a wrong list setting); :meth:`load` reads them at once (the
    server does, so that a wrong setting stops it at start-up).
    """

    def __init__(self, *, settings: Settings | None = None, warninglists: Warninglists | None = None) -> None:
        self._settings = settings
        self._lists = warninglists
        self._lock = threading.Lock()
        self.alert_window = alert_window_micros(settings) if settings is not None else DEFAULT_ALERT_WINDOW

    def load(self) -> Warninglists | None:
        """The warninglists checked at ingest (read now if they were not yet)."""
        if self._lists is None and self._settings is not None:
            with self._lock:
                if self._lists is None:
                    self._lists = configured_warninglists(self._settings)
        return self._lists

    def __call__(self, conn: Connection, event: ObjectsStored) -> None:
        hits = index_versions(
            conn,
            [(v.seq, v.obj) for v in event.versions],
            warninglists=self.load(),
            alert_window=self.alert_window,
        )
        for seq, found in hits.items():
            lists = sorted({f"{h.list_name} ({h.matched})" for h in found})
            event.remark(seq, "on warninglist: " + "; ".join(lists))

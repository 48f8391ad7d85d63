"""Which warninglists a node checks at ingest, from its settings."""

from __future__ import annotations

from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from gotong.correlation.warninglists import Warninglists
from gotong.errors import Invalid
from gotong.settings import Settings


def bundled_lists_dir() -> Path | None:
    """The lists shipped inside the ``pymispwarninglists`` package, if it is installed."""
    spec = find_spec("pymispwarninglists")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "data" / "misp-warninglists" / "lists"
    return folder if folder.is_dir() else None


def configured_warninglists(settings: Settings) -> Warninglists | None:
    """The warninglists named by ``GOTONG_WARNINGLISTS`` (none when it is empty)."""
    wanted = settings.warninglists.strip()
    if not wanted:
        return None
    folder = Path(settings.warninglists_dir) if settings.warninglists_dir else bundled_lists_dir()
    if folder is None or not folder.is_dir():
        raise Invalid(
            f"warninglists folder {settings.warninglists_dir or '(pymispwarninglists data)'} not found; "
            "set GOTONG_WARNINGLISTS_DIR"
        )
    return _load(str(folder), wanted)


@lru_cache(maxsize=4)
def _load(folder: str, wanted: str) -> Warninglists:
    only = None if wanted == "all" else sorted({w.strip() for w in wanted.split(",") if w.strip()})
    return Warninglists.load(folder, only=only)

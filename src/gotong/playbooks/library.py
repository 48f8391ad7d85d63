"""The regional library: CACAO 2.0 playbooks shipped as data files (``data/playbooks/*.json``) for
the threats the network's seeds name. A node imports them like any playbook (``gotong playbook
import --library``), so they are validated, versioned and shared the same way."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

__all__ = ["library", "library_files"]


def library_files() -> list[str]:
    """The names of the library's files, sorted."""
    folder = resources.files("gotong").joinpath("data/playbooks")
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".json"))


def library() -> list[dict[str, Any]]:
    """The library's playbooks, one document per file, in file order."""
    folder = resources.files("gotong").joinpath("data/playbooks")
    return [json.loads(folder.joinpath(name).read_text("utf-8")) for name in library_files()]

"""The node's own small files beside its key (checkpoints kept, witnessed, peers' directories):
written whole or not at all, and read back as one JSON object."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import orjson

from gotong.errors import Invalid


def replace_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so that a reader sees the old file or the new one, never part of
    it, and a crash leaves the old one (a temporary file in the same folder, synced, then renamed)."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_json(target: Path, value: dict[str, Any]) -> None:
    """``value`` as indented JSON with sorted keys, replaced atomically."""
    replace_atomically(target, orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))


def read_json_object(path: Path, what: str) -> dict[str, Any]:
    """The JSON object in ``path`` (``{}`` while there is none); ``what`` names it in the refusal of a
    file that is not one."""
    try:
        value = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except orjson.JSONDecodeError:
        raise Invalid(f"{what} {str(path)!r} are not JSON") from None
    if not isinstance(value, dict):
        raise Invalid(f"{what} {str(path)!r} are not a JSON object")
    return value

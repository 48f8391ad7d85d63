"""A MISP feed folder (``manifest.json``, one ``<event uuid>.json`` per event, ``hashes.csv``) to STIX 2.1.

Every fault is a problem line, never an exception: a missing or broken manifest falls back to the event
files present, a broken event file costs that event only, a malformed ``hashes.csv`` line is named by its
number. Not for: fetching a feed over HTTP (the feed scheduler downloads into a folder) or storing.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson

from gotong.feeds.misp.event_to_stix import Converted, misp_event_to_stix

__all__ = ["read_misp_feed"]

MANIFEST = "manifest.json"
HASHES = "hashes.csv"
_MD5 = re.compile(r"[0-9a-fA-F]{32}\Z")


def read_misp_feed(folder: str | Path) -> Iterator[tuple[str, Converted]]:
    """Yield ``(event uuid, converted)`` for each event of a MISP feed folder, in manifest order.

    Problems that belong to no event are yielded with the file's name in place of the uuid and no
    objects: ``("manifest.json", ...)`` first if the manifest is missing, broken or leaves files out,
    ``("hashes.csv", ...)`` last for its malformed lines.
    """
    root = Path(folder)
    present = {key: path for path in sorted(root.glob("*.json")) if (key := _uuid(path.stem)) is not None}
    listed, problems = _manifest(root / MANIFEST)
    order = listed if listed is not None else sorted(present)
    unlisted = sorted(set(present) - set(order))
    problems += [f"{MANIFEST}: {present[u].name} is not listed in the manifest; skipped" for u in unlisted]
    if problems:
        yield MANIFEST, Converted(problems=problems)
    for event_uuid in order:
        yield event_uuid, _event(present.get(event_uuid), event_uuid)
    hash_problems = _hash_lines(root / HASHES, set(order))
    if hash_problems:
        yield HASHES, Converted(problems=hash_problems)


def _manifest(path: Path) -> tuple[list[str] | None, list[str]]:
    """The event uuids the manifest lists (None without a usable manifest), and its problems."""
    if not path.is_file():
        return None, [f"{MANIFEST}: missing; reading every <uuid>.json in the folder"]
    try:
        manifest = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        return None, [f"{MANIFEST}: not JSON ({exc}); reading every <uuid>.json in the folder"]
    if not isinstance(manifest, dict):
        return None, [f"{MANIFEST}: not a JSON object of events; reading every <uuid>.json in the folder"]
    listed, problems = [], []
    for key in manifest:
        event_uuid = _uuid(key)
        if event_uuid is None:
            problems.append(f"{MANIFEST}: entry {key[:80]!r} is not an event uuid; skipped")
        elif event_uuid not in listed:
            listed.append(event_uuid)
    return listed, problems


def _event(path: Path | None, event_uuid: str) -> Converted:
    if path is None:
        return Converted(
            problems=[f"{event_uuid}: broken event: its file {event_uuid}.json is missing; skipped"]
        )
    try:
        event = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        return Converted(problems=[f"{event_uuid}: broken event: {path.name} is not JSON ({exc}); skipped"])
    except OSError as exc:
        return Converted(
            problems=[f"{event_uuid}: broken event: {path.name} cannot be read ({exc}); skipped"]
        )
    if not isinstance(event, dict):
        return Converted(problems=[f"{event_uuid}: broken event: {path.name} holds no MISP event; skipped"])
    converted = misp_event_to_stix(event)
    converted.problems = [_named(p, event_uuid) for p in converted.problems]
    return converted


def _named(problem: str, event_uuid: str) -> str:
    """A problem line of an event file that does not say which event it is from gets the file's uuid."""
    return f"{event_uuid}{problem.removeprefix('(no uuid)')}" if problem.startswith("(no uuid)") else problem


def _hash_lines(path: Path, events: set[str]) -> list[str]:
    """Problems with ``hashes.csv``: each line is ``<md5 of an attribute value>,<event uuid>``."""
    if not path.is_file():
        return []  # optional: MISP uses it for caching and correlation only
    problems = []
    text = path.read_bytes().decode("utf-8", errors="replace")
    for number, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if not row:
            continue
        why = None
        if len(row) != 2:
            why = f"{len(row)} fields, not 2"
        elif not _MD5.match(row[0].strip()):
            why = "the first field is not an MD5 hash"
        elif (event_uuid := _uuid(row[1].strip())) is None:
            why = "the second field is not an event uuid"
        elif event_uuid not in events:
            why = f"event {event_uuid} is not in the feed"
        if why is not None:
            problems.append(f"{HASHES}: line {number}: {','.join(row)[:80]!r}: {why}; skipped")
    return problems


def _uuid(text: str) -> str | None:
    try:
        return str(uuid.UUID(text)) if len(text) == 36 else None
    except ValueError:
        return None

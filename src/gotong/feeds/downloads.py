"""Fetching a feed's source for a run: a conditional download, or a MISP feed's manifest and new events.

What is fetched lands in the run's temporary folder, where the format's converter reads it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import orjson

from gotong.feeds.fetch import FetchError, fetch, fetch_json, is_url


def local_source(
    row: Any, http: httpx.Client, tmp: Path, state: dict[str, Any], problems: list[str]
) -> Path | None:
    """A file or folder the converters can read: the source itself, or what was downloaded into ``tmp``.

    ``None``: the source has not changed since the last run (by its ETag or Last-Modified).
    ``state`` holds the validators and the cursor, updated for a successful run; events that
    could not be fetched are named in ``problems``.
    """
    if not is_url(row.source):
        return Path(row.source)
    if row.format == "misp-feed":
        return _download_misp_feed(row, http, tmp, state, problems)
    got = fetch(
        http,
        row.source,
        into=tmp / "feed",
        credentials=row.credentials,
        etag=state["etag"],
        last_modified=state["last_modified"],
    )
    if got.not_modified:
        return None
    state["etag"], state["last_modified"] = got.etag, got.last_modified
    return got.path


def _download_misp_feed(
    row: Any, http: httpx.Client, tmp: Path, state: dict[str, Any], problems: list[str]
) -> Path | None:
    """Fetch the manifest (conditionally) and the events newer than the cursor into a feed folder."""
    base = row.source if row.source.endswith("/") else row.source + "/"
    got = fetch(
        http,
        base + "manifest.json",
        into=tmp / "manifest.remote",
        credentials=row.credentials,
        etag=state["etag"],
        last_modified=state["last_modified"],
    )
    if got.not_modified:
        return None
    assert got.path is not None
    try:
        manifest = orjson.loads(got.path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise FetchError(f"{base}manifest.json: not JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise FetchError(f"{base}manifest.json: not a JSON object of events")
    since = int(state["resume_from"] or 0)
    newest = since
    folder = tmp / "misp-feed"
    folder.mkdir()
    wanted: dict[str, Any] = {}
    for event_uuid, entry in manifest.items():
        stamp = _int(entry.get("timestamp")) if isinstance(entry, dict) else None
        if stamp is not None and stamp <= since:
            continue
        wanted[event_uuid] = entry
        newest = max(newest, stamp or 0)
    unfetched: list[int] = []
    for event_uuid, entry in wanted.items():
        if not re.fullmatch(r"[0-9a-fA-F-]{36}", event_uuid):
            continue  # read_misp_feed reports the bad manifest entry
        try:
            event = fetch_json(http, f"{base}{event_uuid}.json", credentials=row.credentials)
        except FetchError as exc:
            problems.append(f"{event_uuid}: broken event: {exc}; skipped, tried again next run")
            stamp = _int(entry.get("timestamp")) if isinstance(entry, dict) else None
            unfetched.append(stamp if stamp is not None else since + 1)
            continue
        (folder / f"{event_uuid}.json").write_bytes(orjson.dumps(event))
    (folder / "manifest.json").write_bytes(orjson.dumps(wanted))
    if unfetched:
        # Stay before the oldest event that could not be fetched, and fetch the manifest again.
        state["resume_from"] = str(max(since, min(unfetched) - 1))
    else:
        state["etag"], state["last_modified"] = got.etag, got.last_modified
        state["resume_from"] = str(newest)
    return folder


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None

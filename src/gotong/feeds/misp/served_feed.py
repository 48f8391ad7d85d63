"""What an organisation may see, served as a MISP feed, so that a MISP instance adds Gotong as a feed
with no plug-in: ``manifest.json``, one ``<uuid>.json`` per event and ``hashes.csv``, as PyMISP's
``to_feed`` writes them.

The events are built per request from what the token's organisation may see (``export_bundle``, which
asks the sharing policy), up to a TLP ceiling: each event that came from MISP as it was, and one event
for everything else (see :mod:`gotong.feeds.misp.stix_to_event`). Each file has an ETag, the hash of its
bytes, so a MISP instance polling the feed downloads only what changed. Not for: deciding visibility.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from gotong.errors import NotFound
from gotong.feeds.exporters import tlp_of
from gotong.feeds.misp.stix_to_event import stix_to_misp_events
from gotong.intel.bulk import export_bundle
from gotong.sharing.tlp import TLP

__all__ = ["FeedFile", "served_file"]

_NAMESPACE = uuid.UUID("a3d6e1f2-7b8c-4d9e-8f01-23456789abcd")
_MANIFEST_KEYS = ("info", "Orgc", "Tag", "date", "analysis", "threat_level_id", "timestamp")


@dataclass(frozen=True)
class FeedFile:
    """One file of the feed: its bytes, media type and ETag (a strong validator: the bytes' hash)."""

    content: bytes
    media_type: str

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.content).hexdigest()[:32] + '"'


def _events(engine: Engine, org: str, ceiling: TLP) -> dict[str, dict[str, Any]]:
    buffer = io.StringIO()
    export_bundle(engine, out=buffer, org=org, mark_unmarked=True)
    objects: list[Mapping[str, Any]] = [
        o for o in json.loads(buffer.getvalue())["objects"] if tlp_of(o) <= ceiling
    ]
    if not objects:
        return {}
    rest_uuid = str(uuid.uuid5(_NAMESPACE, org))
    events = stix_to_misp_events(
        objects, info=f"Gotong: what {org} may see, up to {ceiling.label}", rest_uuid=rest_uuid
    )
    found = {}
    for event in events:
        inner = event["Event"]
        inner.setdefault("Orgc", {"name": "Gotong", "uuid": str(uuid.uuid5(_NAMESPACE, "gotong"))})
        inner.setdefault("date", "1970-01-01")
        found[str(inner["uuid"])] = event
    return found


def _manifest(events: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    return {u: {k: e["Event"][k] for k in _MANIFEST_KEYS if k in e["Event"]} for u, e in events.items()}


def _hashes(events: Mapping[str, Mapping[str, Any]]) -> str:
    """One line per attribute value: its MD5 and the event's uuid (what MISP correlates feeds by)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for event_uuid, event in events.items():
        inner = event["Event"]
        attributes = [
            *inner.get("Attribute", []),
            *(a for o in inner.get("Object", []) for a in o.get("Attribute", [])),
        ]
        for attribute in attributes:
            value = str(attribute.get("value", ""))
            writer.writerow(
                [hashlib.md5(value.encode("utf-8"), usedforsecurity=False).hexdigest(), event_uuid]
            )
    return out.getvalue()


def served_file(engine: Engine, *, org: str, name: str, ceiling: TLP = TLP.RED) -> FeedFile:
    """``manifest.json``, ``hashes.csv`` or ``<event uuid>.json`` of the feed ``org`` may see."""
    events = _events(engine, org, ceiling)
    if name == "manifest.json":
        return FeedFile(json.dumps(_manifest(events), indent=1).encode(), "application/json")
    if name == "hashes.csv":
        return FeedFile(_hashes(events).encode(), "text/csv; charset=utf-8")
    event = events.get(name.removesuffix(".json")) if name.endswith(".json") else None
    if event is None:
        raise NotFound(f"no event {name!r} in the MISP feed you may see")
    return FeedFile(json.dumps(event, indent=1).encode(), "application/json")

"""STIX 2.1 objects back to one MISP event, for exports to MISP and for the round trip of MISP feeds.

Content that misp-stix made (its report or grouping carries ``misp:tool="MISP-STIX-Converter"``) goes
through its internal parser, which restores attribute types and values exactly; everything else goes
through its external parser, which maps what it can. An export holds every object given, whichever
parser reads it: each MISP-made report with the objects it references, then the rest together, merged
into one event. Identities are read only where a MISP-made report names its creator: the node's preset
organisations are no MISP "organization" objects.

Every attribute and object carries a ``tlp:`` tag (TLP 2.0 names; ``tlp:white`` is ``tlp:clear``), the
level of the STIX object it came from, and the event the strictest of them. Objects should arrive marked
(``export_bundle(mark_unmarked=True)`` marks those stored bare with the level they were stored under);
one still bare counts as ``unmarked``. Not for: choosing what an organisation may export (``sharing``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from gotong.errors import Invalid
from gotong.feeds.misp.converter import MISP_PRODUCER_LABEL, event_of_stix21
from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp
from gotong.stix.timestamps import TimestampError, parse_timestamp

__all__ = ["stix_to_misp_event", "stix_to_misp_events"]

_EXPORT_NAMESPACE = uuid.UUID("5b7a2d0e-3c41-4f6a-9e85-0d2c7b1f4a93")
_CONTEXT_TYPES = frozenset({"identity", "marking-definition"})
_NOT_CARRIED = frozenset({"sighting"})
"""A MISP feed carries no sightings (MISP records them per instance); Gotong's are read over its own API.
misp-stix also fails on a sighting whose identities are not in the same bundle."""
_MERGED_LISTS = ("Attribute", "Object", "EventReport")


def stix_to_misp_event(
    objects: Sequence[Mapping[str, Any]], *, info: str | None = None, unmarked: TLP = TLP.AMBER
) -> dict[str, Any]:
    """One MISP event in feed form (``{"Event": {...}}``) holding what the STIX objects say.

    One MISP-made event alone comes back as it was (uuid, info, Orgc); anything more becomes one event
    named ``info``. Raises ``Invalid`` when there is nothing to convert or misp-stix cannot read it.
    """
    if not objects:
        raise Invalid("no STIX objects to make a MISP event of")
    parts = [_convert(group) for group in _groups(objects)]
    if not parts:
        raise Invalid("no STIX objects to make a MISP event of (only identities and marking definitions)")
    event = parts[0] if len(parts) == 1 and info is None else _merged(parts, objects, info)
    _tag_tlp(event, objects, unmarked)
    return {"Event": event}


def stix_to_misp_events(
    objects: Sequence[Mapping[str, Any]], *, info: str, rest_uuid: str, unmarked: TLP = TLP.AMBER
) -> list[dict[str, Any]]:
    """The objects as MISP events (feed form), one per MISP-made event (as it was), and one named
    ``info`` with uuid ``rest_uuid`` for everything else; each tagged with TLP as one export is."""
    events = []
    for group in _groups(objects):
        event = _convert(group)
        if not any(
            g.get("type") in ("report", "grouping") and MISP_PRODUCER_LABEL in (g.get("labels") or ())
            for g in group
        ):
            event = {**_merged([event], group, info), "uuid": rest_uuid}
        _tag_tlp(event, group, unmarked)
        events.append({"Event": event})
    return events


def _groups(objects: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """Each MISP-made report or grouping with what it references, and the rest (less identities and
    marking definitions, which only give context, and sightings) as one more group."""
    by_id = {str(o.get("id")): o for o in objects}
    groups: list[list[Mapping[str, Any]]] = []
    taken: set[str] = set()
    for obj in objects:
        if obj.get("type") in ("report", "grouping") and MISP_PRODUCER_LABEL in (obj.get("labels") or ()):
            refs = [r for r in obj.get("object_refs") or () if isinstance(r, str)]
            context = [obj.get("created_by_ref"), *_marking_ids(obj)]
            members = [obj] + [by_id[r] for r in [*refs, *context] if isinstance(r, str) and r in by_id]
            groups.append(list({str(m.get("id")): m for m in members}.values()))
            taken.update(str(m.get("id")) for m in members)
    rest = [
        o
        for o in objects
        if str(o.get("id")) not in taken and o.get("type") not in _CONTEXT_TYPES | _NOT_CARRIED
    ]
    if rest:
        groups.append(rest)
    return groups


def _marking_ids(obj: Mapping[str, Any]) -> list[str]:
    return [r for r in obj.get("object_marking_refs") or () if isinstance(r, str)]


def _convert(group: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    try:
        event, _errors = event_of_stix21(group)
    except Exception as exc:  # misp-stix raises whatever stix2 or pymisp raise
        raise Invalid(
            f"misp-stix could not make a MISP event of these objects ({type(exc).__name__})"
        ) from exc
    if not event.get("Orgc"):
        orgc = _creator(group)
        if orgc is not None:  # misp-stix names the creator in a tag only; a feed event needs Orgc
            event["Orgc"] = orgc
    return event


def _merged(
    parts: list[dict[str, Any]], objects: Sequence[Mapping[str, Any]], info: str | None
) -> dict[str, Any]:
    """One event of several: their attributes, objects and tags, under a name of its own."""
    ids = sorted(str(o.get("id")) for o in objects)
    event: dict[str, Any] = {
        "uuid": str(uuid.uuid5(_EXPORT_NAMESPACE, "|".join(ids))),
        "info": info or "Gotong export",
        "distribution": "0",
        "analysis": "2",
        "threat_level_id": "4",
        "published": False,
        "timestamp": str(_latest(parts, objects)),
        "date": datetime.fromtimestamp(_latest(parts, objects), UTC).date().isoformat(),
    }
    for key in _MERGED_LISTS:
        seen: dict[str, Any] = {}
        for part in parts:
            for item in part.get(key) or ():
                seen.setdefault(str(item.get("uuid", len(seen))), item)
        if seen:
            event[key] = list(seen.values())
    tags = {t["name"]: t for part in parts for t in part.get("Tag") or () if isinstance(t.get("name"), str)}
    event["Tag"] = [t for name, t in tags.items() if not name.startswith("tlp:")]
    return event


def _latest(parts: list[dict[str, Any]], objects: Sequence[Mapping[str, Any]]) -> int:
    """The event's timestamp: the latest of its parts' and of its objects' ``modified`` (seconds)."""
    stamps = [int(str(p.get("timestamp") or 0)) for p in parts]
    for obj in objects:
        try:
            stamps.append(int(parse_timestamp(str(obj.get("modified"))).timestamp()))
        except TimestampError:
            continue
    return max(stamps, default=0)


def _level(obj: Mapping[str, Any], unmarked: TLP) -> TLP:
    found = strictest_tlp(marking_refs(obj))
    return unmarked if found is None else found


def _tag_tlp(event: dict[str, Any], objects: Sequence[Mapping[str, Any]], unmarked: TLP) -> None:
    """A ``tlp:`` tag on every attribute and object (its STIX object's level) and on the event (the
    strictest): misp-stix makes attribute and object uuids of the STIX ids' uuids."""
    by_uuid: dict[str, TLP] = {}
    for obj in objects:
        if obj.get("type") in _CONTEXT_TYPES:
            continue
        key = str(obj.get("id")).partition("--")[2]
        level = _level(obj, unmarked)
        by_uuid[key] = max(by_uuid.get(key, level), level)
    everything = max(by_uuid.values(), default=unmarked)
    for attribute in event.get("Attribute") or ():
        _set_tlp(attribute, by_uuid.get(str(attribute.get("uuid")), everything))
    for misp_object in event.get("Object") or ():
        level = by_uuid.get(str(misp_object.get("uuid")), everything)
        _set_tlp(misp_object, level)
        for attribute in misp_object.get("Attribute") or ():  # as its object, unless it has a level itself
            _set_tlp(attribute, by_uuid.get(str(attribute.get("uuid")), level))
    _set_tlp(event, everything)


def _set_tlp(item: dict[str, Any], level: TLP) -> None:
    tags = [t for t in item.get("Tag") or () if not str(t.get("name", "")).lower().startswith("tlp:")]
    item["Tag"] = [*tags, {"name": f"tlp:{level.slug}"}]


def _creator(objects: Sequence[Mapping[str, Any]]) -> dict[str, str] | None:
    """The organisation (name and uuid) of the identity that created the report or grouping."""
    identities = {o.get("id"): o for o in objects if o.get("type") == "identity"}
    for obj in objects:
        if obj.get("type") in ("report", "grouping"):
            identity = identities.get(obj.get("created_by_ref"))
            if identity is not None and isinstance(identity.get("name"), str):
                return {"name": identity["name"], "uuid": str(identity["id"]).partition("--")[2]}
    return None

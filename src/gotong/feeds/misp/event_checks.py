"""Checks a MISP event before conversion: what cannot be converted is reported and left out, the rest kept.

MISP's converter skips a bad attribute only for some faults and stops on others (an attribute uuid that is
not a uuid, a galaxy cluster without one), and it takes the clock for anything without a timestamp. So every
attribute, object, sighting and galaxy cluster is checked here first: the unconvertible ones leave with a
problem line, missing timestamps are taken from the event and missing cluster or sighting uuids are derived
from what they hold, so converting the same event twice gives the same STIX objects. Not for: mapping to
STIX (misp-stix does) or markings (``markings``).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from gotong.errors import Invalid
from gotong.sharing.tlp import TLP

__all__ = ["CleanEvent", "clean_event"]

# Namespace of the uuid5s made here for MISP items that lack a uuid of their own (gotong-specific, fixed).
_NAMESPACE = uuid.UUID("4f0b2a5e-6d3c-5e8a-9b1f-2c7d4e6a8b90")
_ITEM_LISTS = ("Attribute", "Object", "Galaxy")


@dataclass
class CleanEvent:
    """An event ready for misp-stix, with what was left out and what each kept item is."""

    event: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # uuid -> "attribute <uuid> (<type>)" etc.
    tlp: dict[str, TLP] = field(default_factory=dict)  # uuid of an attribute or object -> its own TLP
    event_tlp: TLP | None = None
    top_level: list[str] = field(default_factory=list)  # uuids of the event's own attributes and objects
    members: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # object uuid -> (uuid, value)
    values: dict[str, str] = field(default_factory=dict)  # attribute uuid -> value

    @property
    def uuid(self) -> str:
        return str(self.event["uuid"])


@cache
def _known_types() -> frozenset[str]:
    """The attribute types MISP defines (PyMISP's describeTypes): an attribute of any other type is
    skipped. PyMISP is imported on first use (with its warning lists it takes a second to load)."""
    from pymisp import MISPAttribute

    return frozenset(MISPAttribute().describe_types["types"])


def clean_event(raw: object) -> CleanEvent | str:
    """A checked deep copy of one MISP event (``{"Event": {...}}`` or the inner dict), or the problem line
    saying why the whole event is broken."""
    inner = raw.get("Event", raw) if isinstance(raw, Mapping) else raw
    if not isinstance(inner, Mapping):
        return "(no uuid): broken event: not a JSON object holding a MISP event; skipped"
    event_uuid = _uuid(inner.get("uuid"))
    if event_uuid is None:
        return "(no uuid): broken event: no valid 'uuid'; skipped"
    timestamp = _timestamp(inner.get("timestamp")) or _date(inner.get("date"))
    timestamp = timestamp or _timestamp(inner.get("publish_timestamp"))
    if timestamp is None:
        return f"{event_uuid}: broken event: no timestamp or date to version its objects by; skipped"
    event = {k: copy.deepcopy(v) for k, v in inner.items() if k not in _ITEM_LISTS}
    event.update(uuid=event_uuid, timestamp=str(timestamp))
    if not isinstance(event.get("info"), str) or not event["info"].strip():
        event["info"] = f"MISP event {event_uuid}"  # the STIX report needs a name
    orgc = event.get("Orgc")
    if not (isinstance(orgc, Mapping) and isinstance(orgc.get("name"), str) and _uuid(orgc.get("uuid"))):
        event.pop("Orgc", None)  # misp-stix fails on a malformed creator; without one it leaves it out
    out = CleanEvent(event=event)
    event["Tag"] = _tags(inner.get("Tag"), f"{event_uuid}: event", out.problems)
    out.event_tlp = _tlp_of(event["Tag"])
    seen: set[str] = set()
    attributes = [
        a
        for i, raw_attribute in enumerate(_list(inner.get("Attribute")))
        if (a := _attribute(raw_attribute, i, timestamp, "", out, seen)) is not None
    ]
    objects = [
        o
        for i, raw_object in enumerate(_list(inner.get("Object")))
        if (o := _object(raw_object, i, timestamp, out, seen)) is not None
    ]
    kept = seen | {event_uuid}
    for obj in objects:  # a reference to something left out would be a dangling relationship
        obj["ObjectReference"] = [
            r
            for r in _list(obj.get("ObjectReference"))
            if isinstance(r, Mapping)
            and _uuid(r.get("referenced_uuid")) in kept
            and isinstance(r.get("relationship_type"), str)
            and r["relationship_type"]
        ]
    galaxies = _galaxies(inner.get("Galaxy"), f"{event_uuid}: event", out.problems)
    event.update(Attribute=attributes, Object=objects, Galaxy=galaxies)
    out.top_level = [item["uuid"] for item in attributes + objects]
    return out


def _attribute(
    raw: object, index: int, default_ts: int, holder: str, out: CleanEvent, seen: set[str]
) -> dict[str, Any] | None:
    where = f"{out.uuid}: attribute #{index + 1}{holder}"
    if not isinstance(raw, Mapping):
        out.problems.append(f"{where}: not a JSON object; skipped")
        return None
    kind = raw.get("type")
    attr_uuid = _uuid(raw.get("uuid"))
    shown = f"{out.uuid}: attribute {attr_uuid or raw.get('uuid') or '#' + str(index + 1)} ({kind}){holder}"
    why = None
    if attr_uuid is None:
        why = "no valid uuid"
    elif attr_uuid in seen:
        why = "its uuid repeats one earlier in the event"
    elif not isinstance(kind, str) or kind not in _known_types():
        why = "unknown MISP attribute type"
    elif not _has_value(raw.get("value")):
        why = "no value"
    elif raw.get("deleted") is True:
        why = "deleted in MISP"
    if why is not None or attr_uuid is None:
        out.problems.append(f"{shown}: {why}; skipped")
        return None
    seen.add(attr_uuid)
    attribute = copy.deepcopy(dict(raw))
    timestamp = _timestamp(raw.get("timestamp")) or default_ts
    attribute.update(uuid=attr_uuid, timestamp=str(timestamp), value=str(raw["value"]))
    attribute["Tag"] = _tags(raw.get("Tag"), shown, out.problems)
    attribute["Galaxy"] = _galaxies(raw.get("Galaxy"), shown, out.problems)
    attribute["Sighting"] = _sightings(raw.get("Sighting"), attr_uuid, timestamp, shown, out.problems)
    out.labels[attr_uuid] = shown.removeprefix(f"{out.uuid}: ")
    out.values[attr_uuid] = attribute["value"]
    level = _tlp_of(attribute["Tag"])
    if level is not None:
        out.tlp[attr_uuid] = level
    return attribute


def _object(
    raw: object, index: int, default_ts: int, out: CleanEvent, seen: set[str]
) -> dict[str, Any] | None:
    if not isinstance(raw, Mapping):
        out.problems.append(f"{out.uuid}: object #{index + 1}: not a JSON object; skipped")
        return None
    obj_uuid, name = _uuid(raw.get("uuid")), raw.get("name")
    shown = f"{out.uuid}: object {obj_uuid or raw.get('uuid') or '#' + str(index + 1)} ({name})"
    why = None
    if obj_uuid is None:
        why = "no valid uuid"
    elif obj_uuid in seen:
        why = "its uuid repeats one earlier in the event"
    elif not isinstance(name, str) or not name:
        why = "no name"
    elif raw.get("deleted") is True:
        why = "deleted in MISP"
    if why is not None or obj_uuid is None:
        out.problems.append(f"{shown}: {why}; skipped")
        return None
    seen.add(obj_uuid)
    timestamp = _timestamp(raw.get("timestamp")) or default_ts
    holder = f" of object {obj_uuid} ({name})"
    attributes = [
        a
        for i, raw_attribute in enumerate(_list(raw.get("Attribute")))
        if (a := _attribute(raw_attribute, i, timestamp, holder, out, seen)) is not None
    ]
    if not attributes:
        out.problems.append(f"{shown}: no attribute that could be converted; skipped")
        return None
    obj = {k: copy.deepcopy(v) for k, v in raw.items() if k != "Attribute"}
    obj.update(uuid=obj_uuid, timestamp=str(timestamp), Attribute=attributes)
    out.labels[obj_uuid] = shown.removeprefix(f"{out.uuid}: ")
    out.members[obj_uuid] = [(a["uuid"], a["value"]) for a in attributes]
    levels = [out.tlp[a["uuid"]] for a in attributes if a["uuid"] in out.tlp]
    if levels:  # misp-stix makes one STIX object of the whole MISP object: its strictest part marks it
        out.tlp[obj_uuid] = max(levels)
    return obj


def _sightings(raw: object, attr_uuid: str, default_ts: int, shown: str, problems: list[str]) -> list[Any]:
    sightings = []
    for i, sighting in enumerate(_list(raw)):
        if not isinstance(sighting, Mapping) or str(sighting.get("type", "0")) not in ("0", "1"):
            why = "an expiration, which STIX has no form for" if isinstance(sighting, Mapping) else "not one"
            problems.append(f"{shown}: sighting #{i + 1}: {why}; skipped")
            continue
        item = copy.deepcopy(dict(sighting))
        item["type"] = str(sighting.get("type", "0"))
        item["date_sighting"] = str(_timestamp(sighting.get("date_sighting")) or default_ts)
        org = sighting.get("Organisation")
        org_uuid = _uuid(org.get("uuid")) if isinstance(org, Mapping) else None
        if not (isinstance(org, Mapping) and isinstance(org.get("name"), str) and org_uuid):
            item.pop("Organisation", None)  # misp-stix needs both to name where it was sighted
        key = f"{attr_uuid}|{item['date_sighting']}|{item['type']}|{org_uuid}|{sighting.get('source')}"
        item["uuid"] = _uuid(sighting.get("uuid")) or str(uuid.uuid5(_NAMESPACE, "sighting|" + key))
        sightings.append(item)
    return sightings


def _galaxies(raw: object, shown: str, problems: list[str]) -> list[Any]:
    galaxies = []
    for galaxy in _list(raw):
        if not isinstance(galaxy, Mapping) or not isinstance(galaxy.get("type"), str):
            problems.append(f"{shown}: galaxy without a type; skipped")
            continue
        clusters = []
        for cluster in _list(galaxy.get("GalaxyCluster")):
            value = cluster.get("value") if isinstance(cluster, Mapping) else None
            if not isinstance(cluster, Mapping) or not isinstance(value, str) or not value:
                problems.append(f"{shown}: galaxy cluster in {galaxy['type']!r} without a value; skipped")
                continue
            item = copy.deepcopy(dict(cluster))
            key = cluster.get("tag_name") or f"{galaxy['type']}={value}"
            item["uuid"] = _uuid(cluster.get("uuid")) or str(uuid.uuid5(_NAMESPACE, f"cluster|{key}"))
            clusters.append(item)
        if clusters:
            galaxies.append({**copy.deepcopy(dict(galaxy)), "GalaxyCluster": clusters})
    return galaxies


def _tags(raw: object, shown: str, problems: list[str]) -> list[dict[str, Any]]:
    tags = []
    for tag in _list(raw):
        if isinstance(tag, Mapping) and isinstance(tag.get("name"), str) and tag["name"].strip():
            tags.append(copy.deepcopy(dict(tag)))
        else:
            problems.append(f"{shown}: a tag without a name; skipped")
    return tags


def _tlp_of(tags: list[dict[str, Any]]) -> TLP | None:
    """The strictest TLP level the tags name (``tlp:white`` is TLP 2.0 CLEAR); None when none does."""
    levels = []
    for tag in tags:
        name = str(tag["name"]).strip().lower()
        if name.startswith("tlp:"):
            try:
                levels.append(TLP.parse(name))
            except Invalid:
                continue  # tlp:ex:chr and the like are labels, not levels
    return max(levels) if levels else None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _uuid(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _has_value(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float) or (isinstance(value, str) and bool(value.strip()))


def _timestamp(value: object) -> int | None:
    """A MISP timestamp (seconds since the epoch, as a number or a string), if it is a sane one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and 0 < value < 253402300800 else None


def _date(value: object) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        day = datetime.strptime(value.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return int(day.timestamp()) or None

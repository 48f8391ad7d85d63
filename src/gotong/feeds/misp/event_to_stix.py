"""One MISP event to STIX 2.1 objects that Gotong can store, with a line for everything left out.

The steps: check the event (``event_checks``), convert it with misp-stix (``converter``), mark every
object with its TLP (``markings``), then keep only objects that pass ``validate_object``, dropping
whatever refers to a dropped object, and report each MISP attribute or object that ended with nothing.
Objects get their ids from the MISP uuids and their times from the event, so the same event converts to
the same bytes every time and a re-import only finds its objects "already present".
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gotong.feeds.misp.converter import stix21_of_event
from gotong.feeds.misp.event_checks import CleanEvent, clean_event
from gotong.feeds.misp.markings import apply_tlp
from gotong.stix.timestamps import format_micros
from gotong.stix.validate import validate_object

__all__ = ["Converted", "misp_event_to_stix"]

_ITEM_LISTS = ("Attribute", "Object", "Galaxy")
_REQUIRED_REFS = frozenset({"source_ref", "target_ref", "sighting_of_ref", "object_refs"})
_MESSAGE_LIMIT = 300
_TELLING = 4  # the shortest value whose presence in an object shows misp-stix folded it there


@dataclass
class Converted:
    """The STIX 2.1 objects made from MISP content, and one line for each thing that was left out."""

    objects: list[dict[str, Any]] = field(default_factory=list)
    # one line each, like "<event uuid>: attribute <uuid> (<type>): why skipped"
    problems: list[str] = field(default_factory=list)


def misp_event_to_stix(event: Mapping[str, Any]) -> Converted:
    """Convert one MISP event (``{"Event": {...}}`` or the inner dict) to valid STIX 2.1 objects.

    Never raises on bad content: a broken event gives no objects and a problem saying why; a bad
    attribute, object, sighting or galaxy cluster is reported and the rest of the event is kept.
    """
    clean = clean_event(event)
    if isinstance(clean, str):
        return Converted(problems=[clean])
    problems = list(clean.problems)
    converted = _convert(clean, problems)
    if converted is None:
        return Converted(problems=problems)
    raw, messages = converted
    stamp = format_micros(int(clean.event["timestamp"]) * 1_000_000, digits=3)
    for obj in raw:
        if obj["type"] == "identity":  # misp-stix dates a sighting's organisation by the clock
            obj.update(created=stamp, modified=stamp)
        elif obj["type"] == "indicator" and obj.get("pattern_type", "stix") != "stix":
            _unwrap(obj, clean)
    marked = apply_tlp(_unique(raw, clean, problems), event_tlp=clean.event_tlp, item_tlp=clean.tlp)
    objects, reported = _valid_only(marked, clean, problems)
    _report_lost(objects, reported, messages, clean, problems)
    return Converted(objects=objects, problems=problems)


def _unwrap(indicator: dict[str, Any], clean: CleanEvent) -> None:
    """A YARA, Snort, Sigma... rule as its indicator's pattern, as it was in MISP.

    misp-stix writes such a rule in [ ] like a STIX pattern, which no YARA or Snort engine reads and
    which its own parser brings back to MISP with the brackets on.
    """
    pattern, item_uuid = indicator.get("pattern"), _uuid_of(indicator["id"])
    if not (isinstance(pattern, str) and pattern.startswith("[") and pattern.endswith("]")):
        return
    values = {clean.values.get(item_uuid)} | {value for _, value in clean.members.get(item_uuid, ())}
    if pattern[1:-1] in values:
        indicator["pattern"] = pattern[1:-1]


def _report_lost(
    objects: list[dict[str, Any]],
    reported: set[str],
    messages: list[str],
    clean: CleanEvent,
    problems: list[str],
) -> None:
    """Name each attribute and object that misp-stix left out without an error of ours saying so.

    An attribute or object is lost when no STIX object carries its uuid and its values are not all in
    one STIX object: misp-stix folds some MISP objects into the one that refers to them (a ``pe`` and
    its ``pe-section`` objects into the file's ``windows-pebinary-ext``, a ``registry-key-value`` into
    its registry key's ``values``), so their uuids are gone but nothing of them is. An attribute inside
    an object is lost when misp-stix has a message about it and its value is nowhere in the object's
    STIX (the value alone is no proof: misp-stix rewrites some values, like dates).
    """
    text: dict[str, str] = {}
    for obj in objects:
        text[_uuid_of(obj["id"])] = text.get(_uuid_of(obj["id"]), "") + json.dumps(obj)
    bodies = [json.dumps(obj).lower() for obj in objects]
    for item_uuid in clean.top_level:
        if item_uuid in text or item_uuid in reported:
            continue
        members = clean.members.get(item_uuid) or [(item_uuid, clean.values.get(item_uuid, ""))]
        held = _held_in_one(bodies, [value for _, value in members])
        if held is None:
            why = next((m for m in messages if item_uuid in m), "misp-stix made nothing of it")
            problems.append(f"{clean.uuid}: {clean.labels[item_uuid]}: {_short(why)}; skipped")
            continue
        for (attr_uuid, _), kept in zip(members, held, strict=True):
            if not kept:  # folded into another object, but without this attribute
                why = next((m for m in messages if attr_uuid in m), "misp-stix left its value out")
                problems.append(f"{clean.uuid}: {clean.labels[attr_uuid]}: {_short(why)}; skipped")
    for obj_uuid, members in clean.members.items():
        for attr_uuid, value in members:
            said = next((m for m in messages if attr_uuid in m), None)
            if obj_uuid in text and said is not None and json.dumps(value)[1:-1] not in text[obj_uuid]:
                problems.append(f"{clean.uuid}: {clean.labels[attr_uuid]}: {_short(said)}; skipped")


def _held_in_one(bodies: list[str], values: list[str]) -> list[bool] | None:
    """Which of a MISP item's values the STIX object holding most of them holds; None when no object
    holds any of them that tells (a number or a string of under four characters proves nothing)."""
    best: list[bool] | None = None
    for body in bodies:
        held = [_holds(body, value) for value in values]
        telling = any(h and len(v) >= _TELLING and not _number(v) for h, v in zip(held, values, strict=True))
        if telling and (best is None or sum(held) > sum(best)):
            best = held
            if all(held):
                break
    return best


def _holds(body: str, value: str) -> bool:
    """Whether a STIX object's JSON (lowercased) holds a MISP value: as the JSON string it would be, or
    as the number it is ("4096" as 4096, "6.20" as 6.2), compared without regard to case."""
    if json.dumps(value.lower())[1:-1] in body:
        return True
    number = _number(value)
    if number is None:
        return False
    shown = str(int(number)) if number.is_integer() else repr(number)
    return re.search(rf"(?<![\w.]){re.escape(shown)}(?![\w.])", body) is not None


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _convert(clean: CleanEvent, problems: list[str]) -> tuple[list[dict[str, Any]], list[str]] | None:
    """misp-stix's output for the event; when it fails on the whole, the items it fails on are found,
    reported and left out, so one bad item does not cost the rest of the event."""
    try:
        return stix21_of_event(clean.event)
    except Exception:  # misp-stix raises whatever its parts raise; narrowed down below
        pass
    skeleton: dict[str, Any] = {**clean.event, **{key: [] for key in _ITEM_LISTS}}
    try:
        stix21_of_event(skeleton)
    except Exception as exc:
        problems.append(f"{clean.uuid}: broken event: misp-stix could not convert it ({_why(exc)}); skipped")
        return None
    kept: dict[str, list[Any]] = {key: [] for key in _ITEM_LISTS}
    for key in _ITEM_LISTS:
        for item in clean.event[key]:
            try:
                stix21_of_event({**skeleton, key: [item]})
            except Exception as exc:
                label = clean.labels.get(item.get("uuid", ""), f"galaxy {item.get('type')!r}")
                problems.append(
                    f"{clean.uuid}: {label}: misp-stix could not convert it ({_why(exc)}); skipped"
                )
            else:
                kept[key].append(item)
    try:
        return stix21_of_event({**skeleton, **kept})
    except Exception as exc:  # the items convert alone but not together
        problems.append(f"{clean.uuid}: broken event: misp-stix could not convert it ({_why(exc)}); skipped")
        return None


def _unique(objects: list[dict[str, Any]], clean: CleanEvent, problems: list[str]) -> list[dict[str, Any]]:
    """One object per id: the store refuses two different bodies for one id and version."""
    seen: dict[str, dict[str, Any]] = {}
    for obj in objects:
        first = seen.setdefault(obj["id"], obj)
        if first is not obj and first != obj:
            problems.append(
                f"{clean.uuid}: {_label(obj['id'], clean)}: a second, different {obj['id']}; skipped"
            )
    return list(seen.values())


def _valid_only(
    objects: list[dict[str, Any]], clean: CleanEvent, problems: list[str]
) -> tuple[list[dict[str, Any]], set[str]]:
    """The objects that pass ``validate_object`` once refs to dropped objects are gone; and the uuids of
    the MISP items whose objects were dropped (already reported)."""
    dropped: dict[str, str] = {}
    while True:
        new = {}
        for obj in objects:
            if obj["id"] not in dropped:
                why = _prune(obj, dropped)
                invalid = validate_object(obj) if why is None else []
                if why is not None or invalid:
                    new[obj["id"]] = why or "not valid STIX 2.1: " + "; ".join(invalid)
        if not new:
            break
        dropped.update(new)
    for stix_id, why in dropped.items():
        problems.append(f"{clean.uuid}: {_label(stix_id, clean)}: {stix_id}: {_short(why)}; skipped")
    return [o for o in objects if o["id"] not in dropped], {_uuid_of(i) for i in dropped}


def _prune(obj: dict[str, Any], dropped: Mapping[str, str]) -> str | None:
    """Take refs to dropped objects out of ``obj``; say why ``obj`` must go too if it cannot do without."""
    if not dropped:
        return None
    for prop in list(obj):
        value = obj[prop]
        if prop.endswith("_ref") and isinstance(value, str) and value in dropped:
            if prop in _REQUIRED_REFS:
                return f"its {prop} {value} was left out"
            del obj[prop]
        elif prop.endswith("_refs") and isinstance(value, list) and any(v in dropped for v in value):
            rest = [v for v in value if v not in dropped]
            if rest:
                obj[prop] = rest
            elif prop in _REQUIRED_REFS:
                return f"everything in its {prop} was left out"
            else:
                del obj[prop]
    return None


def _label(stix_id: str, clean: CleanEvent) -> str:
    return clean.labels.get(_uuid_of(stix_id), stix_id.partition("--")[0])


def _uuid_of(stix_id: str) -> str:
    return stix_id.partition("--")[2]


def _why(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return _short(f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__)


def _short(text: str) -> str:
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 3] + "..."

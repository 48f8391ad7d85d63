"""TLP markings on the STIX objects made from a MISP event.

In MISP a ``tlp:`` tag on the event covers everything in it, and a tag on an attribute covers that
attribute. misp-stix marks only the report (and the objects of tagged attributes) with TLP 1.0 ids, and
leaves the observables bare; Gotong decides who may read an object from that object's own marking, so
here every object gets exactly one TLP 2.0 marking: the strictest of the event's, its attribute's or
object's, and those of whatever it shows (an observable gets the level of the observed-data that lists
it; a relationship, sighting or opinion the strictest of what it is about). No TLP anywhere: no marking,
and the store applies the submitting organisation's default. Not for: deciding visibility (``sharing``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gotong.errors import Invalid
from gotong.sharing.tlp import TLP, strictest_tlp, tlp_of_marking

__all__ = ["apply_tlp"]

# What an object says something about: it is as sensitive as the most sensitive of those. (A report or
# grouping is the event itself and keeps the event's level, so readers of the event still see it.)
_ABOUT = {
    "relationship": ("source_ref", "target_ref"),
    "sighting": ("sighting_of_ref",),
    "opinion": ("object_refs",),
    "note": ("object_refs",),
}


def apply_tlp(
    objects: list[dict[str, Any]], *, event_tlp: TLP | None, item_tlp: Mapping[str, TLP]
) -> list[dict[str, Any]]:
    """The objects with their TLP marked as TLP 2.0, less misp-stix's TLP marking-definitions.

    ``item_tlp`` maps the uuid of a MISP attribute or object to the TLP its own tags name; the STIX
    objects misp-stix makes of it carry that uuid in their ids.
    """
    tlp_ids = {o["id"] for o in objects if _is_tlp_definition(o)}
    kept = [o for o in objects if o["id"] not in tlp_ids]
    levels: dict[str, TLP | None] = {}
    for obj in kept:
        own = strictest_tlp(obj.get("object_marking_refs") or ())
        levels[obj["id"]] = _max(event_tlp, own, item_tlp.get(_uuid_of(obj["id"])))
    by_uuid: dict[str, TLP | None] = {}
    for stix_id, level in levels.items():  # an indicator, its observed-data and its SCOs share a uuid
        by_uuid[_uuid_of(stix_id)] = _max(by_uuid.get(_uuid_of(stix_id)), level)
    for stix_id in levels:
        levels[stix_id] = by_uuid[_uuid_of(stix_id)]
    for obj in kept:
        if obj["type"] == "observed-data":
            for ref in obj.get("object_refs") or ():
                if ref in levels:
                    levels[ref] = _max(levels[ref], levels[obj["id"]])
    for obj in kept:
        for prop in _ABOUT.get(obj["type"], ()):
            value = obj.get(prop)
            for ref in value if isinstance(value, list) else [value]:
                levels[obj["id"]] = _max(levels[obj["id"]], levels.get(ref) if isinstance(ref, str) else None)
    for obj in kept:
        _mark(obj, levels[obj["id"]], tlp_ids)
    return kept


def _mark(obj: dict[str, Any], level: TLP | None, tlp_ids: set[str]) -> None:
    others = [
        r for r in obj.get("object_marking_refs") or () if r not in tlp_ids and tlp_of_marking(r) is None
    ]
    refs = ([level.marking_id] if level is not None else []) + others
    if refs:
        obj["object_marking_refs"] = refs
    else:
        obj.pop("object_marking_refs", None)
    labels = [label for label in obj.get("labels") or () if not _names_a_level(str(label))]
    if labels:
        obj["labels"] = labels
    else:
        obj.pop("labels", None)


def _is_tlp_definition(obj: Mapping[str, Any]) -> bool:
    if obj.get("type") != "marking-definition":
        return False
    definition = obj.get("definition")
    return (
        tlp_of_marking(obj["id"]) is not None
        or obj.get("definition_type") == "tlp"
        or str(obj.get("name", "")).lower().startswith("tlp:")
        or (isinstance(definition, Mapping) and "tlp" in definition)
    )


def _names_a_level(label: str) -> bool:
    """``tlp:red`` is a marking now; ``tlp:ex:chr`` and other tags of the taxonomy stay labels."""
    if not label.lower().startswith("tlp:"):
        return False
    try:
        TLP.parse(label)
    except Invalid:
        return False
    return True


def _max(*levels: TLP | None) -> TLP | None:
    present: Iterable[TLP] = [level for level in levels if level is not None]
    return max(present, default=None)


def _uuid_of(stix_id: str) -> str:
    return stix_id.partition("--")[2]

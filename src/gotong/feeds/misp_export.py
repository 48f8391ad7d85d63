"""STIX 2.1 objects back to one MISP event, for exports to MISP and for the round trip of MISP feeds.

Content that misp-stix made (its report or grouping carries ``misp:tool="MISP-STIX-Converter"``) goes
through its internal parser, which restores attribute types and values exactly; other STIX goes through
its external parser, which maps what it can. TLP 2.0 markings come back as ``tlp:`` tags (``tlp:white``
returns as ``tlp:clear``). Not for: choosing what an organisation may export (``sharing`` does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gotong.errors import Invalid
from gotong.feeds.misp_converter import event_of_stix21

__all__ = ["stix_to_misp_event"]


def stix_to_misp_event(objects: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One MISP event in feed form (``{"Event": {...}}``) holding what the STIX objects say.

    Raises ``Invalid`` when misp-stix cannot read the objects at all.
    """
    if not objects:
        raise Invalid("no STIX objects to make a MISP event of")
    try:
        event, _errors = event_of_stix21(objects)
    except Exception as exc:  # misp-stix raises whatever stix2 or pymisp raise
        raise Invalid(
            f"misp-stix could not make a MISP event of these objects ({type(exc).__name__})"
        ) from exc
    if not event.get("Orgc"):
        orgc = _creator(objects)
        if orgc is not None:  # misp-stix names the creator in a tag only; a feed event needs Orgc
            event["Orgc"] = orgc
    return {"Event": event}


def _creator(objects: Sequence[Mapping[str, Any]]) -> dict[str, str] | None:
    """The organisation (name and uuid) of the identity that created the report or grouping."""
    identities = {o.get("id"): o for o in objects if o.get("type") == "identity"}
    for obj in objects:
        if obj.get("type") in ("report", "grouping"):
            identity = identities.get(obj.get("created_by_ref"))
            if identity is not None and isinstance(identity.get("name"), str):
                return {"name": identity["name"], "uuid": str(identity["id"]).partition("--")[2]}
    return None

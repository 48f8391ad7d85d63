"""The sharing rules written out a second time, independently of ``gotong.sharing``, as a test oracle.

The property tests compare every read path of Gotong with what this module derives from the rules.
It is written from the rules (TLP 2.0 semantics, audiences, collection rights), not from the code:
it never looks at ``Reader``, ``may_see``, ``visibility_clause`` or a stored row's ``tlp`` and
``group_id`` columns. It reads the marking and the audience off the STIX object exactly as it was
posted, with its own table of TLP marking-definition ids.

It is not a second implementation to ship: it favours being obviously right over being fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

LEVELS = ("clear", "green", "amber", "amber+strict", "red")  # most permissive first

# TLP 2.0 ids (OASIS cti-stix-common-objects) and the TLP 1.0 ids predefined by STIX 2.1, with the
# TLP 2.0 level each stands for (WHITE became CLEAR; TLP 1.0 has no AMBER+STRICT).
TLP_IDS: Mapping[str, str] = {
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "clear",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "green",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "amber",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "amber+strict",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "red",
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear",  # TLP 1.0 WHITE
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",  # TLP 1.0 GREEN
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",  # TLP 1.0 AMBER
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",  # TLP 1.0 RED
}


@dataclass(frozen=True)
class Org:
    name: str
    parent: str | None
    default_tlp: str = "amber"
    country: str | None = None


@dataclass(frozen=True)
class Group:
    name: str
    kind: str  # "community" or "named-recipients"
    marking_id: str
    members: frozenset[str]


@dataclass(frozen=True)
class Collection:
    id: str
    readers: frozenset[str] | None  # None: every organisation
    public: bool
    default_group: str | None


@dataclass(frozen=True)
class Posted:
    """One object version as an organisation posted it to a collection.

    ``carries`` are the observables (kind, value) the poster put in it; ``through_hub`` says that it
    was sent anonymously. Neither changes who may see it.
    """

    collection_id: str
    submitter: str
    body: Mapping[str, Any]
    carries: frozenset[tuple[str, str]] = frozenset()
    through_hub: bool = False


@dataclass(frozen=True)
class Rules:
    orgs: Mapping[str, Org]
    groups: Mapping[str, Group]
    collections: Mapping[str, Collection]
    # What the reader's audience may receive (a report made for TLP:CLEAR reads with "clear").
    ceiling: str = "red"

    def with_members(self, group: str, members: Iterable[str]) -> Rules:
        changed = replace(self.groups[group], members=frozenset(members))
        return replace(self, groups={**self.groups, group: changed})

    def for_audience(self, ceiling: str) -> Rules:
        """The rules for a reader that reads for an audience receiving at most ``ceiling``."""
        return replace(self, ceiling=ceiling)

    def may_read(self, reader: str | None, collection_id: str) -> bool:
        coll = self.collections[collection_id]
        if reader is None:
            return coll.public
        return coll.public or coll.readers is None or reader in coll.readers

    def marking(self, posted: Posted) -> str:
        """The TLP level of a posted version: the strictest TLP marking it carries, else the default."""
        refs = [*_object_refs(posted.body), *_granular_refs(posted.body)]
        levels = [LEVELS.index(TLP_IDS[r]) for r in refs if r in TLP_IDS]
        return LEVELS[max(levels)] if levels else self.orgs[posted.submitter].default_tlp

    def cited_group(self, posted: Posted) -> Group | None:
        """The group the object names in object_marking_refs (a group in a granular marking is not one)."""
        refs = set(_object_refs(posted.body))
        cited = [g for g in self.groups.values() if g.marking_id in refs]
        assert len(cited) <= 1, "the world generator cites at most one group per object"
        return cited[0] if cited else None

    def audience(self, posted: Posted) -> Group | None:
        """The object's group, else its collection's default group; None is the whole community."""
        cited = self.cited_group(posted)
        if cited is not None:
            return cited
        default = self.collections[posted.collection_id].default_group
        return self.groups[default] if default is not None else None

    def sees(self, reader: str | None, posted: Posted) -> bool:
        if not self.may_read(reader, posted.collection_id):
            return False
        if LEVELS.index(self.marking(posted)) > LEVELS.index(self.ceiling):
            return False  # not for this audience, whoever submitted it
        if reader is not None and reader == posted.submitter:
            return True
        level = self.marking(posted)
        if level == "clear":
            return True
        if reader is None:
            return False
        if level == "red":
            cited = self.cited_group(posted)
            return cited is not None and cited.kind == "named-recipients" and reader in cited.members
        audience = self.audience(posted)
        if audience is None:
            return True
        if level == "amber":
            return any(org in audience.members for org in self.lineage(reader))
        return reader in audience.members  # green, amber+strict

    def lineage(self, org: str) -> list[str]:
        """The organisation and every organisation it is a constituent of, transitively."""
        chain = [org]
        while (parent := self.orgs[chain[-1]].parent) is not None:
            chain.append(parent)
        return chain


def _object_refs(body: Mapping[str, Any]) -> list[str]:
    return list(body.get("object_marking_refs", []))


def _granular_refs(body: Mapping[str, Any]) -> list[str]:
    return [g["marking_ref"] for g in body.get("granular_markings", []) if "marking_ref" in g]

"""Bringing a node up: migrate the database and apply a preset (organisations and collections).

A preset is a TOML file in ``gotong/data/presets``; applying it creates what is missing and leaves
everything else alone, so ``gotong init`` can be run again at any time.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sqlalchemy import Engine, select

from gotong.db.engine import write_transaction
from gotong.db.migrate import upgrade
from gotong.errors import Invalid, NotFound
from gotong.intel.collections import add_collection, get_collection
from gotong.orgs.models import OrgKind, organisations
from gotong.orgs.service import add_org
from gotong.sharing.definitions import publish_definitions


@dataclass
class InitReport:
    created_orgs: list[str] = field(default_factory=list)
    created_collections: list[str] = field(default_factory=list)
    definitions: int = 0


def available_presets() -> list[str]:
    folder = resources.files("gotong").joinpath("data/presets")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load_preset(name: str) -> dict[str, Any]:
    if name not in available_presets():
        raise Invalid(f"unknown preset {name!r}; available: {', '.join(available_presets())}")
    text = resources.files("gotong").joinpath(f"data/presets/{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


def init_node(engine: Engine, *, preset: str | None = None) -> InitReport:
    """Create or migrate the schema, then apply ``preset`` if given. Idempotent."""
    upgrade(engine)
    report = InitReport()
    if preset is None:
        return report
    data = load_preset(preset)
    with write_transaction(engine) as conn:
        existing = set(conn.execute(select(organisations.c.short_name)).scalars())
        for org in data.get("organisation", []):
            if org["short_name"] in existing:
                continue
            add_org(
                conn,
                short_name=org["short_name"],
                name=org["name"],
                country=org.get("country"),
                kind=OrgKind(org.get("kind", "national-cert")),
                parent=org.get("parent"),
            )
            report.created_orgs.append(org["short_name"])
        for coll in data.get("collection", []):
            try:
                get_collection(conn, coll["id"])
                continue
            except NotFound:
                pass
            add_collection(
                conn,
                collection_id=coll["id"],
                title=coll["title"],
                description=coll.get("description", ""),
                alias=coll.get("alias"),
                readers=coll.get("readers", "all"),
                writers=coll.get("writers", "all"),
                public=bool(coll.get("public", False)),
            )
            report.created_collections.append(coll["title"])
    report.definitions = publish_definitions(engine)
    return report

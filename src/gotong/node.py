"""Bringing a node up and saying who it is.

``init_node`` migrates the database and applies a preset (organisations and collections). A preset
is a TOML file in ``gotong/data/presets``; applying it creates what is missing and leaves everything
else alone, so ``gotong init`` can be run again at any time. ``require_initialised`` is what
``gotong serve`` checks first; ``node_identity`` uses the node's key (``gotong.checkpoints`` signs with it).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, select

from gotong.audit import load_or_create_key, public_key_b64
from gotong.db.engine import write_transaction
from gotong.db.migrate import schema_revisions, upgrade
from gotong.errors import Invalid, NotFound
from gotong.intel.collections import add_collection, get_collection
from gotong.orgs.models import OrgKind, organisations
from gotong.orgs.service import add_org, get_org, hub
from gotong.settings import Settings
from gotong.sharing.definitions import publish_definitions


@dataclass
class InitReport:
    created_orgs: list[str] = field(default_factory=list)
    created_collections: list[str] = field(default_factory=list)
    definitions: int = 0
    demo: str | None = None  # what loading the demo intelligence did, when asked for


def available_presets() -> list[str]:
    folder = resources.files("gotong").joinpath("data/presets")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load_preset(name: str) -> dict[str, Any]:
    if name not in available_presets():
        raise Invalid(f"unknown preset {name!r}; available: {', '.join(available_presets())}")
    text = resources.files("gotong").joinpath(f"data/presets/{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


def init_node(
    engine: Engine, *, preset: str | None = None, demo: bool = False, key: Ed25519PrivateKey | None = None
) -> InitReport:
    """Create or migrate the schema, then apply ``preset`` if given (and the demo data). Idempotent.

    Options are checked before anything is written: a bad preset or ``demo`` without the ``asean``
    preset leaves the database as it was.
    """
    if preset is not None:
        load_preset(preset)
    if demo and preset != "asean":
        raise Invalid("--demo needs --preset asean")
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
    if demo:
        from gotong.demo import load_demo

        report.demo = load_demo(engine, key=key)
    return report


def require_initialised(engine: Engine) -> None:
    """Refuse (``Invalid``, naming ``gotong init``) a database not at this version's schema."""
    current, head = schema_revisions(engine)
    if current is None:
        raise Invalid("the database has never been initialised; run 'gotong init' first")
    if current != head:
        raise Invalid(f"the database schema is at {current}, this version needs {head}; run 'gotong init'")


@dataclass(frozen=True)
class NodeIdentity:
    """Who runs this node: the organisation, its STIX identity and the node's public key."""

    organisation: str
    identity_id: str
    public_key: str


def node_identity(conn: Connection, *, settings: Settings) -> NodeIdentity:
    """The node's organisation (``GOTONG_NODE_ORG``, or the hub) and its key (made if absent)."""
    org = get_org(conn, short_name=settings.node_org) if settings.node_org else hub(conn)
    key = node_key(settings)
    return NodeIdentity(
        organisation=org.short_name, identity_id=org.identity_id, public_key=public_key_b64(key)
    )


def node_key(settings: Settings) -> Ed25519PrivateKey:
    """The node's Ed25519 key from ``GOTONG_NODE_KEY_FILE``, made (and its folder) the first time."""
    path = Path(settings.node_key_file)
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise Invalid(f"node key file {str(path)!r}: {exc.strerror or exc}") from None
    return load_or_create_key(path)

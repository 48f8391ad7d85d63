"""The node every benchmark runs against: the ASEAN preset plus an audience that makes visibility measurable.

* ``bench-audience`` (community): every organisation but VNCERT; it is the default audience of the
  ``bench`` collection, so GREEN/AMBER/AMBER+STRICT objects without a group of their own go to it;
* ``bench-red`` (named recipients): ThaiCERT and MyCERT; the generated TLP:RED indicators cite it.

So MyCERT may see every object ThaiCERT submits, and VNCERT only the TLP:CLEAR ones: one in ten.
"""

from __future__ import annotations

from dataclasses import dataclass

from gotong.db.engine import make_engine, write_transaction
from gotong.intel.collections import add_collection
from gotong.node import init_node
from gotong.orgs.service import create_token, get_org, hub, list_orgs
from gotong.sharing.definitions import publish_definitions
from gotong.sharing.models import GroupKind
from gotong.sharing.service import add_group

COLLECTION_ID = "b3e7c1d2-5a4f-4e8b-9c6d-0f1e2d3c4b5a"  # fixed, so rows can be built once for every engine
WRITER = "ThaiCERT"
FULL_READER = "MyCERT"
PARTIAL_READER = "VNCERT"


@dataclass(frozen=True)
class World:
    url: str
    collection_id: str
    writer_org_id: int
    red_group_id: int
    red_marking: str
    tokens: dict[str, str]  # organisation short name -> API token


def build_world(url: str) -> World:
    """Migrate the empty database at ``url`` and set up organisations, groups, the collection, tokens."""
    engine = make_engine(url)
    try:
        init_node(engine, preset="asean")
        with write_transaction(engine) as conn:
            coordinator = hub(conn).short_name
            everyone = [o.short_name for o in list_orgs(conn)]
            add_group(
                conn,
                name="bench-audience",
                members=[o for o in everyone if o != PARTIAL_READER],
                owner=coordinator,
            )
            red = add_group(
                conn,
                name="bench-red",
                members=[WRITER, FULL_READER],
                kind=GroupKind.NAMED_RECIPIENTS,
                owner=coordinator,
            )
            collection = add_collection(
                conn,
                title="Benchmark intelligence",
                alias="bench",
                collection_id=COLLECTION_ID,
                default_group="bench-audience",
            )
            tokens = {org: create_token(conn, org=org) for org in (WRITER, FULL_READER, PARTIAL_READER)}
            writer_id = get_org(conn, short_name=WRITER).id
        publish_definitions(engine)
    finally:
        engine.dispose()
    return World(
        url=url,
        collection_id=collection.id,
        writer_org_id=writer_id,
        red_group_id=red.id,
        red_marking=red.marking_id,
        tokens=tokens,
    )

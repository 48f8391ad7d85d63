"""Read-path bugs the sharing properties turned up, each pinned by a small, readable case.

Each was first pinned as a strict xfail and has since been fixed; these tests keep it fixed.
"""

from __future__ import annotations

import io

import orjson
from sqlalchemy import Engine

from gotong.db.engine import read_connection, write_transaction
from gotong.intel.bulk import export_bundle
from gotong.intel.collections import add_collection
from gotong.intel.query import ObjectFilter, read_page, read_page_all_collections
from gotong.intel.store import add_objects
from gotong.orgs.service import Principal, get_org
from gotong.sharing.service import add_group, load_reader
from tests.helpers import indicator


def _principal(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org)


def _visible_ids(engine: Engine, org: str, collection_id: str) -> set[str]:
    with read_connection(engine) as conn:
        reader = load_reader(conn, _principal(engine, org))
        page = read_page(
            conn,
            reader=reader,
            collection_id=collection_id,
            filters=ObjectFilter(versions=("all",)),
            limit=100,
        )
    return {item.stix_id for item in page.items}


def test_a_clear_marking_is_not_replaced_by_the_submitters_default(engine: Engine) -> None:
    """TLP:CLEAR is level 0: ``strictest_tlp(refs) or default`` once stored it as the default (AMBER)."""
    with write_transaction(engine) as conn:
        coll = add_collection(conn, title="public feed", public=True)
    clear = indicator(tlp="clear")
    white = indicator(tlp=None, markings=["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"])
    add_objects(
        engine, principal=_principal(engine, "ThaiCERT"), collection_id=coll.id, objects=[clear, white]
    )

    with read_connection(engine) as conn:
        anonymous = load_reader(conn, Principal(org_id=None))
        page = read_page(conn, reader=anonymous, collection_id=coll.id, filters=ObjectFilter(), limit=10)
    assert {item.stix_id for item in page.items} == {clear["id"], white["id"]}


def test_a_group_named_only_in_a_granular_marking_is_not_the_audience(engine: Engine) -> None:
    """The audience is the group named in object_marking_refs, else the collection's default group.

    A granular marking marks one property; the TLP level it carries counts (the strictest wins),
    but naming a group there must not hand the whole object to that group's members instead of
    the collection's default audience.
    """
    with write_transaction(engine) as conn:
        add_group(conn, name="regional-default", members=["MyCERT"], owner="ASEAN-CERT")
        mekong = add_group(conn, name="mekong", members=["LaoCERT"], owner="ASEAN-CERT")
        coll = add_collection(conn, title="defaults to regional", default_group="regional-default")
    obj = indicator(
        tlp="green", granular_markings=[{"marking_ref": mekong.marking_id, "selectors": ["name"]}]
    )
    report = add_objects(
        engine, principal=_principal(engine, "ThaiCERT"), collection_id=coll.id, objects=[obj]
    )
    assert not report.failures

    assert obj["id"] in _visible_ids(engine, "MyCERT", coll.id), (
        "the collection's default group is the audience"
    )
    assert obj["id"] not in _visible_ids(engine, "LaoCERT", coll.id), "LaoCERT is outside the audience"


def test_reads_across_many_readable_collections(engine: Engine) -> None:
    """Exports and read_page_all_collections once built one OR term per readable collection; past
    ~450 collections SQLite refused them ("Expression tree is too large (maximum depth 1000)")."""
    with write_transaction(engine) as conn:
        ids = [add_collection(conn, title=f"feed {n}").id for n in range(500)]
    obj = indicator(tlp="green")
    add_objects(engine, principal=_principal(engine, "ThaiCERT"), collection_id=ids[-1], objects=[obj])

    with read_connection(engine) as conn:
        reader = load_reader(conn, _principal(engine, "LaoCERT"))
        page = read_page_all_collections(conn, reader=reader, filters=ObjectFilter(), limit=1000)
    assert obj["id"] in {item.stix_id for item in page.items}
    out = io.StringIO()
    export_bundle(engine, out=out, org="LaoCERT")
    assert obj["id"] in {o["id"] for o in orjson.loads(out.getvalue())["objects"]}


def test_reads_across_many_collections_with_their_own_default_groups(engine: Engine) -> None:
    """An organisation in many sharing groups, each the default audience of its own collection.

    visibility_clause once repeated the reader's group ids in a term per distinct default audience
    (and version_clause repeats the whole clause): bound parameters grew as collections-with-their-own-
    default-group x groups of the reader, and 250 of each exceeded SQLite's 32,766 and PostgreSQL's
    65,535 ("too many SQL variables"). Each list of ids is now bound once.
    """
    with write_transaction(engine) as conn:
        for n in range(250):
            add_group(conn, name=f"incident-{n}", members=["LaoCERT"], owner="ASEAN-CERT")
            last = add_collection(conn, title=f"incident {n}", default_group=f"incident-{n}")
    obj = indicator(tlp="green")
    add_objects(engine, principal=_principal(engine, "ThaiCERT"), collection_id=last.id, objects=[obj])

    with read_connection(engine) as conn:
        reader = load_reader(conn, _principal(engine, "LaoCERT"))
        page = read_page_all_collections(conn, reader=reader, filters=ObjectFilter(), limit=1000)
    assert obj["id"] in {item.stix_id for item in page.items}

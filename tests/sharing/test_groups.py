"""The sharing-group verbs: who may create and change a group, and that creating one publishes it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Forbidden, Unauthorized
from gotong.intel.collections import get_collection
from gotong.intel.query import ObjectFilter, read_page
from gotong.orgs.service import get_org
from gotong.sharing.definitions import DEFINITIONS_ALIAS
from gotong.sharing.groups import change_members, create_group, groups_for
from gotong.sharing.service import load_reader


def _actor(engine: Engine, org: str, role: Role) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org, role=role)


def test_creating_a_group_publishes_its_marking(engine: Engine) -> None:
    coordinator = _actor(engine, "ThaiCERT", Role.COORDINATOR)
    made = create_group(engine, actor=coordinator, name="mekong", members=["ThaiCERT", "LaoCERT"])
    assert (made.owner, made.members) == ("ThaiCERT", ("LaoCERT", "ThaiCERT"))
    with read_connection(engine) as conn:
        definitions = get_collection(conn, DEFINITIONS_ALIAS).id
        page = read_page(
            conn,
            reader=load_reader(conn, coordinator),
            collection_id=definitions,
            filters=ObjectFilter(ids=(made.marking_id,)),
            limit=10,
        )
        assert [i.stix_id for i in page.items] == [made.marking_id], "published for clients to cite"
        assert [g.name for g in groups_for(conn, actor=coordinator)] == ["mekong"]


def test_who_may_create_and_change_groups(engine: Engine) -> None:
    analyst = _actor(engine, "ThaiCERT", Role.ANALYST)
    with pytest.raises(Forbidden, match="admin or coordinator"):
        create_group(engine, actor=analyst, name="nope", members=[])
    with pytest.raises(Unauthorized):
        create_group(engine, actor=Principal(org_id=None), name="nope", members=[])
    coordinator = _actor(engine, "ThaiCERT", Role.COORDINATOR)
    with pytest.raises(Forbidden, match="only an admin of the hub"):
        create_group(engine, actor=coordinator, name="for-my", members=[], owner="MyCERT")
    hub_admin = _actor(engine, "ASEAN-CERT", Role.ADMIN)
    assert (
        create_group(engine, actor=hub_admin, name="for-my", members=["MyCERT"], owner="MyCERT").owner
        == "MyCERT"
    )
    with write_transaction(engine) as conn:
        with pytest.raises(Forbidden, match="owns group"):
            change_members(conn, actor=coordinator, name="for-my", add=["ThaiCERT"])
        my = _actor(engine, "MyCERT", Role.COORDINATOR)
        assert change_members(conn, actor=my, name="for-my", add=["ThaiCERT"]).members == (
            "MyCERT",
            "ThaiCERT",
        )

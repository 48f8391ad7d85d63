"""The marking decided at ingest: the strictest TLP wins, TLP 1.0 maps onto 2.0, none means the default."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from gotong.core.auth import Principal
from gotong.db.engine import write_transaction
from gotong.intel.models import stix_objects
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org, set_default_tlp
from gotong.sharing.tlp import TLP
from tests.helpers import REGIONAL_ID, TLP2, indicator

TLP1_WHITE = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
TLP1_RED = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"


def _stored_tlp(engine: Engine, obj: dict[str, object], org: str = "ThaiCERT") -> TLP:
    with engine.connect() as conn:
        who = get_org(conn, short_name=org)
    report = add_objects(engine, principal=Principal(org_id=who.id), collection_id=REGIONAL_ID, objects=[obj])
    assert report.failures == []
    with engine.connect() as conn:
        query = select(stix_objects.c.tlp).where(stix_objects.c.stix_id == obj["id"])
        return TLP(conn.execute(query).scalar_one())


@pytest.mark.parametrize(
    ("markings", "expected"),
    [
        ([TLP2["clear"]], TLP.CLEAR),
        ([TLP1_WHITE], TLP.CLEAR),
        ([TLP2["green"]], TLP.GREEN),
        ([TLP2["amber+strict"]], TLP.AMBER_STRICT),
        ([TLP1_RED], TLP.RED),
        ([TLP2["clear"], TLP2["amber"]], TLP.AMBER),
        ([TLP1_WHITE, TLP2["amber+strict"], TLP2["green"]], TLP.AMBER_STRICT),
        ([], TLP.AMBER),
    ],
)
def test_object_markings(engine: Engine, markings: list[str], expected: TLP) -> None:
    assert _stored_tlp(engine, indicator(tlp=None, markings=markings)) == expected


def test_granular_markings_count_and_the_strictest_wins(engine: Engine) -> None:
    obj = indicator(tlp="clear")
    obj["granular_markings"] = [{"marking_ref": TLP2["red"], "selectors": ["description"]}]
    obj["description"] = "victim named here"
    assert _stored_tlp(engine, obj) == TLP.RED


def test_unmarked_objects_take_the_organisations_default(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        set_default_tlp(conn, short_name="MyCERT", tlp=TLP.GREEN)
    assert _stored_tlp(engine, indicator(tlp=None), org="MyCERT") == TLP.GREEN
    assert _stored_tlp(engine, indicator(tlp=None), org="ThaiCERT") == TLP.AMBER

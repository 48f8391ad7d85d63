"""Aggregates only over what the reader may see: an organisation that shares its assessment only
with the hub is absent from another member's regional view and tiers, and present in the hub's
(the positive control); a community-wide one is in both."""

from __future__ import annotations

from sqlalchemy import Engine

from gotong import maturity
from gotong.db.engine import write_transaction
from gotong.sharing.service import add_group
from tests.maturity.conftest import as_org, levels, published


def test_an_assessment_shared_only_with_the_hub_is_absent_from_a_members_region_and_in_the_hubs(
    engine: Engine,
) -> None:
    with write_transaction(engine) as conn:
        add_group(
            conn,
            name="all members",
            members=["SingCERT", "ThaiCERT", "CamCERT", "ASEAN-CERT"],
            owner="SingCERT",
        )
    sing = published(engine, "SingCERT", levels(3), tlp="green", group="all members")
    cam = published(engine, "CamCERT", levels(1, O_1=0))  # default: CamCERT and the hub only

    hub_view = maturity.region(engine, actor=as_org(engine, "ASEAN-CERT"))
    assert [m.org for m in hub_view.members] == ["CamCERT", "SingCERT"]
    thai_view = maturity.region(engine, actor=as_org(engine, "ThaiCERT"))
    assert [m.org for m in thai_view.members] == ["SingCERT"]
    assert thai_view.distribution["O-1"] == {"0": 0, "1": 0, "2": 0, "3": 1, "4": 0}
    assert hub_view.distribution["O-1"] == {"0": 1, "1": 0, "2": 0, "3": 1, "4": 0}
    assert hub_view.tiers == {"advanced": 0, "intermediate": 1, "basic": 0, "none": 1}

    tiers = {t.org: t.tier for t in maturity.tiers_for(engine, actor=as_org(engine, "ThaiCERT"))}
    assert tiers == {"SingCERT": "intermediate"}
    seen = {
        t.org: (t.tier, t.assessment) for t in maturity.tiers_for(engine, actor=as_org(engine, "ASEAN-CERT"))
    }
    assert seen == {"SingCERT": ("intermediate", sing.id), "CamCERT": (None, cam.id)}


def test_the_region_counts_each_members_latest_published_assessment_only(engine: Engine) -> None:
    published(engine, "MyCERT", levels(1), on="2025-05-01")
    latest = published(engine, "MyCERT", levels(2, O_1=3, O_2=3), on="2026-05-01")
    found = maturity.region(engine, actor=as_org(engine, "ASEAN-CERT"))
    assert [(m.org, m.assessment, m.tier) for m in found.members] == [("MyCERT", latest.id, "basic")]


def test_an_assessment_published_to_the_whole_network_is_in_every_members_view(engine: Engine) -> None:
    found = published(engine, "VNCERT", levels(2), tlp="green", whole_network=True)
    assert found.audience is None and found.tlp == "green"
    for reader in ("LaoCERT", "ASEAN-CERT", "VNCERT"):
        assert [m.org for m in maturity.region(engine, actor=as_org(engine, reader)).members] == ["VNCERT"]

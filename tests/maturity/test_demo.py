"""The demo shows the maturity domain: published SIM3 assessments of a few members, each seen as
its organisation chose, one reviewed, and CamCERT's capacity plan whose completed items show whether
their parameter rose; made through the domain's verbs, once."""

from __future__ import annotations

from sqlalchemy import Engine

from gotong import maturity
from gotong.demo import load_demo
from tests.maturity.conftest import as_org


def test_the_demo_publishes_assessments_and_a_plan_once(engine: Engine) -> None:
    first = load_demo(engine)
    again = load_demo(engine)
    assert "demo maturity assessments: 5 new; capacity plan: 1" in first
    assert "demo maturity assessments: 0 new" in again  # a second load adds nothing
    hub = maturity.region(engine, actor=as_org(engine, "ASEAN-CERT"))
    assert [m.org for m in hub.members] == ["CamCERT", "MyCERT", "SingCERT", "ThaiCERT"]
    tiers = {m.org: m.tier for m in hub.members}
    assert tiers == {"SingCERT": "advanced", "MyCERT": "intermediate", "ThaiCERT": "basic", "CamCERT": None}
    # MyCERT and CamCERT shared only with the hub: absent from a member's view.
    lao = maturity.region(engine, actor=as_org(engine, "LaoCERT"))
    assert [m.org for m in lao.members] == ["SingCERT", "ThaiCERT"]

    cam = as_org(engine, "CamCERT")
    latest = maturity.history(engine, actor=cam, org="CamCERT")[-1]
    p9 = next(e for e in latest.entries if e.parameter == "P-9")
    assert (p9.level, p9.self_level, p9.reviewed_by) == (1, 2, "SingCERT")
    (plan,) = maturity.list_plans(engine, actor=as_org(engine, "ASEAN-CERT"))
    assert [(i.provider, i.status, i.rose) for i in plan.items] == [
        ("ASEAN-CERT", "completed", True),
        ("SingCERT", "completed", True),
        ("", "in-progress", None),
        ("a dialogue partner's programme", "planned", None),
    ]

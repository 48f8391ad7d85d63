"""Property: an implementation report's narrative and a budget report's amounts reach exactly the
member and the taskforce, on every path — REST, the web pages, the command line — for every reader
and every record of the demo. Each reader that may see a record is a positive control for those
that may not."""

from __future__ import annotations

import json
import re

import httpx
from sqlalchemy import Engine

from gotong import budgets, norms
from gotong.db.engine import read_connection
from gotong.demo import DEMO_PASSWORD, demo_email
from gotong.orgs.service import operator_for
from tests.cli.test_cli import ok
from tests.conftest import RunningServer, token_for

READERS = ["VNCERT", "ThaiCERT", "MyCERT", "LaoCERT", "ASEAN-TF", "ASEAN-CERT"]
# From data/demo/asean-norms-budgets.json: a narrative of each member's report, an amount of each budget.
NARRATIVES = {
    "VNCERT": "being revised with the sector regulators",
    "ThaiCERT": "A disclosure policy for government systems is in consultation",
    "MyCERT": "are triaged by MyCERT",
}
# (chosen so that none is a substring of another member's figures: MyCERT's is its total)
AMOUNTS = {"VNCERT": 5_500_000_000, "ThaiCERT": 40_000_000, "MyCERT": 16_500_000}


def _may(reader: str, owner: str) -> bool:
    return reader in (owner, "ASEAN-TF")


def _amount_in(text: str, amount: int) -> bool:
    return str(amount) in text or f"{amount:,}" in text


def _ids(engine: Engine) -> tuple[dict[str, str], dict[str, str]]:
    reports, budget_ids = {}, {}
    for owner in NARRATIVES:
        with read_connection(engine) as conn:
            actor = operator_for(conn, org=owner)
        reports[owner] = norms.list_reports(engine, actor=actor, filter=norms.ReportFilter(member=owner))[
            0
        ].id
        budget_ids[owner] = budgets.list_reports(
            engine, actor=actor, filter=budgets.BudgetFilter(member=owner)
        )[0].id
    return reports, budget_ids


def _web(node: RunningServer, reader: str) -> httpx.Client:
    client = httpx.Client(base_url=node.url, timeout=60)
    page = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    signed = client.post(
        "/login",
        data={"csrf": csrf.group(1), "email": demo_email(reader), "password": DEMO_PASSWORD, "next": "/"},
    )
    assert signed.status_code == 303, signed.text
    return client


def test_reports_and_budgets_reach_exactly_the_member_and_the_taskforce(node: RunningServer) -> None:
    engine = node.engine
    reports, budget_ids = _ids(engine)
    url = engine.url.render_as_string(hide_password=False)
    for reader in READERS:
        api = httpx.Client(
            base_url=node.url, headers={"Authorization": f"Bearer {token_for(engine, reader)}"}, timeout=60
        )
        web = _web(node, reader)
        try:
            texts = {
                "rest lists": api.get("/api/v1/norms/reports").text
                + api.get("/api/v1/budgets/reports").text
                + api.get("/api/v1/budgets/compliance").text
                + api.get("/api/v1/norms/summaries").text,
                "web lists": web.get("/norms").text + web.get("/budgets").text,
                "cli lists": ok(url, "norms", "report", "list", "--org", reader, "--json")
                + ok(url, "budget", "report", "list", "--org", reader, "--json")
                + ok(url, "budget", "compliance", "--org", reader, "--json"),
            }
            for owner in NARRATIVES:
                expected = _may(reader, owner)
                one_report = api.get(f"/api/v1/norms/reports/{reports[owner]}")
                one_budget = api.get(f"/api/v1/budgets/reports/{budget_ids[owner]}")
                page = web.get(f"/norms/reports/{reports[owner]}")
                assert (one_report.status_code == 200) is expected, (reader, owner, one_report.text)
                assert (one_budget.status_code == 200) is expected, (reader, owner, one_budget.text)
                assert (page.status_code == 200) is expected, (reader, owner, page.status_code)
                assert (NARRATIVES[owner] in page.text) is expected, (reader, owner, "web report")
                for path, text in texts.items():
                    if path != "web lists":  # the web lists name reports; narratives are on their pages
                        assert (NARRATIVES[owner] in text) is expected, (reader, owner, path)
                    assert _amount_in(text, AMOUNTS[owner]) is expected, (reader, owner, path)
        finally:
            api.close()
            web.close()
    # The published bands do reach everyone: MyCERT's ranges are on ThaiCERT's compliance list.
    with httpx.Client(
        base_url=node.url, headers={"Authorization": f"Bearer {token_for(engine, 'ThaiCERT')}"}, timeout=60
    ) as api:
        seen = {(c["member"], c["exact"]) for c in json.loads(api.get("/api/v1/budgets/compliance").text)}
    assert ("MyCERT", False) in seen and ("ThaiCERT", True) in seen

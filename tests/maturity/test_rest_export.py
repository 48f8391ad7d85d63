"""An assessment exported over REST (issue 17) is the file the command line writes, for what the
caller may see of it; each JSON entry's level, justification and evidence go back into a draft with
PATCH, and another member's
unpublished assessment answers 404 as one that does not exist."""

from __future__ import annotations

import csv
import io
import uuid

import httpx

from gotong import maturity
from tests.conftest import RunningServer, token_for
from tests.maturity.conftest import SIM3, as_org

NOWHERE = f"gotong-maturity-assessment--{uuid.uuid4()}"
KEPT = ("parameter", "level", "justification", "evidence")  # what a draft's entry takes of the export's


def _client(server: RunningServer, org: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token_for(server.engine, org)}"}
    )


def test_the_export_is_the_command_line_s_file_and_its_json_fills_a_draft(server: RunningServer) -> None:
    entries = [maturity.EntryInput(parameter=p.id, level=n % 5) for n, p in enumerate(SIM3.parameters)]
    draft = maturity.create_assessment(
        server.engine,
        actor=as_org(server.engine, "ThaiCERT"),
        assessment=maturity.AssessmentCreate(entries=entries),
    )
    with _client(server, "ThaiCERT") as thai:
        as_csv = thai.get(f"/api/v1/maturity/assessments/{draft.id}/export")
        as_json = thai.get(f"/api/v1/maturity/assessments/{draft.id}/export", params={"format": "json"})
        refused = thai.get(f"/api/v1/maturity/assessments/{draft.id}/export", params={"format": "xlsx"})
        fresh = maturity.create_assessment(
            server.engine, actor=as_org(server.engine, "ThaiCERT"), assessment=maturity.AssessmentCreate()
        )
        filled = thai.patch(
            f"/api/v1/maturity/assessments/{fresh.id}",
            json={"entries": [{k: e[k] for k in KEPT} for e in as_json.json()["entries"]]},
        )
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert f'filename="{draft.id}.csv"' in as_csv.headers["content-disposition"]
    assert as_csv.text == maturity.to_csv(draft)
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(r["parameter"], int(r["level"])) for r in rows] == [(e.parameter, e.level) for e in entries]
    assert refused.status_code == 400 and "format" in refused.text
    assert filled.status_code == 200, filled.text
    assert [e["level"] for e in filled.json()["entries"]] == [e.level for e in entries]

    with _client(server, "MyCERT") as other:
        hidden = other.get(f"/api/v1/maturity/assessments/{draft.id}/export")
        missing = other.get(f"/api/v1/maturity/assessments/{NOWHERE}/export")
    assert hidden.status_code == missing.status_code == 404
    said = hidden.json()["description"].replace(draft.id, "ID")
    assert said == missing.json()["description"].replace(NOWHERE, "ID"), "a draft answers as a missing one"

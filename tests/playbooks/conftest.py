"""Helpers for the playbooks tests: the OASIS CACAO schemas and examples from ../shared/data (never
copied into the repository), actors, and a case to apply playbooks to."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from gotong import incidents
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.orgs.service import get_org
from tests.helpers import REGIONAL_ID

CACAO = Path(__file__).resolve().parents[3] / "shared" / "data" / "cacao"
SCHEMAS = str(CACAO / "schemas")
EXAMPLES = CACAO / "examples"


def example(name: str = "basic-example-1.json") -> dict[str, Any]:
    found: dict[str, Any] = json.loads((EXAMPLES / name).read_text("utf-8"))
    return found


def playbook_examples() -> list[Path]:
    """The examples that are playbooks (the folder also holds the STIX identity they name)."""
    return sorted(
        p for p in EXAMPLES.glob("*.json") if json.loads(p.read_text("utf-8"))["type"] == "playbook"
    )


def actor(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org)


def open_case(engine: Engine, lead: str = "SingCERT", **fields: Any) -> incidents.CasePublic:
    body: dict[str, Any] = {
        "title": "Ransomware at a port operator",
        "collection": REGIONAL_ID,
        "participants": [
            {"org": "ThaiCERT", "role": "affected"},
            {"org": "MyCERT", "role": "assisting"},
        ],
        **fields,
    }
    return incidents.open_case(engine, actor=actor(engine, lead), case=incidents.CaseCreate(**body))


def copy_of(document: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(document)


@pytest.fixture
def schemas() -> str:
    assert (CACAO / "schemas" / "playbook.json").is_file(), "the CACAO schemas are at ../shared/data/cacao"
    return SCHEMAS

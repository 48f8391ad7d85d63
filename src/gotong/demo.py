"""A little demo intelligence for the ``asean`` preset, submitted by several national CERTs.

The file uses documentation address ranges and ``.example`` domains only, so nothing in it is a
real indicator.
"""

from __future__ import annotations

import json
from importlib import resources

from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.intel.store import add_objects
from gotong.orgs.service import create_token, get_org

DEMO_COLLECTION = "asean-regional"


def load_demo(engine: Engine) -> str:
    """Submit the demo objects (idempotent) and create a token for ThaiCERT to try the API with."""
    data = json.loads(resources.files("gotong").joinpath("data/demo/asean-demo.json").read_text("utf-8"))
    added = 0
    for submission in data["submissions"]:
        with read_connection(engine) as conn:
            org = get_org(conn, short_name=submission["org"])
        report = add_objects(
            engine,
            principal=Principal(org_id=org.id, org_short=org.short_name),
            collection_id=DEMO_COLLECTION,
            objects=submission["objects"],
        )
        added += sum(1 for s in report.successes if s.message != "already present")
    with write_transaction(engine) as conn:
        token = create_token(conn, org="ThaiCERT")
    return f"demo intelligence: {added} new objects\ndemo token for ThaiCERT (shown once): {token}"

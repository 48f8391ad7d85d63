"""A little demo intelligence for the ``asean`` preset, submitted by several national CERTs.

The file uses documentation address ranges and ``.example`` domains only, so nothing in it is a
real indicator.
"""

from __future__ import annotations

import json
from importlib import resources

from sqlalchemy import Engine

from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection, write_transaction
from gotong.intel.store import add_objects
from gotong.orgs.passwords import get_user_id, hash_password, set_password_hash
from gotong.orgs.service import add_user, create_token, get_org, list_orgs

DEMO_COLLECTION = "asean-regional"
# Known on purpose, printed by `gotong init --demo` and written in README: a demo node is for trying.
DEMO_PASSWORD = "gotong-demo-password"


def demo_email(short_name: str) -> str:
    """The demo user of an organisation: ``admin@<short name>.example``."""
    return f"admin@{short_name.lower()}.example"


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
        new = [
            o.short_name for o in list_orgs(conn) if get_user_id(conn, email=demo_email(o.short_name)) is None
        ]
        hashed = hash_password(DEMO_PASSWORD) if new else ""  # one hash for all: argon2 is slow on purpose
        for short_name in new:
            add_user(conn, email=demo_email(short_name), org=short_name, role=Role.ADMIN, actor="demo")
            set_password_hash(conn, email=demo_email(short_name), password_hash=hashed, actor="demo")
    return (
        f"demo intelligence: {added} new objects\ndemo token for ThaiCERT (shown once): {token}\n"
        f"demo sign-in at /login: {demo_email('ThaiCERT')} (or admin@<organisation>.example for any"
        f" organisation), password {DEMO_PASSWORD}"
    )

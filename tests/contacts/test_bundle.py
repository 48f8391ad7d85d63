"""The signed directory bundle: STIX identities of the fields the reader may see, signed with the node's
Ed25519 key; a changed bundle or another key fails to verify; REST and `gotong contact bundle`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gotong import contacts
from gotong.audit import public_key_b64
from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection
from gotong.errors import Invalid
from gotong.node import node_key
from gotong.orgs.service import operator_for
from gotong.stix.validate import validate_object
from tests.cli.test_cli import fails, ok
from tests.conftest import RunningServer
from tests.contacts.conftest import Api

DESK = {
    "role": "duty-desk",
    "name": "ThaiCERT duty desk",
    "email": "desk@thaicert.example",
    "phone": "+66 2 123 4567",
    "visibility": {"phone": "hub"},
}


def test_the_rest_bundle_holds_what_the_reader_may_see_and_verifies(
    server: RunningServer, api: Callable[..., Api]
) -> None:
    api("ThaiCERT").ok("POST", "/api/v1/contacts", 201, json=DESK)
    made = api("MyCERT", Role.READONLY).ok("GET", "/api/v1/contacts/bundle")
    (identity,) = [o for o in made["bundle"]["objects"] if o["name"] == DESK["name"]]
    assert validate_object(identity) == []
    assert "desk@thaicert.example" in identity["contact_information"]  # a members' field: shown
    assert "+66" not in json.dumps(made)  # the hub-only phone: not in MyCERT's bundle
    hub = api("ASEAN-CERT", Role.READONLY).ok("GET", "/api/v1/contacts/bundle")
    assert "+66 2 123 4567" in json.dumps(hub)  # positive control: the hub sees it

    pinned = node_key(server.settings)

    checked = contacts.verify_bundle(made, public_key=public_key_b64(pinned))
    assert checked.trusted_key and checked.contacts == len(made["bundle"]["objects"])
    changed = json.loads(json.dumps(made))
    changed["bundle"]["objects"][0]["name"] = "Somebody else"
    with pytest.raises(Invalid, match="changed after signing"):
        contacts.verify_bundle(changed)
    other = contacts.export_bundle(server.engine, actor=_any_member(server), key=_fresh_key())
    with pytest.raises(Invalid, match="another key"):
        contacts.verify_bundle(other, public_key=public_key_b64(pinned))
    assert contacts.verify_bundle(other).trusted_key is False  # intact, but signed by a key nobody pinned


def _fresh_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _any_member(server: RunningServer) -> Principal:
    with read_connection(server.engine) as conn:
        return operator_for(conn, org="MyCERT")


def test_the_cli_exports_and_verifies_a_bundle(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOTONG_NODE_KEY_FILE", str(tmp_path / "node.key"))
    ok(database_url, "init", "--preset", "asean")
    ok(database_url, "contact", "add", "--org", "ThaiCERT", "--role", "duty-desk", "--name", "Thai desk",
       "--email", "desk@thaicert.example")  # fmt: skip
    out = tmp_path / "directory.json"
    ok(database_url, "contact", "bundle", "export", "--org", "MyCERT", "--output", str(out))
    made = json.loads(out.read_text())
    assert "Thai desk" in json.dumps(made)
    assert "bundle ok: " in ok(
        database_url, "contact", "bundle", "verify", str(out), "--public-key", made["public_key"]
    )
    made["bundle"]["objects"][0]["name"] = "Changed"
    out.write_text(json.dumps(made))
    assert "changed after signing" in fails(database_url, "contact", "bundle", "verify", str(out))

"""Peers' contact directories: a node keeps the signed directory bundle of each peer, checked against
the key it pinned when it first witnessed the peer's audit checkpoint, and shows it on /contacts.

Real nodes on loopback (a database and data folder each), real HTTP between them through the
outbound policy: ThaiCERT's node and the hub's node are peers of each other (tests.federation.
test_witness). ThaiCERT's node holds a desk with a members field, a hub-only field and a webhook."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from gotong.core.auth import Role
from gotong.core.outbound import outbound_client
from gotong.db.engine import write_transaction
from gotong.federation import directories
from gotong.orgs.passwords import set_password
from gotong.orgs.service import add_user
from tests.conftest import token_for
from tests.federation.test_witness import Served, pair, serve, witness_round

__all__ = ["pair", "serve"]  # the two-node fixtures of the witness tests, used here

PHONE = "+66 2 555 0199"  # hub-only on ThaiCERT's node
HOOK = "https://desk.thaicert.example/gotong-hook"  # a webhook URL is hub-only by default
EMAIL = "desk@thaicert.example"  # members


def _add_desk(thai: Served) -> None:
    headers = {"Authorization": f"Bearer {token_for(thai.engine, 'ThaiCERT', role=Role.COORDINATOR)}"}
    body = {
        "role": "duty-desk",
        "name": "ThaiCERT duty desk",
        "email": EMAIL,
        "phone": PHONE,
        "webhook_url": HOOK,
        "out_of_hours": "call the duty officer",
        "visibility": {"phone": "hub"},
    }
    made = httpx.post(f"{thai.url}/api/v1/contacts", json=body, headers=headers, timeout=30)
    assert made.status_code == 201, made.text


def fetch_round(node: Served) -> list[directories.Fetched]:
    with outbound_client() as client:
        return directories.fetch_directories(node.engine, node.folder, client)


def _kept_text(node: Served) -> str:
    return (node.folder / directories.DIRECTORIES_FILE).read_text()


def test_a_node_keeps_a_peer_s_directory_checked_against_its_known_key_with_members_fields_only(
    pair: tuple[Served, Served],
) -> None:
    thai, hub = pair
    _add_desk(thai)
    # The control: the hub organisation may read the hub-only fields on ThaiCERT's node itself...
    hub_token = token_for(thai.engine, "ASEAN-CERT")
    own = httpx.get(
        f"{thai.url}/api/v1/contacts", headers={"Authorization": f"Bearer {hub_token}"}, timeout=30
    )
    (desk,) = own.json()
    assert desk["phone"] == PHONE and desk["webhook_url"] == HOOK

    # ...but no key of ThaiCERT's node is known before its checkpoint is witnessed: nothing is kept.
    (early,) = fetch_round(hub)
    assert not early.kept and "no key of this peer is known yet" in early.detail
    assert not (hub.folder / directories.DIRECTORIES_FILE).exists()

    thai.keep()
    assert witness_round(hub)[0].kept
    (fetched,) = fetch_round(hub)
    assert fetched.kept and fetched.detail.startswith("1 contacts signed at"), fetched.detail
    kept = _kept_text(hub)
    # What left ThaiCERT's node is the members view: never a hub-only field, even to the hub's node.
    assert EMAIL in kept and "call the duty officer" in kept
    assert PHONE not in kept and HOOK not in kept
    assert json.loads(kept)["thai"]["bundle"]["view"] == "members"

    # The hub's /contacts page shows it to a signed-in member.
    with write_transaction(hub.engine) as conn:
        add_user(conn, email="reader@vncert.example", org="VNCERT", role=Role.ANALYST)
        set_password(conn, email="reader@vncert.example", password="a long test password 16")
    with httpx.Client(base_url=hub.url, timeout=30) as web:
        csrf = re.search(r'name="csrf" value="([^"]+)"', web.get("/login").text)
        assert csrf is not None
        signed = web.post(
            "/login",
            data={
                "csrf": csrf.group(1),
                "email": "reader@vncert.example",
                "password": "a long test password 16",
            },
        )
        assert signed.status_code == 303, signed.text
        page = web.get("/contacts").text
    signed_at = json.loads(_kept_text(hub))["thai"]["bundle"]["signed_at"]
    assert f'Directory of thai as of <time datetime="{signed_at[:19]}Z"' in page
    assert "ThaiCERT duty desk" in page and f"email: {EMAIL}" in page and PHONE not in page


def test_a_bundle_signed_by_another_key_is_refused_and_the_held_one_kept(pair: tuple[Served, Served]) -> None:
    thai, hub = pair
    _add_desk(thai)
    thai.keep()
    assert witness_round(hub)[0].kept
    (first,) = fetch_round(hub)
    assert first.kept
    held = json.loads(_kept_text(hub))["thai"]["bundle"]["signed_at"]

    Path(thai.settings.node_key_file).unlink()  # ThaiCERT's node now signs with a new key
    (refused,) = fetch_round(hub)
    assert not refused.kept and "signed by another key than the one given" in refused.detail
    assert json.loads(_kept_text(hub))["thai"]["bundle"]["signed_at"] == held


def test_kept_directories_are_for_signed_in_members_only(pair: tuple[Served, Served]) -> None:
    thai, hub = pair
    _add_desk(thai)
    thai.keep()
    witness_round(hub)
    fetch_round(hub)
    with httpx.Client(base_url=hub.url, timeout=30, follow_redirects=False) as anonymous:
        answer = anonymous.get("/contacts")
    assert answer.status_code in (303, 401), answer.status_code
    assert "ThaiCERT duty desk" not in answer.text

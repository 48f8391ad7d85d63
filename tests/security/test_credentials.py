"""Feed credentials, peer tokens and contacts' webhook secrets are sealed at rest with a key outside
the database, and still work."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text

from gotong.contacts import ContactCreate, create_contact, get_contact
from gotong.core.auth import Principal, Role
from gotong.core.secrets import PREFIX, key_file
from gotong.db.engine import read_connection, write_transaction
from gotong.db.migrate import alembic_config
from gotong.errors import Invalid
from gotong.federation.service import add_peer, get_peer
from gotong.feeds.registry import add_feed, get_feed
from gotong.feeds.runs import run_feed
from gotong.orgs.service import get_org
from tests.feeds.httpsource import FeedSite, feed_site
from tests.helpers import REGIONAL

SECRET = "Bearer s3cret-feed-token-7f3a"
PEER_SECRET = "peer-token-91bc"


@pytest.fixture
def site() -> Iterator[FeedSite]:
    with feed_site() as running:
        yield running


def _raw(engine: Engine, sql: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text(sql)).scalar_one())


def _feed(engine: Engine, source: str) -> None:
    with write_transaction(engine) as conn:
        add_feed(
            conn,
            name="guarded",
            source=source,
            fmt="abusech-feodo",
            org="MyCERT",
            collection_id=REGIONAL,
            classification="malicious-code/c2-server",
            credentials=SECRET,
        )


def test_feed_credentials_are_sealed_in_the_database_and_sent_in_the_clear(
    engine: Engine, site: FeedSite
) -> None:
    site.put("feed.txt", b"# nothing yet\n")
    _feed(engine, f"{site.url}/feed.txt")
    stored = _raw(engine, "SELECT credentials FROM feeds WHERE name = 'guarded'")
    assert stored.startswith(PREFIX) and "s3cret" not in stored
    assert stat.S_IMODE(key_file().stat().st_mode) == 0o600
    run_feed(engine, "guarded")
    assert site.hits("feed.txt")[0]["authorization"] == SECRET  # the feed got the clear value
    with read_connection(engine) as conn:
        shown = get_feed(conn, name="guarded")
    assert shown.has_credentials and SECRET not in repr(shown)


def test_peer_tokens_are_sealed_and_never_in_a_repr(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        add_peer(
            conn,
            name="hub",
            url="http://127.0.0.1:9/",
            token=PEER_SECRET,
            org="MyCERT",
            push=True,
            pull=False,
        )
    stored = _raw(engine, "SELECT token FROM peers WHERE name = 'hub'")
    assert stored.startswith(PREFIX) and PEER_SECRET not in stored
    with read_connection(engine) as conn:
        peer = get_peer(conn, "hub")
    assert peer.token == PEER_SECRET and PEER_SECRET not in repr(peer)


def test_the_migration_seals_what_was_stored_in_the_clear(engine: Engine, site: FeedSite) -> None:
    _feed(engine, f"{site.url}/feed.txt")
    config = alembic_config(engine)
    command.downgrade(config, "0006")
    assert _raw(engine, "SELECT credentials FROM feeds") == SECRET  # as an older version stored it
    command.upgrade(config, "head")
    stored = _raw(engine, "SELECT credentials FROM feeds")
    assert stored.startswith(PREFIX) and "s3cret" not in stored
    with read_connection(engine) as conn:
        assert get_feed(conn, name="guarded").has_credentials


def test_a_wrong_key_is_an_error_that_says_so(
    engine: Engine, site: FeedSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _feed(engine, f"{site.url}/feed.txt")
    monkeypatch.setenv("GOTONG_SECRETS_KEY_FILE", str(tmp_path / "another.key"))
    with pytest.raises(Invalid, match="cannot be decrypted"):
        run_feed(engine, "guarded")
    assert site.hits("feed.txt") == []


def _thai_desk(engine: Engine) -> tuple[Principal, int, str]:
    with read_connection(engine) as conn:
        thai = get_org(conn, short_name="ThaiCERT")
    actor = Principal(org_id=thai.id, org_short="ThaiCERT", role=Role.COORDINATOR)
    made = create_contact(engine, actor=actor, contact=ContactCreate(role="duty-desk", name="Thai desk"))
    assert made.webhook_secret  # the owner is shown its key
    return actor, made.id, made.webhook_secret


def test_contact_webhook_secrets_are_sealed_and_shown_to_the_owner_in_the_clear(engine: Engine) -> None:
    actor, contact_id, secret = _thai_desk(engine)
    stored = _raw(engine, f"SELECT webhook_secret FROM contacts WHERE id = {contact_id}")
    assert stored.startswith(PREFIX) and secret not in stored
    assert get_contact(engine, actor=actor, contact_id=contact_id).webhook_secret == secret


def test_the_migration_seals_the_contact_secrets_stored_in_the_clear(engine: Engine) -> None:
    actor, contact_id, secret = _thai_desk(engine)
    config = alembic_config(engine)
    command.downgrade(config, "0014")
    assert _raw(engine, f"SELECT webhook_secret FROM contacts WHERE id = {contact_id}") == secret
    command.upgrade(config, "head")
    stored = _raw(engine, f"SELECT webhook_secret FROM contacts WHERE id = {contact_id}")
    assert stored.startswith(PREFIX) and secret not in stored
    assert get_contact(engine, actor=actor, contact_id=contact_id).webhook_secret == secret

"""Collections and the rights a principal has on them (read rights come from the sharing reader)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from gotong.core.auth import ANONYMOUS, Principal, Role
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Conflict, Forbidden, NotFound
from gotong.intel.collections import (
    add_collection,
    require_read,
    require_write,
    set_rights,
    view_for,
    views_for,
)
from gotong.orgs.service import get_org
from gotong.sharing.service import load_reader
from tests.helpers import REGIONAL, REGIONAL_ID


def _principal(engine: Engine, org: str, role: Role = Role.ANALYST) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org, role=role)


def test_rights_follow_grants_roles_and_the_public_flag(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        closed = add_collection(conn, title="Mekong", readers=["ThaiCERT", "LaoCERT"], writers=["ThaiCERT"])
        public = add_collection(
            conn, title="Advisories", public=True, writers=["SingCERT"], alias="advisories"
        )
    thai, lao, my = (_principal(engine, o) for o in ("ThaiCERT", "LaoCERT", "MyCERT"))
    readonly_thai = _principal(engine, "ThaiCERT", Role.READONLY)
    with read_connection(engine) as conn:
        assert (view_for(conn, thai, closed.id).can_read, view_for(conn, thai, closed.id).can_write) == (
            True,
            True,
        )
        assert (view_for(conn, lao, closed.id).can_read, view_for(conn, lao, closed.id).can_write) == (
            True,
            False,
        )
        with pytest.raises(NotFound, match="is available to you"):
            view_for(conn, my, closed.id)  # no right at all: it does not exist for MyCERT
        assert not view_for(conn, readonly_thai, closed.id).can_write, "a readonly token writes nowhere"
        # A public collection is readable without a token, by its alias too, and writable by its writers only.
        assert view_for(conn, ANONYMOUS, "advisories").collection.id == public.id
        assert not view_for(conn, ANONYMOUS, public.id).can_write
        assert view_for(conn, _principal(engine, "SingCERT"), public.id).can_write
        with pytest.raises(NotFound):
            view_for(conn, ANONYMOUS, REGIONAL_ID)
        require_read(view_for(conn, lao, closed.id))
        with pytest.raises(Forbidden, match="may not write"):
            require_write(view_for(conn, lao, closed.id))
        listed = {v.collection.id for v in views_for(conn, my)}
        assert public.id in listed and REGIONAL_ID in listed and closed.id not in listed


def test_read_rights_are_the_readers_collections(engine: Engine) -> None:
    """One place decides read rights: a view can read exactly the collections the reader may read."""
    with write_transaction(engine) as conn:
        add_collection(conn, title="Granted", readers=["LaoCERT"], writers=[])
        add_collection(conn, title="Open", public=True)
    for principal in (ANONYMOUS, _principal(engine, "LaoCERT"), _principal(engine, "MyCERT")):
        with read_connection(engine) as conn:
            readable = {v.collection.id for v in views_for(conn, principal) if v.can_read}
            assert readable == set(load_reader(conn, principal).readable)


def test_changed_rights_apply_to_the_next_view(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        coll = add_collection(conn, title="Rotating", readers=["ThaiCERT"], writers=["ThaiCERT"])
    lao = _principal(engine, "LaoCERT")
    with read_connection(engine) as conn, pytest.raises(NotFound):
        view_for(conn, lao, coll.id)
    with write_transaction(engine) as conn:
        set_rights(conn, collection_id=coll.id, readers=["LaoCERT"], writers="all")
    with read_connection(engine) as conn:
        view = view_for(conn, lao, coll.id)
        assert (view.can_read, view.can_write) == (True, True)
        assert not view_for(conn, _principal(engine, "ThaiCERT"), coll.id).can_read


def test_the_taxii_resource_names_the_collection_as_it_was_addressed(engine: Engine) -> None:
    thai = _principal(engine, "ThaiCERT")
    with read_connection(engine) as conn:
        view = view_for(conn, thai, REGIONAL)
    assert view.taxii(addressed_as=REGIONAL)["id"] == REGIONAL
    assert view.taxii(addressed_as=REGIONAL_ID)["id"] == REGIONAL_ID
    assert view.taxii()["id"] == REGIONAL_ID
    assert view.taxii(addressed_as="something-else")["id"] == REGIONAL_ID
    assert view.taxii()["alias"] == REGIONAL


def test_aliases_and_ids_are_unique(engine: Engine) -> None:
    with write_transaction(engine) as conn, pytest.raises(Conflict, match="alias"):
        add_collection(conn, title="Again", alias=REGIONAL)
    with write_transaction(engine) as conn, pytest.raises(Conflict, match="already exists"):
        add_collection(conn, title="Again", collection_id=REGIONAL_ID)

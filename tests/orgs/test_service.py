"""Organisations, users and tokens: validation, stable identities, token rights and authentication."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, update

from gotong.core.auth import ANONYMOUS, Principal, Role
from gotong.core.permissions import require_member, require_role, require_writer
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from gotong.orgs.models import OrgKind, api_tokens
from gotong.orgs.service import (
    add_org,
    add_user,
    authenticate,
    create_token,
    get_org,
    hub,
    identity_id_for,
    list_tokens,
    organisations_for,
    revoke_token,
    whoami,
)
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import now_micros


def test_an_organisation_is_validated_and_named_the_same_on_every_node(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        made = add_org(conn, short_name="ThaiCERT-OT", name="OT desk", country="th", parent="ThaiCERT")
    assert made.country == "TH" and made.kind == OrgKind.NATIONAL_CERT and made.default_tlp == TLP.AMBER
    assert made.identity_id == identity_id_for("thaicert-ot"), "the identity is a UUIDv5 of the short name"
    with read_connection(engine) as conn:
        assert get_org(conn, short_name="thaicert-ot").id == made.id, "short names match without case"
        assert made.parent_id == get_org(conn, short_name="ThaiCERT").id
        assert hub(conn).short_name == "ASEAN-CERT"
    for bad, problem in [
        ({"short_name": "has space"}, "short name"),
        ({"country": "Thailand"}, "ISO 3166-1"),
        ({"name": "  "}, "must not be empty"),
    ]:
        args = {"short_name": "Fine", "name": "Fine", "country": "TH"} | bad
        with write_transaction(engine) as conn, pytest.raises(Invalid, match=problem):
            add_org(conn, **args)  # type: ignore[arg-type]
    with write_transaction(engine) as conn, pytest.raises(Conflict):
        add_org(conn, short_name="ThaiCERT", name="Again", country="TH")
    with read_connection(engine) as conn, pytest.raises(NotFound):
        get_org(conn, short_name="NoSuchCERT")


def test_a_token_never_has_more_rights_than_its_user(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        add_user(conn, email="Analyst@Thaicert.example", org="ThaiCERT", role=Role.ANALYST)
        token = create_token(conn, org="ThaiCERT", user_email="analyst@thaicert.example")
        with pytest.raises(Invalid, match="more rights"):
            create_token(conn, org="ThaiCERT", user_email="analyst@thaicert.example", role=Role.ADMIN)
        with pytest.raises(Invalid, match="does not belong"):
            create_token(conn, org="MyCERT", user_email="analyst@thaicert.example")
    with read_connection(engine) as conn:
        principal = authenticate(conn, token=token)
        listed = list_tokens(conn, org="ThaiCERT")
    assert (principal.org_short, principal.role, principal.through_hub) == ("ThaiCERT", Role.ANALYST, False)
    assert [t.user for t in listed] == ["analyst@thaicert.example"] and token not in repr(listed)


def test_authentication_refuses_unknown_revoked_expired_and_foreign_names(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        token = create_token(conn, org="LaoCERT", role=Role.READONLY, through_hub=True)
        expiring = create_token(conn, org="LaoCERT")
        conn.execute(
            update(api_tokens).where(api_tokens.c.prefix == expiring[:10]).values(expires_at=now_micros())
        )
    with read_connection(engine) as conn:
        assert authenticate(conn, token=token, username="laocert").through_hub
        with pytest.raises(Unauthorized, match="does not match"):
            authenticate(conn, token=token, username="ThaiCERT")
        with pytest.raises(Unauthorized, match="unknown or revoked"):
            authenticate(conn, token="gtg_nothing")
        with pytest.raises(Unauthorized, match="expired"):
            authenticate(conn, token=expiring)
    with write_transaction(engine) as conn:
        assert revoke_token(conn, token=token).revoked_at is not None
    with read_connection(engine) as conn, pytest.raises(Unauthorized, match="unknown or revoked"):
        authenticate(conn, token=token)


def test_the_member_verbs_need_a_token(engine: Engine) -> None:
    with read_connection(engine) as conn:
        thai = Principal(
            org_id=get_org(conn, short_name="ThaiCERT").id, org_short="ThaiCERT", role=Role.READONLY
        )
        assert whoami(conn, actor=thai).short_name == "ThaiCERT"
        assert len(organisations_for(conn, actor=thai)) == 12
        with pytest.raises(Unauthorized):
            whoami(conn, actor=ANONYMOUS)
        with pytest.raises(Unauthorized):
            organisations_for(conn, actor=ANONYMOUS)


@pytest.mark.parametrize("role", list(Role))
def test_permissions_by_role(role: Role) -> None:
    principal = Principal(org_id=1, org_short="X", role=role)
    require_member(principal)
    if role == Role.READONLY:
        with pytest.raises(Forbidden, match="readonly"):
            require_writer(principal)
    else:
        require_writer(principal)
    if role in (Role.ADMIN, Role.COORDINATOR):
        require_role(principal, Role.ADMIN, Role.COORDINATOR)
    else:
        with pytest.raises(Forbidden, match="admin or coordinator"):
            require_role(principal, Role.ADMIN, Role.COORDINATOR)
    for check in (require_member, require_writer):
        with pytest.raises(Unauthorized):
            check(ANONYMOUS)

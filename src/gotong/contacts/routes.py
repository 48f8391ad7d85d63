"""REST for the contact directory and reachability checks: each handler calls one service verb.

``POST /api/v1/checks/{token}/ack`` takes no credential by design: the one-time token is the
credential (see docs/contacts.md), so it declares no principal and answers no 401/403.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from gotong import contacts
from gotong.contacts import (
    AckPublic,
    CheckCreate,
    CheckPublic,
    ContactCreate,
    ContactPublic,
    ContactUpdate,
    OrgReachability,
)
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep, SettingsDep

ContactId = Annotated[int, Path(ge=1, le=2_147_483_647, description="a contact id")]

router = APIRouter(prefix="/api/v1", tags=["contacts"], dependencies=[Depends(reject_unknown_query)])


def _base_url(request: Request, settings: SettingsDep) -> str:
    return settings.base_url or str(request.base_url)


@router.get("/contacts", response_model=list[ContactPublic], responses=errors(400, 401, 404))
def list_contacts(
    engine: EngineDep,
    actor: PrincipalDep,
    org: Annotated[str | None, Query(max_length=32)] = None,
    role: Annotated[str | None, Query(max_length=40)] = None,
) -> list[ContactPublic]:
    """Every point of contact (or one organisation's, or one role's), each field as its visibility lets
    you see it."""
    return contacts.list_contacts(engine, actor=actor, org=org, role=role)


@router.post("/contacts", status_code=201, response_model=ContactPublic, responses=errors(401, 403, 404))
def create_contact(body: ContactCreate, engine: EngineDep, actor: PrincipalDep) -> ContactPublic:
    """Add a point of contact to your organisation (coordinators and admins; the hub for any)."""
    return contacts.create_contact(engine, actor=actor, contact=body)


@router.get("/contacts/bundle", responses=errors(401))
def contact_bundle(
    engine: EngineDep,
    actor: PrincipalDep,
    settings: SettingsDep,
    view: Annotated[Literal["reader", "members"], Query()] = "reader",
) -> dict[str, Any]:
    """The directory as you may see it (``view=members``: as any member organisation sees it, what a
    peer node fetches), as STIX identities, signed with the node's Ed25519 key."""
    from gotong.node import node_key  # the node's key file: read only when a bundle is asked for

    return contacts.export_bundle(engine, actor=actor, key=node_key(settings), members_view=view == "members")


@router.get("/contacts/{contact_id}", response_model=ContactPublic, responses=errors(401, 404))
def get_contact(contact_id: ContactId, engine: EngineDep, actor: PrincipalDep) -> ContactPublic:
    return contacts.get_contact(engine, actor=actor, contact_id=contact_id)


@router.patch("/contacts/{contact_id}", response_model=ContactPublic, responses=errors(401, 403, 404))
def update_contact(
    contact_id: ContactId, body: ContactUpdate, engine: EngineDep, actor: PrincipalDep
) -> ContactPublic:
    """Change fields of a contact of your organisation; ``visibility`` entries are merged."""
    return contacts.update_contact(engine, actor=actor, contact_id=contact_id, change=body)


@router.post(
    "/contacts/{contact_id}/checks",
    status_code=201,
    response_model=CheckPublic,
    responses=errors(401, 403, 404),
)
def run_check(
    contact_id: ContactId,
    body: CheckCreate,
    engine: EngineDep,
    actor: PrincipalDep,
    settings: SettingsDep,
    base_url: Annotated[str, Depends(_base_url)],
) -> CheckPublic:
    """Send a challenge by webhook or e-mail, or record a phone check."""
    return contacts.run_check(
        engine, actor=actor, contact_id=contact_id, check=body, settings=settings, base_url=base_url
    )


@router.post("/checks/{token}/ack", response_model=AckPublic, responses=errors(404, 409))
def acknowledge(token: str, engine: EngineDep) -> AckPublic:
    """Acknowledge a check: no other credential; good once, until the check's window ends."""
    return contacts.acknowledge(engine, token=token)


@router.get("/reachability", response_model=list[OrgReachability], responses=errors(401, 404))
def reachability(
    engine: EngineDep,
    actor: PrincipalDep,
    org: Annotated[str | None, Query(max_length=32)] = None,
    last: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> list[OrgReachability]:
    """Each organisation's reachability record over its contacts' last ``last`` decided checks."""
    return contacts.reachability(engine, actor=actor, org=org, last=last)

"""REST: correlation lookups. Thin: one service call, visibility decided by the sharing policy."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from gotong.core.auth import Role
from gotong.correlation.alerts import acknowledge, alerts_for
from gotong.correlation.lookup import lookup
from gotong.correlation.search import SearchFilter, search
from gotong.correlation.sightings import report_sighting, summarise
from gotong.correlation.webhooks import add_webhook
from gotong.db.engine import read_connection, write_transaction
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.orgs.routes import require_member, require_role
from gotong.orgs.service import get_user_email
from gotong.sharing.service import load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import now_micros

router = APIRouter(prefix="/api/v1", tags=["correlation"])


@router.get("/lookup")
def lookup_value(
    value: str, engine: EngineDep, principal: PrincipalDep, kind: str | None = None
) -> dict[str, Any]:
    """Objects you may see that share the observable ``value``, who reported it, first and last seen."""
    require_member(principal)
    with read_connection(engine) as conn:
        found = lookup(conn, reader=load_reader(conn, principal), value=value, kind=kind)
    return asdict(found)


class SightingReport(BaseModel):
    """'We saw VALUE COUNT times between FIRST_SEEN and LAST_SEEN' (or: it was a false positive)."""

    model_config = ConfigDict(extra="forbid")
    value: str = Field(min_length=1)
    collection: str
    kind: str | None = None
    count: int = Field(default=1, ge=0, le=999_999_999)
    first_seen: str | None = None
    last_seen: str | None = None
    false_positive: bool = False
    tlp: str = "green"


@router.post("/sightings", status_code=201)
def report(body: SightingReport, engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    """Record a sighting of every indicator you may see that carries ``value``."""
    require_member(principal)
    status = report_sighting(
        engine,
        principal=principal,
        value=body.value,
        kind=body.kind,
        collection_id=body.collection,
        count=body.count,
        first_seen=body.first_seen,
        last_seen=body.last_seen,
        false_positive=body.false_positive,
        tlp=TLP.parse(body.tlp),
    )
    return status.taxii()


@router.get("/indicators/{indicator_id}/sightings")
def sightings_of(indicator_id: str, engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    """Sightings of one indicator, per country — counting only sightings you may see."""
    require_member(principal)
    with read_connection(engine) as conn:
        summary = summarise(conn, reader=load_reader(conn, principal), indicator_ids=[indicator_id])
    return asdict(summary[indicator_id])


@router.get("/search")
def search_objects(
    engine: EngineDep,
    principal: PrincipalDep,
    q: str | None = None,
    type: str | None = None,
    tlp: str | None = None,
    org: str | None = None,
    country: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
    next: str | None = None,
) -> dict[str, Any]:
    """Objects you may see matching an observable substring or id, type, TLP, reporter, country, dates."""
    require_member(principal)
    filters = SearchFilter.parse(q=q, type=type, tlp=tlp, org=org, country=country, since=since, until=until)
    with read_connection(engine) as conn:
        page = search(conn, reader=load_reader(conn, principal), filters=filters, limit=limit, cursor=next)
    return asdict(page)


@router.get("/alerts")
def list_alerts(engine: EngineDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Regional alerts you may know of, each showing only what you may see."""
    require_member(principal)
    with read_connection(engine) as conn:
        return [asdict(a) for a in alerts_for(conn, reader=load_reader(conn, principal))]


@router.post("/alerts/{alert_id}/ack")
def acknowledge_alert(alert_id: int, engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    """Mark an alert as acknowledged by you."""
    require_member(principal)
    with write_transaction(engine) as conn:
        who = get_user_email(conn, principal) or principal.org_short or "unknown"
        view = acknowledge(
            conn, reader=load_reader(conn, principal), alert_id=alert_id, by=who, now=now_micros()
        )
    return asdict(view)


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=8, max_length=2000)
    secret: str | None = Field(default=None, min_length=16, max_length=128)


@router.post("/webhooks", status_code=201)
def create_webhook(body: WebhookCreate, engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    """Have your organisation's alerts POSTed to a URL, signed with HMAC-SHA256 (admins, coordinators)."""
    require_role(principal, Role.ADMIN, Role.COORDINATOR)
    with write_transaction(engine) as conn:
        webhook_id, secret = add_webhook(
            conn, org=principal.org_short or "", url=body.url, secret=body.secret
        )
    return {"id": webhook_id, "url": body.url, "secret": secret}

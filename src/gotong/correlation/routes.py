"""REST: correlation lookups, search, sightings, alerts and webhooks. Thin: one service call each."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Query

from gotong.correlation import service
from gotong.correlation.schemas import (
    AlertPublic,
    CorrelationPublic,
    SearchPagePublic,
    SightingReport,
    SightingSummaryPublic,
    StatusPublic,
    WebhookCreate,
    WebhookPublic,
)
from gotong.correlation.search import SearchFilter
from gotong.correlation.sightings import report_sighting
from gotong.db.engine import read_connection, write_transaction
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.sharing.tlp import TLP

router = APIRouter(prefix="/api/v1", tags=["correlation"], dependencies=[Depends(reject_unknown_query)])


@router.get("/lookup", responses=errors(401))
def lookup_value(
    value: str, engine: EngineDep, principal: PrincipalDep, kind: str | None = None
) -> CorrelationPublic:
    """Objects you may see that share the observable ``value``, who reported it, first and last seen."""
    with read_connection(engine) as conn:
        found = service.lookup_value(conn, actor=principal, value=value, kind=kind)
    return CorrelationPublic.model_validate(asdict(found))


@router.post(
    "/sightings",
    status_code=201,
    response_model=StatusPublic,
    response_model_exclude_unset=True,
    responses=errors(401, 403, 404),
)
def report(body: SightingReport, engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    """Record a sighting of every indicator you may see that carries ``value``."""
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


@router.get("/indicators/{indicator_id}/sightings", responses=errors(401))
def sightings_of(indicator_id: str, engine: EngineDep, principal: PrincipalDep) -> SightingSummaryPublic:
    """Sightings of one indicator, per country — counting only sightings you may see."""
    with read_connection(engine) as conn:
        summary = service.sightings_of(conn, actor=principal, indicator_id=indicator_id)
    return summary


@router.get("/search", responses=errors(401))
def search_objects(
    engine: EngineDep,
    principal: PrincipalDep,
    q: str | None = Query(default=None, description="An observable's value (a substring) or an object id"),
    type: str | None = Query(default=None, description="STIX types, comma-separated"),
    tlp: str | None = Query(default=None, description="TLP levels, comma-separated"),
    org: str | None = Query(default=None, description="Reporting organisations' short names"),
    country: str | None = Query(default=None, description="Reporting countries (ISO 3166-1 alpha-2)"),
    since: str | None = Query(default=None, description="Added at or after this timestamp"),
    until: str | None = Query(default=None, description="Added at or before this timestamp"),
    limit: int = Query(default=100, ge=1, le=1000),
    next: str | None = Query(default=None, description="The 'next' of the previous page"),
) -> SearchPagePublic:
    """Objects you may see matching an observable substring or id, type, TLP, reporter, country, dates."""
    filters = SearchFilter.parse(q=q, type=type, tlp=tlp, org=org, country=country, since=since, until=until)
    with read_connection(engine) as conn:
        page = service.search_objects(conn, actor=principal, filters=filters, limit=limit, cursor=next)
    return SearchPagePublic.model_validate(asdict(page))


@router.get("/alerts", responses=errors(401))
def list_alerts(engine: EngineDep, principal: PrincipalDep) -> list[AlertPublic]:
    """Regional alerts you may know of, each showing only what you may see."""
    with read_connection(engine) as conn:
        found = service.alerts_of(conn, actor=principal)
    return [AlertPublic.model_validate(asdict(a)) for a in found]


@router.post("/alerts/{alert_id}/ack", responses=errors(401, 403, 404))
def acknowledge_alert(alert_id: int, engine: EngineDep, principal: PrincipalDep) -> AlertPublic:
    """Mark an alert as acknowledged by your organisation (not with a readonly token)."""
    with write_transaction(engine) as conn:
        view = service.acknowledge_alert(conn, actor=principal, alert_id=alert_id)
    return AlertPublic.model_validate(asdict(view))


@router.post("/webhooks", status_code=201, responses=errors(401, 403))
def create_webhook(body: WebhookCreate, engine: EngineDep, principal: PrincipalDep) -> WebhookPublic:
    """Have your organisation's alerts POSTed to a URL, signed with HMAC-SHA256 (admins, coordinators)."""
    with write_transaction(engine) as conn:
        webhook_id, secret = service.register_webhook(conn, actor=principal, url=body.url, secret=body.secret)
    return WebhookPublic(id=webhook_id, url=body.url, secret=secret)

"""The service calls behind the web pages, one function per page action, each taking ``actor``.

Each function here opens the transaction a page needs and calls the domains' ``actor=`` verbs,
which check roles and apply ``sharing.policy`` themselves; what is left here is shaping the result
for a template (counts for a chart, pretty JSON) and reading forms into field problems. Nothing
here decides who may do or see what. Views call these functions and nothing else.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine

from gotong.core.auth import Principal, Role
from gotong.correlation.alerts import AlertView
from gotong.correlation.lookup import Correlation
from gotong.correlation.normalise import normalise
from gotong.correlation.search import SearchFilter, SearchPage
from gotong.correlation.service import acknowledge_alert as acknowledge_for
from gotong.correlation.service import alerts_of, search_objects
from gotong.correlation.service import lookup_value as lookup_for
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Invalid, NotFound, Unauthorized
from gotong.federation.service import PeerStatus, peer_statuses_for
from gotong.federation.witness import WitnessStatus, witness_status_for
from gotong.feeds.manage import feed_health_for
from gotong.feeds.registry import FeedStatus
from gotong.incidents import CasePublic, ClockPublic, breached_clocks
from gotong.intel.collections import CollectionView
from gotong.intel.query import ObjectFilter, render_timestamp
from gotong.intel.service import ReceiptBook, read_object, writable_collections_for
from gotong.intel.store import StatusReport, add_objects
from gotong.orgs.passwords import REFUSED, SignIn, check_password, end_sessions, session_principal
from gotong.orgs.service import (
    TokenInfo,
    create_token_for,
    get_org,
    get_user_email,
    revoke_token_for,
    tokens_for,
)
from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp
from gotong.stix.timestamps import format_micros, now_micros

WEEK_MICROS = 7 * 24 * 3600 * 1_000_000


def signed_in(actor: Principal) -> None:
    """Pages are for people who signed in; what they may then do is each domain verb's decision."""
    if not actor.authenticated or actor.role is None:
        raise Unauthorized("sign in first")


# ----------------------------------------------------------------- sign-in
def sign_in(engine: Engine, *, email: str, password: str, client: str) -> SignIn:
    if not email.strip() or not password:
        raise Invalid("enter your e-mail address and your password")
    with write_transaction(engine) as conn:
        signed = check_password(conn, email=email, password=password, client=client)
    if signed is None:
        raise Unauthorized(REFUSED)
    return signed


def sign_out(engine: Engine, *, actor: Principal) -> None:
    if actor.user_id is None:
        return
    with write_transaction(engine) as conn:
        end_sessions(conn, user_id=actor.user_id, actor=get_user_email(conn, actor) or "web")


def principal_of_session(engine: Engine, *, user_id: int, issued_at: int) -> Principal:
    with read_connection(engine) as conn:
        return session_principal(conn, user_id=user_id, issued_at=issued_at)


@dataclass(frozen=True)
class Identity:
    """What the header shows: who is signed in, for which organisation, with which role."""

    email: str | None
    org_short: str
    org_name: str
    country: str | None
    role: Role


def identity(engine: Engine, *, actor: Principal) -> Identity:
    with read_connection(engine) as conn:
        org = get_org(conn, org_id=actor.org_id)
        email = get_user_email(conn, actor)
    return Identity(email, org.short_name, org.name, org.country, actor.role or Role.READONLY)


# ----------------------------------------------------------------- dashboard
@dataclass
class Dashboard:
    alerts: list[AlertView]
    week_by_tlp: list[tuple[str, int]]
    week_by_country: list[tuple[str, int]]
    week_total: int
    week_more: bool
    feeds: list[FeedStatus] = field(default_factory=list)
    peers: list[PeerStatus] = field(default_factory=list)
    breached: list[tuple[CasePublic, ClockPublic]] = field(default_factory=list)
    witnessed: list[WitnessStatus] = field(default_factory=list)


def dashboard(
    engine: Engine, *, actor: Principal, now: int | None = None, key_folder: Path | None = None
) -> Dashboard:
    """The regional picture for ``actor``: open alerts, this week's intelligence, feeds and peers
    (with, for the admins, the checkpoints witnessed of each peer, kept in ``key_folder``)."""
    signed_in(actor)
    since = (now or now_micros()) - WEEK_MICROS
    with read_connection(engine) as conn:
        alerts = [a for a in alerts_of(conn, actor=actor) if a.acknowledged_at is None]
        week = search_objects(conn, actor=actor, filters=SearchFilter(since=since), limit=1000)
        feeds = feed_health_for(conn, actor=actor)
        peers = peer_statuses_for(conn, actor=actor)
    breached = breached_clocks(engine, actor=actor, now=now)
    witnessed = witness_status_for(engine, key_folder, actor=actor) if key_folder is not None else []
    tlps = Counter(r["tlp"] for r in week.results)
    countries = Counter(r["country"] or "no country" for r in week.results)
    order = [t.label for t in TLP]
    return Dashboard(
        alerts=alerts,
        week_by_tlp=[(label, tlps[label]) for label in order if tlps[label]],
        week_by_country=sorted(countries.items(), key=lambda kv: (-kv[1], kv[0])),
        week_total=len(week.results),
        week_more=week.more,
        feeds=feeds,
        peers=peers,
        breached=breached,
        witnessed=witnessed,
    )


# ----------------------------------------------------------------- alerts
def regional_alerts(engine: Engine, *, actor: Principal) -> list[AlertView]:
    signed_in(actor)
    with read_connection(engine) as conn:
        return alerts_of(conn, actor=actor)


def acknowledge_alert(engine: Engine, *, actor: Principal, alert_id: int) -> AlertView:
    signed_in(actor)
    with write_transaction(engine) as conn:
        return acknowledge_for(conn, actor=actor, alert_id=alert_id)


# ----------------------------------------------------------------- search and intelligence
def lookup_value(engine: Engine, *, actor: Principal, value: str) -> Correlation:
    signed_in(actor)
    with read_connection(engine) as conn:
        return lookup_for(conn, actor=actor, value=value)


def search_intel(
    engine: Engine, *, actor: Principal, filters: SearchFilter, limit: int, cursor: str | None
) -> SearchPage:
    signed_in(actor)
    with read_connection(engine) as conn:
        return search_objects(conn, actor=actor, filters=filters, limit=limit, cursor=cursor)


@dataclass(frozen=True)
class Version:
    version: str
    date_added: str
    tlp: str | None  # the TLP the version is marked with; None: unmarked (the submitter's default applies)
    body: dict[str, Any]
    pretty: str


@dataclass(frozen=True)
class IntelObject:
    id: str
    type: str
    name: str | None
    tlp: str
    reported_by: str
    country: str | None
    collection_id: str
    versions: list[Version]

    @property
    def latest(self) -> dict[str, Any]:
        return self.versions[-1].body


def intel_object(engine: Engine, *, actor: Principal, stix_id: str, receipts: ReceiptBook) -> IntelObject:
    """One object as ``actor`` may see it, with every version they may see; NotFound otherwise.
    Reading it notes an access receipt (channel ``web``), as reading it over TAXII or REST does."""
    signed_in(actor)
    with read_connection(engine) as conn:
        found = search_objects(conn, actor=actor, filters=SearchFilter(text=stix_id), limit=50)
        summary = next((r for r in found.results if r["id"] == stix_id), None)
        if summary is None:
            raise NotFound(f"no object {stix_id} is visible to you")
        page = read_object(
            conn,
            actor=actor,
            collection=summary["collection_id"],
            object_id=stix_id,
            filters=ObjectFilter(versions=("all",)),
            limit=200,
            receipts=receipts,
            channel="web",
        )
    versions = []
    for item in page.items:
        if item.stix_id != stix_id:
            continue
        body = orjson.loads(item.body)
        marked = strictest_tlp(marking_refs(body))
        versions.append(
            Version(
                version=item.version_text,
                date_added=item.date_added_text,
                tlp=None if marked is None else marked.label,
                body=body,
                pretty=orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode(),
            )
        )
    versions.sort(key=lambda v: v.version)
    return IntelObject(
        id=stix_id,
        type=summary["type"],
        name=summary["name"],
        tlp=summary["tlp"],
        reported_by=summary["reported_by"],
        country=summary["country"],
        collection_id=summary["collection_id"],
        versions=versions,
    )


def writable_collections(engine: Engine, *, actor: Principal) -> list[CollectionView]:
    signed_in(actor)
    with read_connection(engine) as conn:
        return writable_collections_for(conn, actor=actor)


# kind offered in the form -> (observable kind the correlation index knows, STIX pattern)
INDICATOR_KINDS = {
    "ipv4-addr": ("ipv4-addr", "[ipv4-addr:value = '{}']"),
    "ipv6-addr": ("ipv6-addr", "[ipv6-addr:value = '{}']"),
    "domain-name": ("domain-name", "[domain-name:value = '{}']"),
    "url": ("url", "[url:value = '{}']"),
    "email-addr": ("email-addr", "[email-addr:value = '{}']"),
    "sha256": ("file:hashes.SHA-256", "[file:hashes.'SHA-256' = '{}']"),
}


@dataclass(frozen=True)
class IndicatorForm:
    name: str
    kind: str
    value: str
    tlp: str
    collection: str


def submit_indicator(engine: Engine, *, actor: Principal, form: IndicatorForm) -> str:
    """Store one indicator made from the form; returns its id. Field problems raise :class:`FormInvalid`."""
    signed_in(actor)
    problems: dict[str, str] = {}
    if not form.name.strip():
        problems["name"] = "Enter a name that says what the indicator is"
    if form.kind not in INDICATOR_KINDS:
        problems["kind"] = "Choose what kind of value this is"
    value = form.value.strip()
    observable, pattern = INDICATOR_KINDS.get(form.kind, ("", ""))
    canonical = normalise(observable, value) if observable else None
    if not value:
        problems["value"] = "Enter the value (an address, a domain, a URL, an e-mail address or a hash)"
    elif "'" in value or "\\" in value:
        problems["value"] = "The value may not contain quotes or backslashes"
    elif observable and canonical is None:
        problems["value"] = f"This is not a valid {form.kind} value"
    try:
        tlp = TLP.parse(form.tlp)
    except Invalid:
        problems["tlp"] = "Choose a TLP level"
    if not form.collection:
        problems["collection"] = "Choose a collection"
    if problems:
        raise FormInvalid(problems)
    stamp = format_micros(now_micros(), digits=3)
    indicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": stamp,
        "modified": stamp,
        "name": form.name.strip(),
        "pattern": pattern.format(canonical),
        "pattern_type": "stix",
        "valid_from": stamp,
        "object_marking_refs": [tlp.marking_id],
    }
    report: StatusReport = add_objects(
        engine, principal=actor, collection_id=form.collection, objects=[indicator]
    )
    if report.failures:
        raise FormInvalid({"value": report.failures[0].message or "the indicator was refused"})
    return str(indicator["id"])


class FormInvalid(Invalid):
    """Problems with named fields of a form, to show next to each field and in the error summary."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


# ----------------------------------------------------------------- tokens
def org_tokens(engine: Engine, *, actor: Principal) -> list[TokenInfo]:
    signed_in(actor)
    with read_connection(engine) as conn:
        return tokens_for(conn, actor=actor)


def new_token(engine: Engine, *, actor: Principal, role: str) -> str:
    """A new API token of the actor's organisation, for the actor, with at most the actor's role."""
    signed_in(actor)
    try:
        wanted = Role(role)
    except ValueError:
        raise FormInvalid({"role": "Choose a role"}) from None
    with write_transaction(engine) as conn:
        return create_token_for(conn, actor=actor, role=wanted)


def revoke_org_token(engine: Engine, *, actor: Principal, token_id: int) -> TokenInfo:
    signed_in(actor)
    with write_transaction(engine) as conn:
        return revoke_token_for(conn, actor=actor, token_id=token_id)


def timestamp_text(micros: int | None) -> str | None:
    return None if micros is None else render_timestamp(micros)

"""The service calls behind the web pages, one function per page action, each taking ``actor``.

Each function here is one call into a domain. Where today's domain verb still wants a ``Reader``
or leaves the role check to its caller, the function builds the reader or checks the role itself;
those lines are marked ``TODO(services-merge)`` and become one call each to the services layer's
``actor=`` verbs. Nothing here decides visibility: every read goes through the domain's query,
which carries ``sharing.policy``. Views call these functions and nothing else.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Engine

from gotong.core.auth import Principal, Role
from gotong.correlation.alerts import AlertView, acknowledge, alerts_for
from gotong.correlation.lookup import Correlation, lookup
from gotong.correlation.normalise import normalise
from gotong.correlation.search import SearchFilter, SearchPage, search
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Forbidden, Invalid, NotFound, Unauthorized
from gotong.federation.service import PeerStatus, peer_statuses
from gotong.feeds.registry import FeedStatus, list_feeds
from gotong.intel.collections import CollectionView, views_for
from gotong.intel.query import ObjectFilter, read_page_all_collections, render_timestamp
from gotong.intel.store import StatusReport, add_objects
from gotong.orgs.passwords import REFUSED, SignIn, check_password, end_sessions, session_principal
from gotong.orgs.service import TokenInfo, create_token, get_org, get_user_email, list_tokens, revoke_token
from gotong.sharing.service import load_reader
from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp
from gotong.stix.timestamps import format_micros, now_micros

WEEK_MICROS = 7 * 24 * 3600 * 1_000_000


def _require(actor: Principal, least: Role) -> None:
    # TODO(services-merge): the services layer checks roles inside its verbs.
    if not actor.authenticated or actor.role is None:
        raise Unauthorized("sign in first")
    if actor.role.rank < least.rank:
        raise Forbidden(f"this needs the role {least} or higher; you are {actor.role}")


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


def dashboard(engine: Engine, *, actor: Principal, now: int | None = None) -> Dashboard:
    """The regional picture for ``actor``: open alerts, this week's intelligence, feeds and peers."""
    _require(actor, Role.READONLY)
    since = (now or now_micros()) - WEEK_MICROS
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)  # TODO(services-merge)
        alerts = [a for a in alerts_for(conn, reader=reader) if a.acknowledged_at is None]
        week = search(conn, reader=reader, filters=SearchFilter(since=since), limit=1000, cursor=None)
        feeds = list_feeds(conn, org_id=actor.org_id)
        # TODO(services-merge): peer status is the node operators' (admins') view.
        peers = peer_statuses(conn) if actor.role == Role.ADMIN else []
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
    )


# ----------------------------------------------------------------- alerts
def regional_alerts(engine: Engine, *, actor: Principal) -> list[AlertView]:
    _require(actor, Role.READONLY)
    with read_connection(engine) as conn:
        return alerts_for(conn, reader=load_reader(conn, actor))  # TODO(services-merge)


def acknowledge_alert(engine: Engine, *, actor: Principal, alert_id: int) -> AlertView:
    _require(actor, Role.ANALYST)
    with write_transaction(engine) as conn:
        who = get_user_email(conn, actor) or actor.org_short or "unknown"
        reader = load_reader(conn, actor)  # TODO(services-merge)
        return acknowledge(conn, reader=reader, alert_id=alert_id, by=who, now=now_micros())


# ----------------------------------------------------------------- search and intelligence
def lookup_value(engine: Engine, *, actor: Principal, value: str) -> Correlation:
    _require(actor, Role.READONLY)
    with read_connection(engine) as conn:
        return lookup(conn, reader=load_reader(conn, actor), value=value)  # TODO(services-merge)


def search_intel(
    engine: Engine, *, actor: Principal, filters: SearchFilter, limit: int, cursor: str | None
) -> SearchPage:
    _require(actor, Role.READONLY)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)  # TODO(services-merge)
        return search(conn, reader=reader, filters=filters, limit=limit, cursor=cursor)


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


def intel_object(engine: Engine, *, actor: Principal, stix_id: str) -> IntelObject:
    """One object as ``actor`` may see it, with every version they may see; NotFound otherwise."""
    _require(actor, Role.READONLY)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)  # TODO(services-merge): one intel.get_object(actor=) verb
        found = search(conn, reader=reader, filters=SearchFilter(text=stix_id), limit=50, cursor=None)
        page = read_page_all_collections(
            conn, reader=reader, filters=ObjectFilter(ids=(stix_id,), versions=("all",)), limit=200
        )
    summary = next((r for r in found.results if r["id"] == stix_id), None)
    if summary is None or not page.items:
        raise NotFound(f"no object {stix_id} is visible to you")
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
    _require(actor, Role.ANALYST)
    with read_connection(engine) as conn:
        return [v for v in views_for(conn, actor) if v.can_write]


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
    _require(actor, Role.ANALYST)
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
    _require(actor, Role.ADMIN)
    with read_connection(engine) as conn:
        return list_tokens(conn, org=actor.org_short)


def new_token(engine: Engine, *, actor: Principal, role: str) -> str:
    """A new API token of the actor's organisation, for the actor, with at most the actor's role."""
    _require(actor, Role.ADMIN)
    try:
        wanted = Role(role)
    except ValueError:
        raise FormInvalid({"role": "Choose a role"}) from None
    with write_transaction(engine) as conn:
        email = get_user_email(conn, actor)
        return create_token(
            conn, org=actor.org_short or "", user_email=email, role=wanted, actor=email or "web"
        )


def revoke_org_token(engine: Engine, *, actor: Principal, token_id: int) -> TokenInfo:
    _require(actor, Role.ADMIN)
    with write_transaction(engine) as conn:
        # TODO(services-merge): the services layer refuses another organisation's token itself.
        if not any(t.id == token_id for t in list_tokens(conn, org=actor.org_short)):
            raise NotFound(f"your organisation has no token {token_id}")
        return revoke_token(conn, token=str(token_id), actor=get_user_email(conn, actor) or "web")


def timestamp_text(micros: int | None) -> str | None:
    return None if micros is None else render_timestamp(micros)

"""The shell's pages: sign-in, dashboard, alerts, search, intelligence, API tokens.

Each view parses the request, calls one function of :mod:`gotong.web.services` and renders a
template. Rules, SQL and readers live below the services; a view never decides what anyone may see.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gotong.core.auth import Role
from gotong.correlation.search import SearchFilter
from gotong.errors import Invalid, Unauthorized
from gotong.http.dependencies import EngineDep, SettingsDep
from gotong.sharing.tlp import TLP
from gotong.web import contacts_services, services, training_services
from gotong.web.charts import bar_chart
from gotong.web.pages import (
    CsrfDep,
    PageRoute,
    SignInCsrfDep,
    ViewerDep,
    codec,
    render,
    secure,
    see_other,
    set_session_cookie,
    throttle,
)
from gotong.web.sessions import CSRF_COOKIE, SESSION_COOKIE
from gotong.web.tables import sort_rows

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 50


# ----------------------------------------------------------------- sign-in and sign-out
def _safe_next(target: str | None) -> str:
    """Only a path on this node: never an address elsewhere (``//host`` or a scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_form(
    request: Request, *, next_: str, email: str = "", error: str | None = None, status: int = 200
) -> HTMLResponse:
    codec_ = codec(request)
    token = codec_.read_csrf(request.cookies.get(CSRF_COOKIE))
    cookie = None
    if token is None:
        token, cookie = codec_.new_csrf()
    request.state.csrf = token
    errors = {"password": error} if error else {}
    response = render(request, "login.html", {"next": next_, "email": email, "errors": errors}, status=status)
    if cookie:
        response.set_cookie(
            CSRF_COOKIE, cookie, httponly=True, samesite="lax", secure=secure(request), path="/"
        )
    return response


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return _login_form(request, next_=_safe_next(next))


@router.post("/login")
def login(
    request: Request,
    engine: EngineDep,
    _: SignInCsrfDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    client = request.client.host if request.client else "unknown"
    limiter = throttle(request)
    if not limiter.allowed(client):
        return _login_form(
            request, next_=_safe_next(next), email=email,
            error="Too many failed sign-ins from your address; wait 15 minutes and try again", status=429,
        )  # fmt: skip
    try:
        signed = services.sign_in(engine, email=email, password=password, client=client)
    except (Unauthorized, Invalid) as exc:
        limiter.failed(client)
        return _login_form(
            request, next_=_safe_next(next), email=email, error=exc.message.capitalize(), status=exc.status
        )
    _session, cookie = codec(request).new_session(signed.user_id)
    response = see_other(_safe_next(next))
    set_session_cookie(response, cookie, secure=secure(request))
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(engine: EngineDep, viewer: ViewerDep, _: CsrfDep) -> Response:
    services.sign_out(engine, actor=viewer.principal)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ----------------------------------------------------------------- dashboard and alerts
@router.get("/")
def dashboard(request: Request, engine: EngineDep, viewer: ViewerDep, settings: SettingsDep) -> Response:
    board = services.dashboard(engine, actor=viewer.principal, key_folder=Path(settings.node_key_file).parent)
    by_tlp = bar_chart(
        "Intelligence of the last 7 days by TLP",
        "Objects you may see that were added in the last 7 days, counted by TLP level",
        board.week_by_tlp,
        css_prefix="tlp-",
    )
    by_country = bar_chart(
        "Intelligence of the last 7 days by country",
        "Objects you may see that were added in the last 7 days, counted by the reporter's country",
        board.week_by_country,
    )
    due = training_services.due_count(engine, actor=viewer.principal)
    reach = contacts_services.reachability(engine, actor=viewer.principal)
    context = {
        "board": board,
        "by_tlp": by_tlp,
        "by_country": by_country,
        "training_due": due,
        "reachability": reach,
    }
    return render(request, "dashboard.html", context)


@router.get("/alerts")
def alerts(request: Request, engine: EngineDep, viewer: ViewerDep) -> Response:
    found = services.regional_alerts(engine, actor=viewer.principal)
    return render(request, "alerts.html", {"alerts": list(reversed(found))})


@router.post("/alerts/{alert_id}/ack")
def acknowledge(alert_id: int, engine: EngineDep, viewer: ViewerDep, _: CsrfDep) -> Response:
    services.acknowledge_alert(engine, actor=viewer.principal, alert_id=alert_id)
    return see_other(f"/alerts#alert-{alert_id}")


# ----------------------------------------------------------------- search and intelligence
@router.get("/search")
def search(
    request: Request, engine: EngineDep, viewer: ViewerDep, value: Annotated[str, Query(max_length=2000)] = ""
) -> Response:
    if not value.strip():
        return render(request, "search.html", {"value": "", "found": None, "errors": {}})
    try:
        found = services.lookup_value(engine, actor=viewer.principal, value=value)
    except Invalid as exc:
        return render(
            request,
            "search.html",
            {"value": value, "found": None, "errors": {"value": exc.message}},
            status=400,
        )
    return render(request, "search.html", {"value": value, "found": found, "errors": {}})


INTEL_COLUMNS = {
    "name": "name",
    "type": "type",
    "tlp": "tlp",
    "reported_by": "reported_by",
    "added": "date_added",
}


@router.get("/intel")
def intel_list(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    q: Annotated[str | None, Query(max_length=500)] = None,
    type: Annotated[str | None, Query(max_length=250)] = None,
    tlp: Annotated[str | None, Query(max_length=40)] = None,
    org: Annotated[str | None, Query(max_length=100)] = None,
    sort: Annotated[str | None, Query(max_length=40)] = None,
    next: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    filters = SearchFilter.parse(q=q or None, type=type or None, tlp=tlp or None, org=org or None)
    page = services.search_intel(
        engine, actor=viewer.principal, filters=filters, limit=PAGE_SIZE, cursor=next
    )
    rows = sort_rows(page.results, sort, INTEL_COLUMNS)
    chosen = {"q": q or "", "type": type or "", "tlp": tlp or "", "org": org or ""}
    return render(
        request,
        "intel/list.html",
        {"page": page, "rows": rows, "sort": sort or "", "filters": chosen, "tlps": [t.label for t in TLP]},
    )


@router.get("/intel/new")
def indicator_form(request: Request, engine: EngineDep, viewer: ViewerDep) -> Response:
    collections = services.writable_collections(engine, actor=viewer.principal)
    form = services.IndicatorForm(name="", kind="ipv4-addr", value="", tlp="amber", collection="")
    return render(request, "intel/new.html", _indicator_context(collections, form, {}))


@router.post("/intel/new")
def submit_indicator(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    name: Annotated[str, Form(max_length=500)] = "",
    kind: Annotated[str, Form(max_length=40)] = "",
    value: Annotated[str, Form(max_length=2000)] = "",
    tlp: Annotated[str, Form(max_length=40)] = "",
    collection: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    form = services.IndicatorForm(name=name, kind=kind, value=value, tlp=tlp, collection=collection)
    try:
        stix_id = services.submit_indicator(engine, actor=viewer.principal, form=form)
    except services.FormInvalid as exc:
        collections = services.writable_collections(engine, actor=viewer.principal)
        return render(
            request, "intel/new.html", _indicator_context(collections, form, exc.problems), status=400
        )
    return see_other(f"/intel/{stix_id}?submitted=1")


def _indicator_context(
    collections: object, form: services.IndicatorForm, errors: dict[str, str]
) -> dict[str, object]:
    return {
        "collections": collections,
        "form": form,
        "errors": errors,
        "kinds": list(services.INDICATOR_KINDS),
        "tlps": [t for t in TLP],
    }


@router.get("/intel/{stix_id}")
def intel_object(
    request: Request, stix_id: str, engine: EngineDep, viewer: ViewerDep, submitted: int = 0
) -> Response:
    obj = services.intel_object(
        engine, actor=viewer.principal, stix_id=stix_id, receipts=request.app.state.receipts
    )
    return render(request, "intel/detail.html", {"obj": obj, "submitted": bool(submitted)})


# ----------------------------------------------------------------- API tokens
@router.get("/admin/tokens")
def tokens(request: Request, engine: EngineDep, viewer: ViewerDep) -> Response:
    found = services.org_tokens(engine, actor=viewer.principal)
    return render(request, "admin/tokens.html", _tokens_context(viewer, found, None))


@router.post("/admin/tokens")
def create_token(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    role: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    secret = services.new_token(engine, actor=viewer.principal, role=role)
    found = services.org_tokens(engine, actor=viewer.principal)
    # Shown in this response only: the node keeps just the token's hash.
    return render(request, "admin/tokens.html", _tokens_context(viewer, found, secret), status=201)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(token_id: int, engine: EngineDep, viewer: ViewerDep, _: CsrfDep) -> Response:
    services.revoke_org_token(engine, actor=viewer.principal, token_id=token_id)
    return see_other(f"/admin/tokens#token-{token_id}")


def _tokens_context(viewer: object, found: object, secret: str | None) -> dict[str, object]:
    return {"tokens": found, "secret": secret, "roles": [r.value for r in Role]}

"""The mutual-assistance pages: the list, the two-step form (choose a kind, then its fields) and a
request with its forms for a status change and a message.

Each view parses the request, calls one function of :mod:`gotong.web.assistance_services` and renders
a template; which party may do what is the ``gotong.assistance`` verbs' decision. The form works
without JavaScript: ``/assistance/new`` offers the kinds, ``/assistance/new?kind=K`` the kind's fields.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from gotong.core.permissions import may_write
from gotong.http.dependencies import EngineDep
from gotong.sharing.tlp import TLP
from gotong.web import assistance_services as aps
from gotong.web import services
from gotong.web.forms import tlp_label
from gotong.web.pages import CsrfDep, PageRoute, ViewerDep, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# The TLP levels a request may carry (the verb refuses any other).
REQUEST_TLPS = [t for t in TLP if t.slug in {"amber+strict", "amber", "green", "red"}]


@router.get("/assistance")
def request_list(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    status: Annotated[str, Query(max_length=40)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
    urgency: Annotated[str, Query(max_length=40)] = "",
    role: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    chosen = {"status": status, "kind": kind, "urgency": urgency, "role": role}
    context = {"filters": chosen, "errors": {}, **_choices()}
    try:
        found = aps.requests(
            engine, actor=viewer.principal, status=status, kind=kind, urgency=urgency, role=role
        )
    except services.FormInvalid as exc:
        return render(
            request, "assistance/list.html", {**context, "requests": [], "errors": exc.problems}, status=400
        )
    return render(request, "assistance/list.html", {**context, "requests": found})


@router.get("/assistance/new")
def request_form(
    request: Request, viewer: ViewerDep, kind: Annotated[str, Query(max_length=40)] = ""
) -> Response:
    return _form(
        request, aps.RequestForm(kind=kind), {}, status=400 if kind and aps.kind_of(kind) is None else 200
    )


@router.post("/assistance/new")
async def create_request(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    kind: Annotated[str, Form(max_length=40)] = "",
    addressee: Annotated[str, Form(max_length=40)] = "",
    title: Annotated[str, Form(max_length=300)] = "",
    description: Annotated[str, Form(max_length=20_000)] = "",
    urgency: Annotated[str, Form(max_length=40)] = "",
    tlp: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    info = aps.kind_of(kind)
    posted = await request.form()
    fields = {}
    for f in info.fields if info else ():
        value = posted.get(aps.field_id(f.name))
        fields[f.name] = value[:20_000] if isinstance(value, str) else ""
    form = aps.RequestForm(kind, addressee, title, description, urgency, tlp, fields)
    try:
        request_id = aps.create_request(engine, actor=viewer.principal, form=form)
    except services.FormInvalid as exc:
        return _form(request, form, exc.problems, status=400)
    return see_other(f"/assistance/{request_id}?done=sent")


def _form(request: Request, form: aps.RequestForm, errors: dict[str, str], *, status: int = 200) -> Response:
    context = {
        "form": form,
        "info": aps.kind_of(form.kind),
        "field_id": aps.field_id,
        "errors": errors
        if form.kind == "" or aps.kind_of(form.kind)
        else {"kind": "Choose one of the kinds listed"},
        **_choices(),
    }
    return render(request, "assistance/new.html", context, status=status)


@router.get("/assistance/{request_id}")
def request_page(
    request: Request, request_id: str, engine: EngineDep, viewer: ViewerDep, done: str = ""
) -> Response:
    return _request(request, engine, viewer, request_id, {}, done=done)


def _request(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    request_id: str,
    errors: dict[str, str],
    *,
    done: str = "",
    status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    found = aps.request(engine, actor=viewer.principal, request_id=request_id)
    context = {
        "item": found,
        "next_statuses": aps.next_statuses(found),
        "errors": errors,
        "done": done,
        "values": values or {},
        "tlp_label": tlp_label,
        "writer": may_write(viewer.principal),
    }
    return render(request, "assistance/detail.html", context, status=status)


@router.post("/assistance/{request_id}/status")
def change_status(
    request: Request,
    request_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    status: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        aps.change_status(engine, actor=viewer.principal, request_id=request_id, status=status, reason=reason)
    except services.FormInvalid as exc:
        return _request(
            request, engine, viewer, request_id, exc.problems, status=400, values={"reason": reason}
        )
    return see_other(f"/assistance/{request_id}?done=status#history")


@router.post("/assistance/{request_id}/messages")
def add_message(
    request: Request,
    request_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    text: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    try:
        aps.add_message(engine, actor=viewer.principal, request_id=request_id, text=text)
    except services.FormInvalid as exc:
        return _request(request, engine, viewer, request_id, exc.problems, status=400, values={"text": text})
    return see_other(f"/assistance/{request_id}?done=message#messages")


def _choices() -> dict[str, object]:
    return {
        "tlp_label": tlp_label,
        "statuses": aps.STATUSES,
        "urgencies": aps.URGENCIES,
        "kinds": aps.KINDS,
        "tlps": [(t.slug, t.label) for t in REQUEST_TLPS],
    }

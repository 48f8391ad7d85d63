"""The contact directory pages: the list (by organisation and role) with the reachability table, a
contact with its check history, and the forms that add and change a contact.

Each view parses the request, calls one function of :mod:`gotong.web.contacts_services` and renders
a template; which fields a reader sees and who may edit is the ``gotong.contacts`` verbs' decision.
The forms work without JavaScript.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from gotong.core.permissions import may_write
from gotong.errors import GotongError
from gotong.http.dependencies import EngineDep, SettingsDep
from gotong.web import contacts_services as cs
from gotong.web import services
from gotong.web.forms import problems_of
from gotong.web.pages import CsrfDep, PageRoute, ViewerDep, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ContactId = Annotated[int, Path(ge=1, le=2_147_483_647)]
CheckToken = Annotated[str, Path(min_length=1, max_length=200)]


@router.get("/contacts")
def directory(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    org: Annotated[str, Query(max_length=32)] = "",
    role: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    context = {
        "filters": {"org": org, "role": role},
        "orgs": cs.organisations(engine, actor=viewer.principal),
        "errors": {},
        "writer": may_write(viewer.principal),
        **_choices(),
    }
    try:
        found = cs.directory(engine, actor=viewer.principal, org=org, role=role)
    except services.FormInvalid as exc:
        return render(
            request, "contacts/list.html", {**context, "contacts": [], "errors": exc.problems}, status=400
        )
    records = cs.reachability(engine, actor=viewer.principal)
    kept = cs.peer_directories(settings, actor=viewer.principal)
    return render(
        request,
        "contacts/list.html",
        {**context, "contacts": found, "records": records, "peer_directories": kept},
    )


@router.get("/contacts/new")
def contact_form(request: Request, viewer: ViewerDep) -> Response:
    return _form(request, cs.ContactForm(org=viewer.principal.org_short or ""), {}, contact_id=None)


@router.post("/contacts/new")
async def create_contact(request: Request, engine: EngineDep, viewer: ViewerDep, _: CsrfDep) -> Response:
    form = cs.ContactForm.posted(await _posted(request))
    try:
        contact_id = cs.create_contact(engine, actor=viewer.principal, form=form)
    except services.FormInvalid as exc:
        return _form(request, form, exc.problems, contact_id=None, status=400)
    return see_other(f"/contacts/{contact_id}?done=added")


@router.get("/contacts/{contact_id}")
def contact_page(
    request: Request,
    contact_id: ContactId,
    engine: EngineDep,
    viewer: ViewerDep,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    page = cs.contact_page(engine, actor=viewer.principal, contact_id=contact_id)
    context = {
        "page": page,
        "item": page.contact,
        "done": done,
        "editor": cs.may_edit(engine, actor=viewer.principal, contact_id=contact_id),
        **_choices(),
    }
    return render(request, "contacts/detail.html", context)


@router.get("/contacts/{contact_id}/edit")
def edit_form(request: Request, contact_id: ContactId, engine: EngineDep, viewer: ViewerDep) -> Response:
    form = cs.edit_form(engine, actor=viewer.principal, contact_id=contact_id)
    return _form(request, form, {}, contact_id=contact_id)


@router.post("/contacts/{contact_id}/edit")
async def update_contact(
    request: Request, contact_id: ContactId, engine: EngineDep, viewer: ViewerDep, _: CsrfDep
) -> Response:
    posted = await _posted(request)
    form = cs.ContactForm.posted(posted)
    try:
        cs.update_contact(engine, actor=viewer.principal, contact_id=contact_id, form=form)
    except services.FormInvalid as exc:
        kept = cs.edit_form(engine, actor=viewer.principal, contact_id=contact_id)
        shown = cs.ContactForm.posted({**posted, "role": kept.role, "org": kept.org})
        return _form(request, shown, exc.problems, contact_id=contact_id, status=400)
    return see_other(f"/contacts/{contact_id}?done=saved")


@router.get("/ack")
def code_page(request: Request) -> Response:
    """Where a desk whose mail program broke the link types the check number and reply code of the
    mail (no sign-in): a short address, as a person types it from the mail."""
    return render(request, "contacts/code.html", {"form": {"check": "", "code": ""}, "errors": {}})


@router.post("/ack")
async def acknowledge_by_code(request: Request, engine: EngineDep) -> Response:
    """The code form: the same refusals as the verb (a wrong code says how many tries are left). No
    CSRF token, as for the link: the form carries the code, which a foreign page does not know."""
    posted = await _posted(request)
    form = {"check": posted.get("check", "")[:40], "code": posted.get("code", "")[:40]}
    try:
        done = cs.acknowledge_code(engine, check=form["check"], code=form["code"])
    except GotongError as exc:
        errors = problems_of(exc, {"check", "code"}, "code")
        context = {"form": {**form, "code": ""}, "errors": errors}
        return render(request, "contacts/code.html", context, status=exc.status)
    return render(request, "contacts/acknowledged.html", {"ack": done})


@router.get("/checks/{token}")
def check_page(request: Request, token: CheckToken, engine: EngineDep) -> Response:
    """The page behind a check's e-mail link: no sign-in (the token is the credential), and a GET
    changes nothing, so a mail scanner that follows the link acknowledges nothing."""
    found = cs.pending_check(engine, token=token)
    return render(
        request, "contacts/check.html", {"check": found, "token": token, "role_title": cs.role_title}
    )


@router.post("/checks/{token}")
def acknowledge_check(request: Request, token: CheckToken, engine: EngineDep) -> Response:
    """The page's button: the acknowledgement verb of ``POST /api/v1/checks/{token}/ack``. No CSRF
    token: the form carries nothing but the secret in its URL, which a foreign page does not know."""
    done = cs.acknowledge(engine, token=token)
    return render(request, "contacts/acknowledged.html", {"ack": done})


async def _posted(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _form(
    request: Request,
    form: cs.ContactForm,
    errors: dict[str, str],
    *,
    contact_id: int | None,
    status: int = 200,
) -> Response:
    context = {"form": form, "errors": errors, "contact_id": contact_id, **_choices()}
    return render(request, "contacts/form.html", context, status=status)


def _choices() -> dict[str, object]:
    return {
        "roles": cs.role_choices(),
        "role_title": cs.role_title,
        "visibilities": cs.VISIBILITIES,
        "visibility_id": cs.visibility_id,
        "tlp_of": cs.TLP_OF,
        "audience_of": cs.AUDIENCE_OF,
        "text_fields": cs.TEXT_FIELDS,
        "list_fields": cs.LIST_FIELDS,
    }

"""The maturity and capacity pages: my assessments and a new cycle, one assessment (radars, gaps,
history, the fill-in form one category at a time, review and publication), the regional view, and
the capacity plans.

Each view parses the request, calls one function of :mod:`gotong.web.maturity_services` and renders
a template; who may do what is the ``gotong.maturity`` verbs' decision, and every chart and count is
over what the reader may see. The fill-in form works without JavaScript: ``/maturity/{id}?edit=O``
shows the Organisation parameters, and saving them goes on to the next category.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from gotong.core.permissions import may_write
from gotong.errors import NotFound
from gotong.http.dependencies import EngineDep
from gotong.web import maturity_services as ms
from gotong.web import services
from gotong.web.forms import tlp_label
from gotong.web.pages import CsrfDep, PageRoute, ViewerDep, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)
TLPS = [
    ("amber+strict", "TLP:AMBER+STRICT"),
    ("amber", "TLP:AMBER"),
    ("green", "TLP:GREEN"),
    ("red", "TLP:RED"),
]


@router.get("/maturity")
def overview(request: Request, engine: EngineDep, viewer: ViewerDep) -> Response:
    return _overview(request, engine, viewer, {})


def _overview(
    request: Request, engine: EngineDep, viewer: ViewerDep, errors: dict[str, str], *, status: int = 200
) -> Response:
    found = ms.overview(engine, actor=viewer.principal)
    context = {
        "mine": found.mine,
        "to_review": found.to_review,
        "errors": errors,
        "tlps": TLPS,
        "tlp_label": tlp_label,
        "writer": may_write(viewer.principal),
    }
    return render(request, "maturity/list.html", context, status=status)


@router.post("/maturity/new")
def start(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    assessed_on: Annotated[str, Form(max_length=20)] = "",
    tlp: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        made = ms.start(engine, actor=viewer.principal, assessed_on=assessed_on, tlp=tlp)
    except services.FormInvalid as exc:
        return _overview(request, engine, viewer, exc.problems, status=400)
    first = ms.framework().categories[0].id
    return see_other(f"/maturity/{made}?edit={first}#fill-in")


@router.get("/maturity/region")
def region(request: Request, engine: EngineDep, viewer: ViewerDep) -> Response:
    found = ms.region(engine, actor=viewer.principal)
    context = {"page": found, "region": found.region, "framework": found.framework}
    return render(request, "maturity/region.html", context)


@router.get("/maturity/{assessment_id}")
def assessment_page(
    request: Request,
    assessment_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    edit: Annotated[str, Query(max_length=8)] = "",
    profile: Annotated[str, Query(max_length=40)] = "",
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    return _assessment(request, engine, viewer, assessment_id, {}, edit=edit, profile=profile, done=done)


def _assessment(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    assessment_id: str,
    errors: dict[str, str],
    *,
    edit: str = "",
    profile: str = "",
    done: str = "",
    status: int = 200,
) -> Response:
    try:
        page = ms.assessment(engine, actor=viewer.principal, assessment_id=assessment_id, profile=profile)
    except services.FormInvalid as exc:
        page = ms.assessment(engine, actor=viewer.principal, assessment_id=assessment_id)
        errors, status = {**errors, **exc.problems}, 400
    item = page.item
    owner = item.org == viewer.principal.org_short and may_write(viewer.principal)
    categories = [c.id for c in page.framework.categories]
    context = {
        "page": page,
        "item": item,
        "framework": page.framework,
        "errors": errors,
        "done": done,
        "edit": edit.upper() if owner and item.status == "draft" and edit.upper() in categories else "",
        "owner": owner,
        "reviewer": item.reviewer == viewer.principal.org_short and may_write(viewer.principal),
        "tlp_label": tlp_label,
        "level_id": ms.level_id,
        "justification_id": ms.justification_id,
        "evidence_id": ms.evidence_id,
        "profiles": list(page.framework.profiles.values()),
        "level_choices": [(str(v), f"{v} {name}") for v, name, _ in page.framework.levels],
    }
    return render(request, "maturity/detail.html", context, status=status)


@router.get("/maturity/{assessment_id}/export.{fmt}")
def export(assessment_id: str, fmt: str, engine: EngineDep, viewer: ViewerDep) -> Response:
    """The assessment as a CSV or JSON file (what ``gotong maturity export`` prints)."""
    if fmt not in ("csv", "json"):
        raise NotFound(f"no export as {fmt!r}: the formats are csv and json")
    content, media = ms.export(engine, actor=viewer.principal, assessment_id=assessment_id, fmt=fmt)
    headers = {"Content-Disposition": f'attachment; filename="gotong-assessment.{fmt}"'}
    return Response(content, media_type=media, headers=headers)


@router.post("/maturity/{assessment_id}/import")
async def import_file(
    request: Request, assessment_id: str, engine: EngineDep, viewer: ViewerDep, _: CsrfDep
) -> Response:
    posted = (await request.form()).get("import-file")
    filename, content = "", b""
    if isinstance(posted, UploadFile):
        try:
            filename, content = posted.filename or "", await posted.read(ms.IMPORT_LIMIT + 1)
        finally:
            await posted.close()
    try:
        ms.import_file(
            engine, actor=viewer.principal, assessment_id=assessment_id, filename=filename, content=content
        )
    except services.FormInvalid as exc:
        return _assessment(request, engine, viewer, assessment_id, exc.problems, status=400)
    return see_other(f"/maturity/{assessment_id}?done=imported#progress")


@router.post("/maturity/{assessment_id}/category/{category}")
async def save_category(
    request: Request, assessment_id: str, category: str, engine: EngineDep, viewer: ViewerDep, _: CsrfDep
) -> Response:
    posted = await request.form()
    form = {k: v[:5000] for k, v in posted.items() if isinstance(v, str)}
    cat = category.upper()
    try:
        ms.save_category(engine, actor=viewer.principal, assessment_id=assessment_id, category=cat, form=form)
    except services.FormInvalid as exc:
        return _assessment(request, engine, viewer, assessment_id, exc.problems, edit=cat, status=400)
    ids = [c.id for c in ms.framework().categories]
    following = ids[ids.index(cat) + 1] if cat in ids and ids.index(cat) + 1 < len(ids) else ""
    target = f"?edit={following}&done=saved#fill-in" if following else "?done=saved#progress"
    return see_other(f"/maturity/{assessment_id}{target}")


@router.post("/maturity/{assessment_id}/ask-review")
def ask_review(
    request: Request,
    assessment_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    reviewer: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        ms.ask_review(engine, actor=viewer.principal, assessment_id=assessment_id, reviewer=reviewer)
    except services.FormInvalid as exc:
        return _assessment(request, engine, viewer, assessment_id, exc.problems, status=400)
    return see_other(f"/maturity/{assessment_id}?done=asked")


@router.post("/maturity/{assessment_id}/review")
def review(
    request: Request,
    assessment_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    parameter: Annotated[str, Form(max_length=16)] = "",
    level: Annotated[str, Form(max_length=2)] = "",
    reason: Annotated[str, Form(max_length=5000)] = "",
    finished: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    try:
        ms.review(
            engine,
            actor=viewer.principal,
            assessment_id=assessment_id,
            parameter=parameter,
            level=level,
            reason=reason,
            done=finished == "yes",
        )
    except services.FormInvalid as exc:
        return _assessment(request, engine, viewer, assessment_id, exc.problems, status=400)
    return see_other(f"/maturity/{assessment_id}?done=reviewed")


@router.post("/maturity/{assessment_id}/publish")
def publish(
    request: Request, assessment_id: str, engine: EngineDep, viewer: ViewerDep, _: CsrfDep
) -> Response:
    try:
        ms.publish(engine, actor=viewer.principal, assessment_id=assessment_id)
    except services.FormInvalid as exc:
        return _assessment(request, engine, viewer, assessment_id, exc.problems, status=400)
    return see_other(f"/maturity/{assessment_id}?done=published")


@router.get("/capacity")
def capacity(request: Request, engine: EngineDep, viewer: ViewerDep, done: str = "") -> Response:
    return _capacity(request, engine, viewer, {}, done=done)


def _capacity(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    errors: dict[str, str],
    *,
    done: str = "",
    status: int = 200,
) -> Response:
    context = {
        "plans": ms.plans(engine, actor=viewer.principal),
        "published": ms.my_published(engine, actor=viewer.principal),
        "errors": errors,
        "done": done,
        "me": viewer.principal.org_short,
        "writer": may_write(viewer.principal),
        "tlp_label": tlp_label,
        "statuses": ["planned", "in-progress", "completed", "cancelled"],
    }
    return render(request, "maturity/capacity.html", context, status=status)


@router.post("/capacity/new")
def make_plan(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    assessment: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        ms.make_plan(engine, actor=viewer.principal, assessment_id=assessment)
    except services.FormInvalid as exc:
        return _capacity(request, engine, viewer, exc.problems, status=400)
    return see_other("/capacity?done=planned")


@router.post("/capacity/{plan_id}/items")
def update_item(
    request: Request,
    plan_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    item: Annotated[int, Form(ge=1)] = 1,
    status: Annotated[str, Form(max_length=20)] = "",
    evidence: Annotated[str, Form(max_length=5000)] = "",
    provider: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        ms.update_item(
            engine,
            actor=viewer.principal,
            plan_id=plan_id,
            item=item,
            status=status,
            evidence=evidence,
            provider=provider,
        )
    except services.FormInvalid as exc:
        return _capacity(request, engine, viewer, exc.problems, status=400)
    return see_other("/capacity?done=item")

"""The playbook pages: the library a reader may see, and one playbook with its steps and versions.
The case page's form that applies a playbook posts to ``/cases/{id}/playbook`` (here too).

Each view parses the request, calls one function of :mod:`gotong.web.playbooks_services` and renders
a template; what anyone may see or do is the ``gotong.playbooks`` verbs' decision.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from gotong.http.dependencies import EngineDep
from gotong.web import playbooks_services as ps
from gotong.web import services
from gotong.web.cases import render_case
from gotong.web.forms import tlp_label
from gotong.web.pages import CsrfDep, PageRoute, ViewerDep, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/playbooks")
def playbook_list(request: Request, engine: EngineDep, viewer: ViewerDep) -> Response:
    found = ps.playbook_list(engine, actor=viewer.principal)
    return render(request, "playbooks/list.html", {"playbooks": found, "tlp_label": tlp_label})


@router.get("/playbooks/{playbook_id}")
def playbook_page(
    request: Request,
    playbook_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    version: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    found = ps.playbook(engine, actor=viewer.principal, playbook_id=playbook_id, version=version)
    context = {"playbook": found, "steps": ps.steps_of(found.document), "tlp_label": tlp_label}
    return render(request, "playbooks/detail.html", context)


@router.post("/cases/{case_id}/playbook")
def apply_playbook(
    request: Request,
    case_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    playbook: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        ps.apply(engine, actor=viewer.principal, case_id=case_id, playbook_id=playbook)
    except services.FormInvalid as exc:
        return render_case(request, engine, viewer, case_id, exc.problems, status=400)
    return see_other(f"/cases/{case_id}?done=playbook#playbooks")


@router.post("/cases/{case_id}/playbook/advance")
def advance_playbooks(case_id: str, engine: EngineDep, viewer: ViewerDep, _: CsrfDep) -> Response:
    ps.advance(engine, actor=viewer.principal, case_id=case_id)
    return see_other(f"/cases/{case_id}?done=advanced#playbooks")

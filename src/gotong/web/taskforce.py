"""The taskforce pages: ``/taskforce`` (the agenda: open motions, the reader's votes, reviews, decisions,
measures, seats) and ``/taskforce/motions/{id}`` (text, rule, tally as the rule allows, a vote form).

Each view parses the request, calls :mod:`gotong.web.taskforce_services` and renders a template; who
may vote is the ``gotong.taskforce`` verbs' decision, and a refusal (a recused seat, a closed window)
is shown on the page with its reason. Works without JavaScript.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from gotong.errors import Conflict, Forbidden
from gotong.http.dependencies import EngineDep
from gotong.web import services
from gotong.web import taskforce_services as tfs
from gotong.web.forms import tlp_label
from gotong.web.pages import CsrfDep, PageRoute, ViewerDep, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/taskforce")
def agenda(request: Request, engine: EngineDep, viewer: ViewerDep) -> Response:
    found = tfs.agenda(engine, actor=viewer.principal, email=viewer.identity.email)
    return render(request, "taskforce/index.html", {"agenda": found, "tlp_label": tlp_label})


@router.get("/taskforce/motions/{motion_id}")
def motion_page(
    request: Request, motion_id: str, engine: EngineDep, viewer: ViewerDep, done: str = ""
) -> Response:
    return _motion(request, engine, viewer, motion_id, {}, done=done)


@router.post("/taskforce/motions/{motion_id}/votes")
def cast_vote(
    request: Request,
    motion_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    choice: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        tfs.cast_vote(engine, actor=viewer.principal, motion_id=motion_id, choice=choice)
    except services.FormInvalid as exc:
        return _motion(request, engine, viewer, motion_id, exc.problems, status=400)
    except (Forbidden, Conflict) as exc:
        status = 403 if isinstance(exc, Forbidden) else 409
        return _motion(request, engine, viewer, motion_id, {"choice": exc.message}, status=status)
    return see_other(f"/taskforce/motions/{motion_id}?done=voted#vote")


def _motion(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    motion_id: str,
    errors: dict[str, str],
    *,
    done: str = "",
    status: int = 200,
) -> Response:
    found = tfs.motion(engine, actor=viewer.principal, motion_id=motion_id)
    seat = tfs.my_seat(engine, actor=viewer.principal, email=viewer.identity.email)
    context = {
        "item": found,
        "seat": seat,
        "my_vote": next((v for v in found.votes if v.seat == seat), None),
        "choices": tfs.CHOICES,
        "errors": errors,
        "done": done,
        "tlp_label": tlp_label,
    }
    return render(request, "taskforce/motion.html", context, status=status)

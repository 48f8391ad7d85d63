"""The budgets page: the reports the reader may see with their amounts, each member's standing
against the mandate (exact where the reader sees the report, else only the bands the member
published), and the mandate in force. One service call; the verbs decide what is shown."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gotong.http.dependencies import EngineDep
from gotong.web import budgets_services as bps
from gotong.web.forms import tlp_label
from gotong.web.pages import PageRoute, ViewerDep, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/budgets")
def budgets_page(request: Request, engine: EngineDep, viewer: ViewerDep) -> Response:
    context = {**bps.overview(engine, actor=viewer.principal), "tlp_label": tlp_label}
    return render(request, "budgets/list.html", context)

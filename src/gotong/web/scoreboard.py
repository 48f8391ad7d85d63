"""The scoreboard page: the region's figures over time, your position among peers, your detail and
the detail others published; a form for managers to publish their own. Thin, like the cases pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from gotong.http.dependencies import EngineDep
from gotong.web import scoreboard_services as ss
from gotong.web import services
from gotong.web.charts import bar_chart, line_chart
from gotong.web.pages import CsrfDep, PageRoute, ViewerDep, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/scoreboard")
def scoreboard_page(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    period: Annotated[str, Query(max_length=40)] = "month",
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    try:
        found = ss.page(engine, actor=viewer.principal, period=period)
    except services.FormInvalid as exc:
        found = ss.page(engine, actor=viewer.principal, period="month")
        return _render(request, found, period, exc.problems, done, status=400)
    return _render(request, found, period, {}, done)


def _render(
    request: Request,
    found: ss.ScoreboardPage,
    period: str,
    errors: dict[str, str],
    done: str,
    status: int = 200,
) -> Response:
    over_time = line_chart(
        "Intelligence shared per month",
        "Objects you may see that members shared in each of the last six months",
        [(label, region) for label, region, _ in found.series],
    )
    own_over_time = line_chart(
        "Intelligence your organisation shared per month",
        "Objects your organisation shared in each of the last six months",
        [(label, own) for label, _, own in found.series],
    )
    peers = bar_chart(
        "Your position among the contributors",
        "Objects each contributing member shared in the period, largest first; members unnamed",
        found.peers,
    )
    context = {
        "found": found,
        "board": found.board,
        "period": period,
        "errors": errors,
        "done": done,
        "over_time": over_time,
        "own_over_time": own_over_time,
        "peers": peers,
    }
    return render(request, "scoreboard/page.html", context, status=status)


@router.post("/scoreboard/settings")
def scoreboard_settings(
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    publish: Annotated[str, Form(max_length=3)] = "no",
    team_size: Annotated[str, Form(max_length=6)] = "",
) -> Response:
    ss.update_settings(engine, actor=viewer.principal, publish=publish, team_size=team_size)
    return see_other("/scoreboard?done=saved")

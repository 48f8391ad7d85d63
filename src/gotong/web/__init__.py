"""The web interface: server-rendered pages over the same services as every other adapter.

``app.py`` mounts :data:`web_router` (the pages) and :data:`web_static` (the project's own CSS,
JavaScript and icons under ``/static/``). A domain adds pages with a ``views.py`` whose router uses
:class:`gotong.web.pages.PageRoute`, templates under ``<domain>/templates/`` registered with
:func:`gotong.web.templating.add_template_package`, and a :class:`gotong.web.nav.Section`.
"""

from __future__ import annotations

from fastapi import APIRouter

from gotong.web import (
    assistance,
    budgets,
    cases,
    contacts,
    exercises,
    maturity,
    norms,
    playbooks,
    reports,
    scoreboard,
    taskforce,
    training,
    views,
)
from gotong.web.static import StaticFiles
from gotong.web.templating import STATIC_DIR

web_router = APIRouter(include_in_schema=False)
web_router.include_router(views.router)
web_router.include_router(cases.router)
web_router.include_router(playbooks.router)
web_router.include_router(assistance.router)
web_router.include_router(contacts.router)
web_router.include_router(exercises.router)
web_router.include_router(taskforce.router)
web_router.include_router(maturity.router)
web_router.include_router(training.router)
web_router.include_router(norms.router)
web_router.include_router(budgets.router)
web_router.include_router(scoreboard.router)
web_router.include_router(reports.router)

web_static = StaticFiles(directory=STATIC_DIR)

__all__ = ["web_router", "web_static"]

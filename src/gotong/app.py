"""Builds the node's ASGI application: mounts the adapters, wires events and jobs, maps domain errors once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from gotong import __version__
from gotong.assistance.routes import router as assistance_router
from gotong.budgets.routes import router as budgets_router
from gotong.contacts.routes import router as contacts_router
from gotong.correlation.routes import router as correlation_router
from gotong.db.engine import make_engine
from gotong.errors import GotongError
from gotong.exercises.routes import router as exercises_router
from gotong.federation.changes import ChangeSignal
from gotong.federation.changes import router as changes_router
from gotong.federation.routes import router as provenance_router
from gotong.feeds.misp.routes import router as misp_feed_router
from gotong.feeds.routes import router as feeds_router
from gotong.http.contract import openapi_document
from gotong.http.security import install as install_edge_defences
from gotong.incidents.routes import router as incidents_router
from gotong.maturity.routes import capacity_router
from gotong.maturity.routes import router as maturity_router
from gotong.norms.routes import router as norms_router
from gotong.orgs.routes import router as orgs_router
from gotong.playbooks.routes import router as playbooks_router
from gotong.reports.routes import router as reports_router
from gotong.reports.routes import subscribers as report_subscribers_router
from gotong.scoreboard.routes import router as scoreboard_router
from gotong.settings import Settings
from gotong.sharing.receipts import ReceiptRecorder
from gotong.sharing.routes import router as sharing_router
from gotong.taskforce.routes import router as taskforce_router
from gotong.taxii.media import TAXII_MEDIA_TYPE
from gotong.taxii.routes import router as taxii_router
from gotong.training.routes import router as training_router
from gotong.web import web_router, web_static
from gotong.wiring import background, wire


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    """The application of one node over ``engine`` (made from the settings if not given)."""
    engine = engine or make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        with background(engine, settings, receipts=receipts, changes=app.state.changes):
            yield

    app = FastAPI(
        title="Gotong",
        version=__version__,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    wire(settings, load_now=True, engine=lambda: engine)
    receipts = ReceiptRecorder(engine)
    app.state.settings = settings
    app.state.engine = engine
    app.state.receipts = receipts
    install_edge_defences(app, settings)
    app.state.changes = ChangeSignal()
    app.include_router(taxii_router)
    app.include_router(orgs_router)
    app.include_router(correlation_router)
    app.include_router(sharing_router)
    app.include_router(feeds_router)
    app.include_router(misp_feed_router)
    app.include_router(changes_router)
    app.include_router(provenance_router)
    app.include_router(incidents_router)
    app.include_router(playbooks_router)
    app.include_router(assistance_router)
    app.include_router(taskforce_router)
    app.include_router(contacts_router)
    app.include_router(exercises_router)
    app.include_router(maturity_router)
    app.include_router(capacity_router)
    app.include_router(training_router)
    app.include_router(norms_router)
    app.include_router(budgets_router)
    app.include_router(scoreboard_router)
    app.include_router(reports_router)
    app.include_router(report_subscribers_router)
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    app.include_router(web_router)
    app.mount("/static", web_static, name="static")

    def error_response(request: Request, status: int, title: str, description: str) -> Response:
        body: dict[str, Any] = {"title": title, "description": description, "http_status": str(status)}
        headers = {"WWW-Authenticate": 'Basic realm="gotong", Bearer'} if status == 401 else None
        media = "application/json" if request.url.path.startswith("/api/") else TAXII_MEDIA_TYPE
        return Response(orjson.dumps(body), status_code=status, media_type=media, headers=headers)

    @app.exception_handler(GotongError)
    async def _domain_error(request: Request, exc: GotongError) -> Response:
        return error_response(request, exc.status, exc.title, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Not found", 405: "Method not allowed"}
        description = {404: f"no resource at {request.url.path}"}.get(exc.status_code, str(exc.detail))
        response = error_response(request, exc.status_code, titles.get(exc.status_code, "Error"), description)
        response.headers.update(exc.headers or {})  # e.g. Allow on a 405
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return error_response(request, 400, "Invalid input", problems)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Never a traceback on the wire; the server log keeps it.
        import logging

        logging.getLogger("gotong").exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "Internal error", "the server failed; nothing was stored")

    return app

"""What every page shares: who is signed in, CSRF checks, rendering, and errors as HTML pages.

:class:`PageRoute` is the route class of every UI router. A domain error raised under it becomes an
HTML page with the error's status and words (never the JSON of the API), and a request without a
valid session is sent to ``/login``. Views take :data:`ViewerDep` (and :data:`CsrfDep` on POST),
call one function of ``gotong.web.services`` and return :func:`render`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from gotong.core.auth import Principal
from gotong.errors import GotongError, Unauthorized
from gotong.http.dependencies import EngineDep
from gotong.settings import Settings
from gotong.web import nav, services
from gotong.web.sessions import (
    CSRF_COOKIE,
    CSRF_FIELD,
    RENEW_AFTER_SECONDS,
    SESSION_COOKIE,
    SessionCodec,
    same_token,
)
from gotong.web.templating import environment
from gotong.web.throttle import SignInThrottle

_state_lock = threading.Lock()


class SignInRequired(Exception):
    """No valid session: the reader is sent to the sign-in page."""


class CsrfRefused(GotongError):
    status = 403
    title = "Form expired"


def codec(request: Request) -> SessionCodec:
    state = request.app.state
    with _state_lock:
        if getattr(state, "web_codec", None) is None:
            settings: Settings = state.settings
            state.web_codec = SessionCodec.from_settings(settings)
            state.web_throttle = SignInThrottle()
    made: SessionCodec = state.web_codec
    return made


def throttle(request: Request) -> SignInThrottle:
    codec(request)
    found: SignInThrottle = request.app.state.web_throttle
    return found


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


@dataclass(frozen=True)
class Viewer:
    """The signed-in reader of a page."""

    principal: Principal
    identity: services.Identity
    csrf: str


def get_viewer(request: Request, engine: EngineDep) -> Viewer:
    codec_ = codec(request)
    session = codec_.read(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise SignInRequired
    try:
        principal = services.principal_of_session(
            engine, user_id=session.user_id, issued_at=session.issued_at
        )
    except Unauthorized:
        raise SignInRequired from None
    if time.time() - session.signed_at > RENEW_AFTER_SECONDS:  # the idle clock restarts, once a minute
        request.state.renew_session = codec_.sign(session)
    viewer = Viewer(principal, services.identity(engine, actor=principal), session.csrf)
    request.state.viewer = viewer
    return viewer


async def check_csrf(request: Request) -> None:
    """Refuse a form whose CSRF token is not the one of the reader's session."""
    session = codec(request).read(request.cookies.get(SESSION_COOKIE))
    await _compare(request, session.csrf if session else None)


async def check_sign_in_csrf(request: Request) -> None:
    """Refuse a sign-in form whose token is not the one in the sign-in form's own cookie."""
    await _compare(request, codec(request).read_csrf(request.cookies.get(CSRF_COOKIE)))


async def _compare(request: Request, expected: str | None) -> None:
    form = await request.form()
    given = form.get(CSRF_FIELD)
    if not same_token(expected, given if isinstance(given, str) else None):
        raise CsrfRefused("the form had expired or did not come from this site; load the page and try again")


ViewerDep = Annotated[Viewer, Depends(get_viewer)]
CsrfDep = Annotated[None, Depends(check_csrf)]
SignInCsrfDep = Annotated[None, Depends(check_sign_in_csrf)]


def render(request: Request, template: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
    """A page: ``template`` with ``context`` plus the shell's own (viewer, navigation, CSRF token)."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    csrf = viewer.csrf if viewer else getattr(request.state, "csrf", "")
    page = (
        environment()
        .get_template(template)
        .render(
            request=request,
            viewer=viewer,
            sections=nav.sections_for(viewer.principal.role if viewer else None),
            current_section=nav.current(request.url.path),
            csrf_field=CSRF_FIELD,
            csrf=csrf,
            **context,
        )
    )
    response = HTMLResponse(page, status_code=status)
    # Pages hold what one organisation may see: never kept by a shared cache or the back button.
    response.headers["Cache-Control"] = "no-store"
    return response


def see_other(path: str) -> RedirectResponse:
    """After a form that changed something: go to ``path`` with GET (post/redirect/get)."""
    return RedirectResponse(path, status_code=303)


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return render(request, "error.html", {"title": title, "message": message}, status=status)


class PageRoute(APIRoute):
    """Route class of the UI: errors are HTML pages and a missing session leads to sign-in."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                response = await handler(request)
            except SignInRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                response = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
                response.delete_cookie(SESSION_COOKIE, path="/")
                return response
            except GotongError as exc:
                response = error_page(request, exc.status, exc.title, exc.message)
            except RequestValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
                )
                response = error_page(request, 400, "Invalid input", problems)
            except StarletteHTTPException as exc:
                titles = {404: "Page not found", 405: "Not allowed", 422: "Invalid input"}
                response = error_page(
                    request, exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail)
                )
            renewed = getattr(request.state, "renew_session", None)
            if renewed:
                set_session_cookie(response, renewed, secure=secure(request))
            return response

        return handle


def set_session_cookie(response: Response, value: str, *, secure: bool) -> None:
    response.set_cookie(SESSION_COOKIE, value, httponly=True, samesite="lax", secure=secure, path="/")

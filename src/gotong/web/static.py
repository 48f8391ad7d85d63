"""Static files of the UI, cached by browsers for a year: their URLs carry a hash of their content."""

from __future__ import annotations

from starlette.responses import Response
from starlette.staticfiles import StaticFiles as _StarletteStatic
from starlette.types import Scope


class StaticFiles(_StarletteStatic):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            # static_url() puts ?v=<content hash> in every link, so a changed file has a new URL.
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response

"""The Jinja2 environment of every page: template folders, translations, and the shared filters.

Templates are looked up in ``gotong/web/templates`` and then in each domain's folder registered
with :func:`add_template_package` (``gotong/<domain>/templates``), so a domain ships its own pages
and uses the shell's ``base.html`` and ``_macros/*.html``. Strings are marked with ``{% trans %}``
or ``_()`` and translated through the gettext catalogue of the reader's locale (``locale/``,
compiled by ``scripts/i18n``); English is the source language and is always complete.
"""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlencode

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request

from gotong.stix.timestamps import TimestampError, micros_of

STATIC_DIR = Path(str(resources.files("gotong.web").joinpath("static")))
LOCALE_DIR = Path(str(resources.files("gotong.web").joinpath("locale")))
DEFAULT_LOCALE = "en"

_packages: list[str] = ["gotong.web"]


def add_template_package(package: str) -> None:
    """Let a domain's ``templates/`` folder serve pages (call before the first page is rendered)."""
    if package not in _packages:
        _packages.append(package)
        environment.cache_clear()


@cache
def translations(locale: str) -> NullTranslations:
    """The catalogue of ``locale`` read from its ``.po`` file (compiled in memory: no binary committed)."""
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "gotong.po"
    if not po.is_file():
        return NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain="gotong")


@cache
def static_version(name: str) -> str:
    """A short hash of a static file, put in its URL so browsers may cache it for a year."""
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    return f"/static/{name}?v={static_version(name)}"


def url_with(request: Request, **changes: str | None) -> str:
    """The current page's URL with some query parameters changed (None removes one)."""
    params = {k: v for k, v in request.query_params.items() if v}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return request.url.path + (f"?{urlencode(params)}" if params else "")


def time_tag(value: str | int | None, fmt: str = "%Y-%m-%d %H:%M") -> Markup:
    """A ``<time>`` in UTC with the exact UTC instant on hover; the page's script shows local time."""
    if value is None or value == "":
        return Markup("—")
    try:
        micros = value if isinstance(value, int) else micros_of(value)
    except TimestampError:
        return Markup(escape(str(value)))
    moment = datetime.fromtimestamp(micros / 1_000_000, tz=UTC)
    iso = moment.strftime("%Y-%m-%dT%H:%M:%S") + "Z"
    shown = moment.strftime(fmt) + " UTC"
    return Markup(f'<time datetime="{iso}" title="{iso} (UTC)" data-local>{escape(shown)}</time>')


def number(value: int | float, locale: str = DEFAULT_LOCALE) -> str:
    return str(format_decimal(value, locale=locale))


@cache
def environment(locale: str = DEFAULT_LOCALE) -> Environment:
    env = Environment(
        loader=ChoiceLoader([PackageLoader(p, "templates") for p in _packages]),
        autoescape=select_autoescape(["html", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals["static_url"] = static_url
    env.globals["url_with"] = url_with
    env.filters["zip"] = lambda left, right: zip(left, right, strict=False)
    env.filters["time"] = time_tag
    env.filters["number"] = lambda v: number(v, locale)
    return env

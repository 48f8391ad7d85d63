"""Fetching feed sources over HTTP: conditional requests, size limits, and a TAXII 2.1 pull client.

Everything here is transport. A URL source is downloaded into a temporary file and handed to the
same converters as a local file. The request sends the validators of the previous response
(``If-None-Match`` / ``If-Modified-Since``), so an unchanged feed costs one round trip and no
import. :func:`taxii_pages` walks a remote TAXII 2.1 collection from an ``added_after`` cursor and
follows ``next`` until ``more`` is false.

We do not use the OASIS ``taxii2-client`` here: it returns the envelope without the response
headers, and the ``X-TAXII-Date-Added-Last`` header is the cursor a resumable pull needs. The tests
check this client against a real server, and they check the server against ``taxii2-client``.
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from gotong.core.media import TAXII_MEDIA_TYPE
from gotong.core.outbound import excerpt
from gotong.errors import Invalid

TAXII_ACCEPT = TAXII_MEDIA_TYPE
MAX_BYTES = 512 * 1024 * 1024
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
USER_AGENT = "gotong-feed-fetcher"
MAX_PAGE_BYTES = 64 * 1024 * 1024  # one TAXII page; a node sends pages of at most a few MiB
MAX_PAGE_OBJECTS = 10_000  # what one envelope may carry (gotong.intel.limits)


class FetchError(Exception):
    """The source could not be read: network fault, HTTP error, or a response we cannot use."""


@dataclass(frozen=True)
class Fetched:
    """A downloaded body (``path``), or ``not_modified`` with no body; and the new validators."""

    path: Path | None
    etag: str | None
    last_modified: str | None
    not_modified: bool = False


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def authorization(token: str | None, basic: str | None, *, token_name: str, basic_name: str) -> str | None:
    """The ``Authorization`` value a source wants: a bearer token or ``user:password`` (HTTP Basic)."""
    if token and basic:
        raise Invalid(f"give {token_name} or {basic_name}, not both")
    if token:
        return f"Bearer {token}"
    if basic:
        if ":" not in basic:
            raise Invalid(f"{basic_name} takes user:password")
        return "Basic " + base64.b64encode(basic.encode()).decode()
    return None


def _headers(credentials: str | None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT}
    if credentials:
        headers["Authorization"] = credentials
    headers.update(extra or {})
    return headers


def fetch(
    client: httpx.Client,
    url: str,
    *,
    into: Path,
    credentials: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> Fetched:
    """GET ``url`` into the file ``into`` unless the server says it has not changed (304)."""
    conditional: dict[str, str] = {}
    if etag:
        conditional["If-None-Match"] = etag
    if last_modified:
        conditional["If-Modified-Since"] = last_modified
    try:
        with client.stream("GET", url, headers=_headers(credentials, conditional)) as response:
            if response.status_code == 304:
                return Fetched(None, etag, last_modified, not_modified=True)
            if response.status_code >= 400:
                phrase = excerpt(response.reason_phrase, 60)
                raise FetchError(f"GET {url}: HTTP {response.status_code} {phrase}")
            size = 0
            with into.open("wb") as out:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"GET {url}: larger than {max_bytes} bytes; stopped")
                    out.write(chunk)
            return Fetched(
                into, response.headers.get("ETag"), response.headers.get("Last-Modified"), not_modified=False
            )
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise FetchError(f"GET {url}: {_fault(exc)}") from None


def fetch_json(client: httpx.Client, url: str, *, credentials: str | None = None) -> Any:
    """GET a small JSON document (a MISP manifest, one event)."""
    with tempfile.TemporaryDirectory(prefix="gotong-feed-") as tmp:
        got = fetch(client, url, into=Path(tmp) / "body", credentials=credentials)
        assert got.path is not None
        try:
            return orjson.loads(got.path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise FetchError(f"GET {url}: not JSON ({exc})") from None


@dataclass(frozen=True)
class TaxiiPage:
    objects: list[dict[str, Any]]
    date_added_last: str | None


def collection_url(url: str) -> str:
    """The collection's base URL, ending in a slash (objects are at ``<it>objects/``)."""
    url = url if url.endswith("/") else url + "/"
    if url.endswith("/objects/"):
        url = url[: -len("objects/")]
    if "/collections/" not in url:
        raise Invalid(f"{url!r} is not a TAXII collection URL (…/<api root>/collections/<id>/)")
    return url


def taxii_pages(
    client: httpx.Client,
    url: str,
    *,
    added_after: str | None,
    credentials: str | None = None,
    limit: int = 1000,
    match: Mapping[str, str] | None = None,
) -> Iterator[TaxiiPage]:
    """Every page of a remote collection's objects added after ``added_after``, in the server's order.

    ``match`` adds filters such as ``{"match[type]": "indicator"}``. Each page reports the
    ``X-TAXII-Date-Added-Last`` header: store it once the page is safely stored, and a later pull
    resumes there.
    """
    objects_url = collection_url(url) + "objects/"
    params: dict[str, str] = {"limit": str(limit), **(match or {})}
    if added_after:
        params["added_after"] = added_after
    while True:
        try:
            with client.stream(
                "GET", objects_url, params=params, headers=_headers(credentials, {"Accept": TAXII_ACCEPT})
            ) as response:
                body = _bounded_body(response, objects_url, MAX_PAGE_BYTES)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise FetchError(f"GET {objects_url}: {_fault(exc)}") from None
        if response.status_code >= 400:
            raise FetchError(f"GET {objects_url}: HTTP {response.status_code} {_reason(response, body)}")
        try:
            envelope = orjson.loads(body) if body else {}
        except orjson.JSONDecodeError as exc:
            raise FetchError(f"GET {objects_url}: not JSON ({exc})") from None
        if not isinstance(envelope, dict):
            raise FetchError(f"GET {objects_url}: not a TAXII envelope")
        objects = envelope.get("objects") or []
        if not isinstance(objects, list):
            raise FetchError(f"GET {objects_url}: 'objects' is not a list")
        if len(objects) > MAX_PAGE_OBJECTS:
            raise FetchError(
                f"GET {objects_url}: a page of {len(objects)} objects, more than {MAX_PAGE_OBJECTS}"
            )
        yield TaxiiPage(objects, response.headers.get("X-TAXII-Date-Added-Last"))
        next_token = envelope.get("next")
        if not envelope.get("more") or not next_token or not objects:
            return
        params = {**params, "next": str(next_token)}


def _bounded_body(response: httpx.Response, url: str, limit: int) -> bytes:
    """The whole body, unless it is larger than ``limit`` bytes (a server that never stops talking)."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise FetchError(f"GET {url}: a page larger than {limit} bytes; stopped")
        chunks.append(chunk)
    return b"".join(chunks)


def _fault(exc: Exception) -> str:
    """What went wrong, in words of our own and at most a short excerpt of anything the remote said."""
    return f"{exc.__class__.__name__}: {excerpt(str(exc), 200)}"


def _reason(response: httpx.Response, content: bytes) -> str:
    """A short excerpt of the TAXII error's title or description if the body has one, else the status phrase.

    The server is not trusted: what it says is cut and stripped of control characters before it
    reaches a feed's status, where others read it.
    """
    phrase = excerpt(response.reason_phrase, 60)
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return phrase
    if isinstance(body, dict):
        return excerpt(str(body.get("description") or body.get("title") or phrase), 120)
    return phrase

"""TAXII 2.1 media types and content negotiation (RFC 9110 Accept / Content-Type)."""

from __future__ import annotations

from gotong.core.media import TAXII_MEDIA_TYPE
from gotong.errors import GotongError

__all__ = ["TAXII_MEDIA_TYPE", "NotAcceptable", "UnsupportedMediaType", "check_accept", "check_content_type"]


class NotAcceptable(GotongError):
    status = 406
    title = "Not acceptable"


class UnsupportedMediaType(GotongError):
    status = 415
    title = "Unsupported media type"


_TAXII_KIND = TAXII_MEDIA_TYPE.partition(";")[0]


def _parse(media: str) -> tuple[str, dict[str, str]]:
    kind, *params = [p.strip() for p in media.split(";")]
    parsed = {}
    for param in params:
        key, _, value = param.partition("=")
        parsed[key.strip().lower()] = value.strip().strip('"')
    return kind.lower(), parsed


def _is_taxii(kind: str, params: dict[str, str]) -> bool:
    return kind == _TAXII_KIND and params.get("version", "2.1") == "2.1"


def check_accept(accept: str | None) -> None:
    """Refuse (406) an Accept header that admits no TAXII 2.1 response; a missing header admits all."""
    if not accept or not accept.strip():
        return
    for media in accept.split(","):
        kind, params = _parse(media)
        if params.get("q") in {"0", "0.0", "0.00", "0.000"}:
            continue
        if kind in {"*/*", "application/*"} or _is_taxii(kind, params):
            return
    raise NotAcceptable(
        f"this server answers with {TAXII_MEDIA_TYPE}; the Accept header {accept!r} refuses it"
    )


def check_content_type(content_type: str | None) -> None:
    """Refuse (415) a request body that is not a TAXII 2.1 envelope."""
    if content_type:
        kind, params = _parse(content_type)
        if _is_taxii(kind, params):
            return
    sent = f"not {content_type!r}" if content_type else "the request had no Content-Type"
    raise UnsupportedMediaType(f"send the envelope as {TAXII_MEDIA_TYPE}; {sent}")

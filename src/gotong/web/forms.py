"""What every page form shares: a record's TLP as its badge shows it, and a domain verb's refusal
turned into problems named by the form's fields (shown next to each field and in the summary)."""

from __future__ import annotations

from pydantic import ValidationError

from gotong.errors import GotongError, Invalid
from gotong.sharing.tlp import TLP


def tlp_label(text: str) -> str:
    """A record's TLP as its badge shows it (``amber`` -> ``TLP:AMBER``); unknown text as it is."""
    try:
        return TLP.parse(text).label
    except Invalid:
        return text


def problems_of(exc: ValidationError | GotongError, fields: set[str], fallback: str) -> dict[str, str]:
    """A verb's refusal as problems by field: a message that starts with a field's name goes next to
    that field; any other message goes next to ``fallback``."""
    if isinstance(exc, ValidationError):
        found: dict[str, str] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else fallback
            found.setdefault(name if name in fields else fallback, str(error["msg"]))
        return found
    head, _, rest = exc.message.partition(":")
    name = head.strip().split(".")[-1] if rest else ""
    if name in fields:
        return {name: rest.strip().capitalize()}
    return {fallback: exc.message[:1].upper() + exc.message[1:]}

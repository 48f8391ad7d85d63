"""The one place that calls MISP's own converter, misp-stix, in both directions.

misp-stix knows MISP's ~190 attribute types and ~300 object templates, and its STIX output carries what
it needs to rebuild the MISP event (``misp:type=...`` labels, ``x-misp-*`` objects), which is why Gotong
uses it rather than a mapping of its own. This module only hands it plain JSON and returns plain JSON with
the errors it recorded; checking its input and output is the job of ``event_checks`` and ``event_to_stix``.
"""

from __future__ import annotations

import json
import logging
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from types import SimpleNamespace
from typing import Any

__all__ = ["MISP_PRODUCER_LABEL", "event_of_stix21", "stix21_of_event"]

# misp-stix labels the report or grouping it makes of an event with this; its own STIX -> MISP parser
# (the one that restores MISP attributes exactly) is the right one for content carrying it.
MISP_PRODUCER_LABEL = 'misp:tool="MISP-STIX-Converter"'
_BUNDLE_NAMESPACE = uuid.UUID("0e3c8a51-9f4d-5b62-8a7e-3d1c5b9f2a46")


@cache
def _misp_stix() -> SimpleNamespace:
    """misp-stix and stix2, imported when first converting: loading them (with misp-stix's STIX 1
    stack, PyMISP and its warning lists) takes seconds that a node's start and every command would
    otherwise pay, converting or not."""
    with warnings.catch_warnings():
        # Loading misp-stix loads its STIX 1 stack (mixbox, cybox, lxml through six), whose import-time
        # ImportWarnings and DeprecationWarnings are not ours to fix; silenced for this import only.
        warnings.simplefilter("ignore")
        import stix2
        from misp_stix_converter import (  # type: ignore[import-untyped]
            ExternalSTIX2toMISPParser,
            InternalSTIX2toMISPParser,
            MISPtoSTIX21Parser,
        )
    return SimpleNamespace(
        parse=stix2.parse,
        external=ExternalSTIX2toMISPParser,
        internal=InternalSTIX2toMISPParser,
        to_stix21=MISPtoSTIX21Parser,
    )


class _Captured(logging.Handler):
    """PyMISP's log records while misp-stix runs: they are messages about the event, for the problem
    lines, not multi-line warnings for the terminal."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.messages.append(" ".join(record.getMessage().split()))


@contextmanager
def _pymisp_captured() -> Iterator[_Captured]:
    logger = logging.getLogger("pymisp")
    handler = _Captured()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def stix21_of_event(event: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """misp-stix's STIX 2.1 objects for one (checked) MISP event, and the errors and warnings it (and
    PyMISP under it) recorded on the way, one line each (most name the uuid of the item they are about)."""
    with _pymisp_captured() as captured:
        parser = _misp_stix().to_stix21()
        parser.parse_misp_event({"Event": dict(event)})
    objects: list[dict[str, Any]] = json.loads(parser.bundle.serialize())["objects"]
    return objects, _messages(parser.errors) + _messages(parser.warnings) + captured.messages


def event_of_stix21(objects: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """One MISP event (the inner dict) rebuilt from STIX 2.1 objects, and the errors misp-stix recorded."""
    ids = sorted(str(o.get("id")) for o in objects)
    misp_stix = _misp_stix()
    bundle = misp_stix.parse(
        {
            "type": "bundle",
            "id": f"bundle--{uuid.uuid5(_BUNDLE_NAMESPACE, '|'.join(ids))}",
            "objects": [dict(o) for o in objects],
        },
        allow_custom=True,
    )
    from_misp = any(MISP_PRODUCER_LABEL in (o.get("labels") or ()) for o in objects)
    parser = misp_stix.internal() if from_misp else misp_stix.external()
    with _pymisp_captured() as captured:
        parser.load_stix_bundle(bundle)
        parser.parse_stix_bundle(single_event=True)
        event: dict[str, Any] = json.loads(parser.misp_event.to_json())
    return event, _messages(parser.errors) + captured.messages


def _messages(recorded: Mapping[str, Sequence[str]]) -> list[str]:
    """Each message on one line; of one with a traceback, its first and last lines."""
    out = []
    for messages in recorded.values():
        for message in messages:
            lines = [line.strip() for line in str(message).splitlines() if line.strip()]
            if any(line.startswith('File "') for line in lines):
                lines = [lines[0], lines[-1]]
            if lines:
                out.append(" ".join(lines))
    return out

"""Only real losses are reported, one line each: PE and PE-section objects whose data misp-stix keeps
inside the file object are no "skipped" item, and PyMISP's multi-line
validation warnings never reach stderr (regressions of issue 12, item 6)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gotong.feeds.misp import misp_event_to_stix, read_misp_feed
from tests.conftest import SHARED_DATA

FEED = SHARED_DATA / "misp-feed-sample"
WITH_PE = ["5c066053-0e94-46eb-9746-4b7d950d210f", "5c0661f7-77a0-4ec9-bdcf-d447950d210f"]


def _objects_named(event: dict[str, Any], *names: str) -> list[dict[str, Any]]:
    return [o for o in event.get("Object", []) if o.get("name") in names]


def test_pe_objects_are_kept_not_reported_skipped() -> None:
    for event_uuid in WITH_PE:
        source = json.loads((FEED / f"{event_uuid}.json").read_text("utf-8"))
        pe = _objects_named(source["Event"], "pe", "pe-section")
        assert pe, "the sample's shape: PE objects under file objects"
        converted = misp_event_to_stix(source)
        assert converted.problems == []
        text = json.dumps(converted.objects)
        kept = [a["value"] for o in pe for a in o["Attribute"] if a["type"] in ("sha256", "text")]
        assert kept and all(json.dumps(v)[1:-1] in text for v in kept), "their data is in the file objects"


def test_the_one_real_loss_of_the_feed_is_one_line_and_stderr_stays_quiet(
    capfd: pytest.CaptureFixture[str],
) -> None:
    problems = [p for _, converted in read_misp_feed(FEED) for p in converted.problems]
    out, err = capfd.readouterr()
    assert (out, err) == ("", ""), "no raw PyMISP warning reaches the terminal"
    [problem] = problems  # the positive control: the broken ssdeep is still reported
    assert "(ssdeep)" in problem and "Invalid SSDeep hash" in problem and "\n" not in problem

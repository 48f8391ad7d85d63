"""The knowledge files of data/incidents: consistent among themselves and with their sources."""

from __future__ import annotations

import json

import pytest

from gotong.errors import Invalid
from gotong.incidents import models
from gotong.incidents.models import CaseStatus, allowed_next, closes, regional_severity
from tests.conftest import SHARED_DATA


def test_every_status_is_reachable_from_new_and_only_ending_statuses_are_final() -> None:
    reached, todo = {models.INITIAL_STATUS}, [models.INITIAL_STATUS]
    while todo:
        for nxt in allowed_next(todo.pop()):
            if nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    assert reached == set(CaseStatus)
    assert {s for s in CaseStatus if not allowed_next(s)} == {s for s in CaseStatus if closes(s)}
    assert {s for s in CaseStatus if closes(s)} == {CaseStatus.CLOSED, CaseStatus.REJECTED}


def test_each_asean_member_has_a_scale_and_every_scale_maps_into_0_to_4() -> None:
    assert set(models._MEMBER_SCALE) == {"BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"}
    for scale, levels in models._SCALES.items():
        assert set(levels.values()) <= set(models.SEVERITY_LEVELS), scale
    assert sorted(models.SEVERITY_LEVELS) == [0, 1, 2, 3, 4]


def test_national_levels_map_onto_the_regional_scale() -> None:
    assert regional_severity(level="5", scale="nciss") == 4
    assert regional_severity(level="Yellow", scale="eu-impact") == 2
    assert regional_severity(level="3", country="TH") == 3  # Thailand reports on the regional scale
    with pytest.raises(Invalid, match="not a level of the nciss scale"):
        regional_severity(level="9", scale="nciss")
    with pytest.raises(Invalid, match="unknown severity scale"):
        regional_severity(level="1", scale="richter")


def test_nis2_sectors_are_exactly_the_taxonomys() -> None:
    taxonomy = json.loads((SHARED_DATA / "misp-taxonomies" / "nis2" / "machinetag.json").read_text())
    values = next(v for v in taxonomy["values"] if v["predicate"] == "impact-sectors-impacted")
    assert {e["value"]: e["expanded"] for e in values["entry"]} == models.SECTORS


def test_determination_follows_the_schema_and_reads_the_specifications_confirmed() -> None:
    assert models.determination_of("confirmed") == models.Determination.SUCCESSFUL_ATTEMPT
    assert models.determination_of("low-value") == models.Determination.LOW_VALUE
    with pytest.raises(Invalid, match="unknown determination"):
        models.determination_of("maybe")


def test_the_public_interface_is_pinned() -> None:
    import gotong.incidents as incidents

    assert sorted(incidents.__all__) == sorted(
        [
            "Acknowledgement", "CASE_EXTENSION_ID", "PAP", "SEVERITY_LEVELS", "CaseCreate", "CaseFilter",
            "CasePublic",
            "CaseStatus", "CaseUpdate", "ClockBreached", "ClockCounts", "ClockEscalated", "ClockPublic",
            "ClockState", "LadderError", "change_severity", "escalate_clocks", "load_ladder",
            "Determination", "EntryPublic", "EventCreate", "EventKind", "ImpactCategory", "ImpactCreate",
            "Participant", "ParticipantRole", "TaskCreate", "TaskOutcome", "TaskUpdate", "acknowledge_case",
            "add_event", "add_impact", "add_task", "allowed_next", "breached_clocks", "case_clocks",
            "case_from_alert", "check_clocks", "clock_counts", "get_case", "list_cases",
            "list_cases_with_entries",
            "open_case", "sitrep", "update_case",
            "update_task",
        ]
    )  # fmt: skip
    assert all(hasattr(incidents, name) for name in incidents.__all__)

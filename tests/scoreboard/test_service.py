"""The scoreboard over a scripted world: exact medians, attribution, exercises, published detail."""

from __future__ import annotations

import pytest

from gotong import scoreboard
from gotong.core.auth import Role
from gotong.errors import Forbidden
from gotong.scoreboard import ScoreboardSettingsUpdate
from gotong.stix.timestamps import format_micros
from tests.maturity.conftest import levels, published
from tests.scoreboard.conftest import HOUR, PERIOD, T0, World


def _script(world: World) -> dict[str, list[str]]:
    thai = [
        world.share("ThaiCERT", at=T0 + 1 * HOUR, seen_before=1 * HOUR),
        world.share("ThaiCERT", at=T0 + 2 * HOUR, seen_before=2 * HOUR),
        world.share("ThaiCERT", at=T0 + 3 * HOUR, seen_before=6 * HOUR),
    ]
    my = [
        world.share("MyCERT", at=T0 + 4 * HOUR, seen_before=HOUR // 6),
        world.share("MyCERT", at=T0 + 5 * HOUR, seen_before=HOUR // 2),
    ]
    anonymous = [world.share("MyCERT", at=T0 + 6 * HOUR, seen_before=60_000_000, through_hub=True)]
    exercise = [world.share("ThaiCERT", at=T0 + 7 * HOUR, seen_before=HOUR, x_gotong_exercise=True)]
    world.retrieve("MyCERT", thai[:2], at=T0 + 8 * HOUR)
    return {"thai": thai, "my": my, "anonymous": anonymous, "exercise": exercise}


def _org(board: scoreboard.ScoreboardPublic, name: str) -> scoreboard.OrgScore:
    return next(o for o in board.organisations if o.org == name)


def test_medians_and_percentiles_are_exact(world: World) -> None:
    _script(world)
    board = scoreboard.scoreboard(world.engine, actor=world.principal("ThaiCERT"), period=PERIOD)
    thai = _org(board, "ThaiCERT")
    delays = thai.timeliness.first_seen_to_submission
    assert (delays.count, delays.median_seconds, delays.p90_seconds) == (3, 7200.0, 21600.0)
    assert thai.volume.objects == 3 and thai.volume.by_tlp == {"TLP:GREEN": 3}
    assert thai.timeliness.submission_to_readable.median_seconds == 0.0
    # The region: 3 + 2 + 1 through the hub, 6 in all; the exercise left out.
    assert board.region.volume.objects == 6
    assert board.region.through_hub == 1
    assert thai.volume.regional_share == 0.5


def test_exercise_marked_objects_never_count(world: World) -> None:
    ids = _script(world)
    for org in ("ThaiCERT", "MyCERT", "ASEAN-CERT"):
        board = scoreboard.scoreboard(world.engine, actor=world.principal(org, Role.ADMIN), period=PERIOD)
        counted = board.region.volume.objects
        assert counted == 6, org
    # Positive control: the same object without the mark counts.
    world.share("ThaiCERT", at=T0 + 9 * HOUR, seen_before=HOUR, x_gotong_exercise=False)
    board = scoreboard.scoreboard(world.engine, actor=world.principal("ThaiCERT"), period=PERIOD)
    assert _org(board, "ThaiCERT").volume.objects == 4
    assert ids["exercise"]


def test_anonymous_submission_counts_only_for_its_submitter_and_the_hub(world: World) -> None:
    _script(world)
    own = scoreboard.scoreboard(world.engine, actor=world.principal("MyCERT"), period=PERIOD)
    assert _org(own, "MyCERT").volume.objects == 3  # the submitter's own view: attributed
    assert own.region.through_hub == 0
    hub = scoreboard.scoreboard(world.engine, actor=world.principal("ASEAN-CERT", Role.ADMIN), period=PERIOD)
    assert _org(hub, "MyCERT").volume.objects == 3
    assert {o.org for o in hub.organisations} >= {"ThaiCERT", "MyCERT", "SingCERT"}
    # Anybody else: MyCERT publishes its detail, and ThaiCERT sees 2, the third only "through the hub".
    scoreboard.update_scoreboard_settings(
        world.engine,
        actor=world.principal("MyCERT", Role.COORDINATOR),
        change=ScoreboardSettingsUpdate(publish=True),
    )
    other = scoreboard.scoreboard(world.engine, actor=world.principal("ThaiCERT"), period=PERIOD)
    assert _org(other, "MyCERT").volume.objects == 2
    assert other.region.through_hub == 1
    assert other.position.peer_objects == [3, 2]
    assert own.position.peer_objects == [3, 3]


def test_a_member_sees_no_other_detail_unless_published(world: World) -> None:
    _script(world)
    thai = world.principal("ThaiCERT")
    board = scoreboard.scoreboard(world.engine, actor=thai, period=PERIOD)
    assert [o.org for o in board.organisations] == ["ThaiCERT"]
    with pytest.raises(Forbidden):
        scoreboard.scoreboard(world.engine, actor=thai, period=PERIOD, org="MyCERT")
    scoreboard.update_scoreboard_settings(
        world.engine,
        actor=world.principal("MyCERT", Role.ADMIN),
        change=ScoreboardSettingsUpdate(publish=True),
    )
    shown = scoreboard.scoreboard(world.engine, actor=thai, period=PERIOD, org="MyCERT")
    assert [o.org for o in shown.organisations] == ["MyCERT"]
    assert shown.organisations[0].published


def test_reciprocity_and_the_matrix(world: World) -> None:
    _script(world)
    my = scoreboard.scoreboard(world.engine, actor=world.principal("MyCERT"), period=PERIOD)
    mine = _org(my, "MyCERT").reciprocity
    assert (mine.contributed, mine.consumed, mine.consumed_by_channel) == (3, 2, {"taxii": 2})
    cells = scoreboard.matrix(world.engine, actor=world.principal("ThaiCERT"), period=PERIOD).cells
    assert [(c.source, c.reader, c.tlp, c.objects) for c in cells] == [("ThaiCERT", "MyCERT", "TLP:GREEN", 2)]
    # A member that is neither side sees no cell while the two have not both published.
    assert scoreboard.matrix(world.engine, actor=world.principal("SingCERT"), period=PERIOD).cells == []
    for org in ("ThaiCERT", "MyCERT"):
        scoreboard.update_scoreboard_settings(
            world.engine,
            actor=world.principal(org, Role.ADMIN),
            change=ScoreboardSettingsUpdate(publish=True),
        )
    assert len(scoreboard.matrix(world.engine, actor=world.principal("SingCERT"), period=PERIOD).cells) == 1


def test_capacity_adjusted_by_team_size(world: World) -> None:
    _script(world)
    scoreboard.update_scoreboard_settings(
        world.engine,
        actor=world.principal("ThaiCERT", Role.ADMIN),
        change=ScoreboardSettingsUpdate(team_size=10),
    )
    thai = _org(
        scoreboard.scoreboard(world.engine, actor=world.principal("ThaiCERT"), period=PERIOD), "ThaiCERT"
    )
    assert (thai.capacity.source, thai.capacity.units, thai.capacity.objects_per_unit) == (
        "team-size",
        2.0,
        1.5,
    )


def test_settings_need_a_manager(world: World) -> None:
    with pytest.raises(Forbidden):
        scoreboard.update_scoreboard_settings(
            world.engine, actor=world.principal("ThaiCERT"), change=ScoreboardSettingsUpdate(publish=True)
        )


def test_periods() -> None:
    now = T0
    assert scoreboard.parse_period("quarter", now=now).label == "2035-Q1"
    assert (
        scoreboard.parse_period("2026-01-01..2026-01-31", now=now).ends_at
        == scoreboard.parse_period("2026-01", now=now).ends_at
    )
    assert scoreboard.previous_period("quarter", now=now).label == "2034-Q4"
    assert scoreboard.previous_period("month", now=now).label == "2035-02"


def test_the_series_counts_what_each_period_s_scoreboard_counts(world: World) -> None:
    """``shared_counts`` (the page's chart over time) agrees with the full board of each period, for
    the submitter, another member and the hub, with an anonymous and an AMBER+STRICT object shared."""
    _script(world)
    world.share("MyCERT", at=T0 + 30 * 24 * HOUR, seen_before=HOUR)  # the next month
    world.share("ThaiCERT", at=T0 + 31 * 24 * HOUR, seen_before=HOUR, tlp="amber+strict")
    periods = ["2035-02", PERIOD, "2035-04"]
    for org, role in (("MyCERT", Role.ANALYST), ("ThaiCERT", Role.ANALYST), ("ASEAN-CERT", Role.ADMIN)):
        actor = world.principal(org, role)
        series = scoreboard.shared_counts(world.engine, actor=actor, periods=periods)
        boards = [scoreboard.scoreboard(world.engine, actor=actor, period=p) for p in periods]
        assert series == [
            (b.period.label, b.region.volume.objects, b.position.own_objects) for b in boards
        ], org
    # Positive control: the periods differ, so a series of equal counts would not pass by chance.
    mine = scoreboard.shared_counts(world.engine, actor=world.principal("MyCERT"), periods=periods)
    assert mine[0][1] == 0 and mine[1][2] == 3 and mine[2][2] == 1


def test_capacity_by_maturity_tier_only_for_viewers_who_see_the_assessment(world: World) -> None:
    """ThaiCERT's tier (Advanced: 1.5 units) counts for ThaiCERT and the hub, who see its assessment;
    MyCERT, shown ThaiCERT's published detail but not its assessment, gets the next source (the team
    size), so the units never tell it the tier."""
    _script(world)
    scoreboard.update_scoreboard_settings(
        world.engine,
        actor=world.principal("ThaiCERT", Role.ADMIN),
        change=ScoreboardSettingsUpdate(team_size=10, publish=True),
    )
    published(world.engine, "ThaiCERT", levels(4), tlp="amber+strict")
    for viewer, expected in (("ThaiCERT", ("maturity-tier", 1.5)), ("ASEAN-CERT", ("maturity-tier", 1.5))):
        board = scoreboard.scoreboard(world.engine, actor=world.principal(viewer), period=PERIOD)
        thai = _org(board, "ThaiCERT")
        assert (thai.capacity.source, thai.capacity.units) == expected, viewer
        assert thai.capacity.objects_per_unit == 2.0
    board = scoreboard.scoreboard(world.engine, actor=world.principal("MyCERT"), period=PERIOD)
    thai = _org(board, "ThaiCERT")
    assert (thai.capacity.source, thai.capacity.units) == ("team-size", 2.0)


def test_decay_adjusted_quality_is_the_mean_freshness_at_the_periods_end(world: World) -> None:
    """The period 2035-03 ends 22 days after T0. An indicator first seen at T0 with no valid_until
    lives 30 days (data/scoreboard/decay.toml): 1 - 22/30 left. One valid for 44 days: 1 - 22/44.
    One already past its valid_until: 0. The mean of the three, per member and for the region."""
    day = 24 * HOUR
    world.share("ThaiCERT", at=T0 + HOUR, seen_before=HOUR)
    world.share("ThaiCERT", at=T0 + 2 * HOUR, seen_before=2 * HOUR, valid_until=format_micros(T0 + 44 * day))
    world.share("ThaiCERT", at=T0 + 3 * HOUR, seen_before=3 * HOUR, valid_until=format_micros(T0 + 10 * day))
    board = scoreboard.scoreboard(world.engine, actor=world.principal("ThaiCERT"), period=PERIOD)
    expected = round(((1 - 22 / 30) + (1 - 22 / 44) + 0) / 3, 4)
    assert _org(board, "ThaiCERT").quality.decay_adjusted == expected
    assert board.region.quality.decay_adjusted == expected
    # Nothing shared, nothing to judge: no figure rather than a zero.
    empty = scoreboard.scoreboard(world.engine, actor=world.principal("ThaiCERT"), period="2035-05")
    assert empty.region.quality.decay_adjusted is None


def test_alert_acknowledgement_times_only_over_alerts_the_viewer_knows(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ThaiCERT acknowledges at T0 + 4 h: its responsiveness counts the time from the alert's raising
    in its own view; LaoCERT, which cannot know of the alert (it sees the Malaysian half), counts none."""
    from gotong.correlation import acknowledge_alert, alerts_of
    from gotong.correlation import service as correlation_service
    from gotong.db.engine import read_connection, write_transaction
    from gotong.stix.timestamps import micros_of

    pattern = "[ipv4-addr:value = '198.51.100.7']"
    world.share("ThaiCERT", at=T0 + HOUR, seen_before=HOUR, tlp="red", pattern=pattern)
    world.share("MyCERT", at=T0 + 2 * HOUR, seen_before=HOUR, pattern=pattern)
    thai = world.principal("ThaiCERT")
    with read_connection(world.engine) as conn:
        [alert] = alerts_of(conn, actor=thai)
    monkeypatch.setattr(correlation_service, "now_micros", lambda: T0 + 4 * HOUR)
    with write_transaction(world.engine) as conn:
        acknowledge_alert(conn, actor=thai, alert_id=alert.id)
    own = scoreboard.scoreboard(world.engine, actor=thai, period=PERIOD)
    delay = (T0 + 4 * HOUR - micros_of(alert.raised_at)) / 1_000_000
    assert delay > 0
    assert (own.region.responsiveness.alerts.count, own.region.responsiveness.alerts.median_seconds) == (
        1,
        delay,
    )
    lao = scoreboard.scoreboard(world.engine, actor=world.principal("LaoCERT"), period=PERIOD)
    assert lao.region.responsiveness.alerts.count == 0

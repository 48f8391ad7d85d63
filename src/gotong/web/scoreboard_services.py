"""The service calls behind the scoreboard page. Each calls ``gotong.scoreboard`` verbs, which decide
what the reader may see; what is left here is the page's series over time and the peer chart's rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from gotong import scoreboard
from gotong.core.auth import Principal
from gotong.core.permissions import MANAGERS
from gotong.errors import Invalid
from gotong.scoreboard import ScoreboardPublic, ScoreboardSettingsPublic, ScoreboardSettingsUpdate
from gotong.stix.timestamps import now_micros
from gotong.web.services import FormInvalid, signed_in

MONTHS = 6


@dataclass(frozen=True)
class ScoreboardPage:
    board: ScoreboardPublic
    series: list[tuple[str, int, int]]  # (month, the region's objects, yours)
    peers: list[tuple[str, int]]
    settings: ScoreboardSettingsPublic
    may_manage: bool


def page(engine: Engine, *, actor: Principal, period: str) -> ScoreboardPage:
    signed_in(actor)
    try:
        board = scoreboard.scoreboard(engine, actor=actor, period=period or "month")
    except Invalid as exc:
        raise FormInvalid({"period": exc.message}) from None
    months = []
    month = scoreboard.parse_period("month", now=now_micros())
    for _ in range(MONTHS):
        months.append(month.label)
        month = scoreboard.previous_period("month", now=month.starts_at)
    series = scoreboard.shared_counts(engine, actor=actor, periods=list(reversed(months)))
    position = board.position
    peers = []
    own_counted = False
    for index, count in enumerate(position.peer_objects, start=1):
        if not own_counted and count == position.own_objects and position.rank is not None:
            peers.append((f"You ({board.viewer})", count))
            own_counted = True
        else:
            peers.append((f"Member {index}", count))
    return ScoreboardPage(
        board=board,
        series=series,
        peers=peers,
        settings=scoreboard.scoreboard_settings_of(engine, actor=actor),
        may_manage=actor.role in MANAGERS,
    )


def update_settings(engine: Engine, *, actor: Principal, publish: str, team_size: str) -> None:
    signed_in(actor)
    size: int | None = None
    if team_size.strip():
        try:
            size = int(team_size)
        except ValueError:
            raise FormInvalid({"team_size": "write the number of people in the team"}) from None
        if not 1 <= size <= 10_000:
            raise FormInvalid({"team_size": "between 1 and 10000 people"})
    change = ScoreboardSettingsUpdate(publish=publish == "yes", team_size=size)
    scoreboard.update_scoreboard_settings(engine, actor=actor, change=change)

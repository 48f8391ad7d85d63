"""The sharing scoreboard: volume, timeliness, quality, reciprocity and responsiveness per member and
for the region, per period, over what the asker may see; exercise-marked objects never count.
Other domains and the adapters use only this module."""

from gotong.scoreboard.capacity import Capacity, CapacitySource, capacity_of, register_capacity
from gotong.scoreboard.periods import Period, parse_period, previous_period
from gotong.scoreboard.records import EXERCISE_PROPERTY, is_exercise
from gotong.scoreboard.schemas import (
    MatrixPublic,
    OrgScore,
    ScoreboardPublic,
    ScoreboardSettingsPublic,
    ScoreboardSettingsUpdate,
)
from gotong.scoreboard.service import (
    matrix,
    scoreboard,
    scoreboard_settings_of,
    shared_counts,
    update_scoreboard_settings,
)

__all__ = [
    "EXERCISE_PROPERTY",
    "Capacity",
    "CapacitySource",
    "MatrixPublic",
    "OrgScore",
    "Period",
    "ScoreboardPublic",
    "ScoreboardSettingsPublic",
    "ScoreboardSettingsUpdate",
    "capacity_of",
    "is_exercise",
    "matrix",
    "parse_period",
    "previous_period",
    "register_capacity",
    "scoreboard",
    "scoreboard_settings_of",
    "shared_counts",
    "update_scoreboard_settings",
]

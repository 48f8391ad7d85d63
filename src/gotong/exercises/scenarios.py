"""Scenarios as data: the shape of a drill (narrative, objectives, injects with their offsets, targets,
channel, content and expectations with time limits and points), read from ``data/exercises/*.json``
once, and imported or exported as the same JSON.

Nothing here runs a drill: ``service.py`` makes exercises from scenarios; ``scoring.py`` scores them.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gotong.errors import Invalid

__all__ = [
    "ALL",
    "Channel",
    "Expectation",
    "ExpectationKind",
    "Inject",
    "Objective",
    "Scenario",
    "ScenarioKind",
    "parse_scenario",
    "shipped_scenarios",
]

ALL = "all"
"""The target that stands for every participant of the exercise."""
_SLUG = r"^[a-z0-9][a-z0-9-]{0,62}$"


class Channel(StrEnum):
    """How an inject reaches a participant: an object in the exercise collection, a reachability
    check of its 24/7 desk through the contact directory, or an e-mail to its 24/7 desk (with the
    object in the collection too, which the desk acknowledges)."""

    EXERCISE_COLLECTION = "exercise-collection"
    CONTACT_CHECK = "contact-check"
    EMAIL = "email"


class ScenarioKind(StrEnum):
    """What sort of drill a scenario is: a live drill answered through the platform, a tabletop (its
    expectations mostly scored by evaluators against the published rubric), or a communication check."""

    DRILL = "drill"
    TABLETOP = "tabletop"
    COMMUNICATION_CHECK = "communication-check"


class ExpectationKind(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    SHARE_INDICATOR = "share-indicator"
    ANSWER_CONTACT_CHECK = "answer-contact-check"
    MANUAL = "manual"


_OBSERVABLE_ON = {
    ExpectationKind.ACKNOWLEDGE: frozenset({Channel.EXERCISE_COLLECTION, Channel.EMAIL}),
    ExpectationKind.SHARE_INDICATOR: frozenset({Channel.EXERCISE_COLLECTION, Channel.EMAIL}),
    ExpectationKind.ANSWER_CONTACT_CHECK: frozenset({Channel.CONTACT_CHECK}),
}


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IndicatorProperties(_Data):
    """What a shared indicator must carry to meet a share-indicator expectation."""

    pattern_contains: str = Field(min_length=1, max_length=500)
    indicator_types: list[str] = Field(default_factory=list, max_length=10)


class Expectation(_Data):
    id: str = Field(pattern=_SLUG)
    kind: ExpectationKind
    within_minutes: int = Field(ge=1, le=7 * 24 * 60)
    points: int = Field(ge=1, le=1000)
    rubric: str = Field(min_length=1, max_length=2000)
    properties: IndicatorProperties | None = None

    @model_validator(mode="after")
    def _properties(self) -> Self:
        if (self.kind == ExpectationKind.SHARE_INDICATOR) != (self.properties is not None):
            raise ValueError("properties are given for a share-indicator expectation, and only for it")
        return self


class Objective(_Data):
    id: str = Field(pattern=_SLUG)
    text: str = Field(min_length=1, max_length=1000)


class Inject(_Data):
    id: str = Field(pattern=_SLUG)
    offset_minutes: int = Field(ge=0, le=14 * 24 * 60, description="when it is sent, after the start")
    targets: list[str] = Field(min_length=1, max_length=50, description='"all" or short names')
    channel: Channel
    title: str = Field(min_length=1, max_length=300)
    content: str = Field(min_length=1, max_length=20_000)
    objective: str | None = None
    expectations: list[Expectation] = Field(default_factory=list, max_length=20)
    informational: bool = Field(
        default=False,
        description="an inject that only informs (a closing note): no expectation; reported unscored",
    )

    @model_validator(mode="after")
    def _expectations(self) -> Self:
        if self.informational and self.expectations:
            raise ValueError(f"inject {self.id}: an informational inject has no expectations")
        ids = [e.id for e in self.expectations]
        if len(ids) != len(set(ids)):
            raise ValueError(f"inject {self.id}: two expectations share an id")
        for e in self.expectations:
            needed = _OBSERVABLE_ON.get(e.kind)
            if needed is not None and self.channel not in needed:
                channels = " or ".join(sorted(needed))
                raise ValueError(
                    f"inject {self.id}: an expectation of kind {e.kind} needs the {channels} channel"
                )
        return self


class Scenario(_Data):
    id: str = Field(pattern=_SLUG)
    title: str = Field(min_length=1, max_length=300)
    version: str = Field(default="1.0", max_length=20)
    kind: ScenarioKind = ScenarioKind.DRILL
    severity: int | None = Field(
        default=None, ge=0, le=4, description="the regional severity level (0-4) the story plays at"
    )
    narrative: str = Field(min_length=1, max_length=20_000)
    objectives: list[Objective] = Field(default_factory=list, max_length=50)
    injects: list[Inject] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _refs(self) -> Self:
        ids = [i.id for i in self.injects]
        if len(ids) != len(set(ids)):
            raise ValueError("two injects share an id")
        objectives = {o.id for o in self.objectives}
        for inject in self.injects:
            if inject.objective is not None and inject.objective not in objectives:
                raise ValueError(f"inject {inject.id}: no objective {inject.objective!r}")
        return self

    def inject(self, inject_id: str) -> Inject:
        for inject in self.injects:
            if inject.id == inject_id:
                return inject
        raise Invalid(f"scenario {self.id} has no inject {inject_id!r}")

    def max_points(self) -> int:
        return sum(e.points for i in self.injects for e in i.expectations)


def parse_scenario(text: str | bytes | dict[str, object]) -> Scenario:
    """A scenario from its JSON, or :class:`Invalid` naming the first problems."""
    try:
        raw = json.loads(text) if isinstance(text, str | bytes) else text
        return Scenario.model_validate(raw)
    except json.JSONDecodeError as exc:
        raise Invalid(f"scenario: not JSON ({exc.msg} at line {exc.lineno})") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'scenario'}: {re.sub(r'^Value error, ', '', e['msg'])}"
            for e in exc.errors()[:3]
        )
        raise Invalid(f"scenario: {problems}") from None


@cache
def shipped_scenarios() -> dict[str, Scenario]:
    """The templates shipped with Gotong, by id."""
    folder = resources.files("gotong").joinpath("data/exercises")
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            scenario = parse_scenario(entry.read_text("utf-8"))
            found[scenario.id] = scenario
    return found

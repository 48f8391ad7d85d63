"""Request and response shapes of the playbooks domain. Requests forbid unknown fields."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gotong.incidents import ClockState

__all__ = [
    "PlaybookApply",
    "PlaybookImport",
    "PlaybookPublic",
    "PlaybookSummary",
    "RunClock",
    "RunPublic",
    "RunStep",
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlaybookImport(_Request):
    """A CACAO 2.0 document to store as a playbook version, and who may see it."""

    playbook: dict[str, Any] = Field(description="the CACAO 2.0 playbook, as JSON")
    collection: str = Field(min_length=1, max_length=100, description="collection id or alias")
    tlp: str = Field(default="green", description="clear, green, amber or amber+strict")
    sharing_group: str | None = Field(default=None, max_length=100, description="its audience")


class PlaybookApply(_Request):
    playbook: str = Field(min_length=1, max_length=200, description="the CACAO id (playbook--<UUID>)")
    version: str | None = Field(default=None, max_length=40, description="its modified; default: latest")


class PlaybookSummary(BaseModel):
    id: str = Field(description="the CACAO id, playbook--<UUID>")
    name: str
    description: str
    playbook_types: list[str]
    version: str = Field(description="the CACAO modified of this version")
    versions: list[str] = Field(description="every version you may see, oldest first")
    collection: str
    tlp: str
    audience: str | None = Field(description="the sharing group it is addressed to, if any")
    steps: int
    roles: list[str] = Field(description="the case roles that perform its steps")
    clocks: list[str] = Field(description="the clocks it starts")


class PlaybookPublic(PlaybookSummary):
    document: dict[str, Any]


class RunStep(BaseModel):
    step: str
    name: str
    role: str
    tasks: list[str]
    outcome: str | None


class RunClock(BaseModel):
    clock: str
    name: str
    party: str
    hours: float
    started: str
    due: str
    met: str | None
    state: ClockState


class RunPublic(BaseModel):
    """A playbook applied to a case: its steps so far, the clocks it started."""

    id: str
    case: str
    playbook: str
    version: str
    name: str
    applied_by: str
    applied: str
    finished: bool
    steps: list[RunStep]
    clocks: list[RunClock]

"""What the section providers share: tables of counts, the period's days, and whether the report's
audience may receive something marked at a TLP level (the sharing policy's own rule)."""

from __future__ import annotations

from collections import Counter

from gotong.core.auth import Principal
from gotong.reports.schemas import TablePublic
from gotong.scoreboard import Period
from gotong.sharing.policy import FieldVisibility, field_tlp, within_ceiling
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import format_micros, micros_of


def counts(caption: str, heading: str, counter: Counter[str]) -> TablePublic:
    return TablePublic(
        caption=caption, headers=[heading, "Number"], rows=[[k, str(n)] for k, n in sorted(counter.items())]
    )


def first_day(period: Period) -> str:
    return format_micros(period.starts_at)[:10]


def day_after(period: Period) -> str:
    """The first day after the period (its end is exclusive)."""
    return format_micros(period.ends_at)[:10]


def within(period: Period, stamp: str | None) -> bool:
    return stamp is not None and period.starts_at <= micros_of(stamp) < period.ends_at


def receives(actor: Principal, tlp: TLP) -> bool:
    """Whether the report's audience may receive something marked ``tlp``."""
    return actor.tlp_ceiling is None or within_ceiling(TLP(actor.tlp_ceiling), tlp)


def receives_hub_view(actor: Principal) -> bool:
    """Whether the audience may receive what only the hub is shown (every member's own figures)."""
    return receives(actor, field_tlp(FieldVisibility.HUB))


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"

"""The knowledge of budgets, read once from ``data/budgets/``: the categories a report gives amounts
for, the mandates (rules and phase-in trajectories), the rates the network records per member and
year, and the bands a member may publish instead of amounts. And the pure rules over them: converting
a report, and judging it against a mandate (met, on trajectory, below).

The domain owns no tables: a report and its published ranges are STIX objects (see ``objects.py``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from gotong.errors import Invalid, NotFound

__all__ = [
    "CATEGORIES",
    "Category",
    "ComplianceStatus",
    "Judgement",
    "Mandate",
    "Rate",
    "RuleKind",
    "amount_band",
    "judge",
    "mandates",
    "rate",
    "share_band",
]


def _load(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("gotong").joinpath(f"data/budgets/{name}").read_text("utf-8"))


class RuleKind(StrEnum):
    SHARE_OF_ICT_BUDGET = "share-of-ict-budget"
    SHARE_OF_GDP = "share-of-gdp"
    PER_CAPITA = "per-capita"
    CERT_FLOOR = "cert-floor"


class ComplianceStatus(StrEnum):
    MET = "met"
    ON_TRAJECTORY = "on-trajectory"
    BELOW = "below"


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    cert: bool


CATEGORIES: dict[str, Category] = {
    key: Category(id=key, label=str(c["label"]), cert=bool(c.get("cert", False)))
    for key, c in _load("categories.toml")["category"].items()
}


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    value: float


@dataclass(frozen=True)
class Mandate:
    id: str
    title: str
    adopted: str
    decision: str
    review_after_years: int
    rules: tuple[Rule, ...]
    trajectory: tuple[tuple[int, float], ...]
    member_trajectories: dict[str, tuple[tuple[int, float], ...]]

    def trajectory_for(self, country: str | None) -> tuple[tuple[int, float], ...]:
        return self.member_trajectories.get(country or "", self.trajectory)

    def due(self, country: str | None, year: int) -> float:
        """The fraction of each minimum due in ``year`` (0 before the trajectory starts)."""
        fraction = 0.0
        for start, share in self.trajectory_for(country):
            if start <= year:
                fraction = share
        return fraction


def _steps(raw: list[list[float]]) -> tuple[tuple[int, float], ...]:
    return tuple(sorted((int(y), float(f)) for y, f in raw))


@cache
def mandates() -> tuple[Mandate, ...]:
    """Every mandate of the data file, the one in force last."""
    return tuple(
        Mandate(
            id=str(m["id"]),
            title=str(m["title"]),
            adopted=str(m["adopted"]),
            decision=str(m["decision"]),
            review_after_years=int(m["review_after_years"]),
            rules=tuple(Rule(kind=RuleKind(r["kind"]), value=float(r["value"])) for r in m["rule"]),
            trajectory=_steps(m["trajectory"]["default"]),
            member_trajectories={k: _steps(v) for k, v in m["trajectory"].get("member", {}).items()},
        )
        for m in _load("mandates.toml")["mandate"]
    )


def in_force() -> Mandate:
    return mandates()[-1]


@dataclass(frozen=True)
class Rate:
    country: str
    year: int
    currency: str
    per_usd: float
    per_intl: float
    gdp: float
    population: int


_RATES = _load("rates.toml")["member"]


def rate(country: str | None, year: int) -> Rate:
    """The rates the network recorded for a member state and year; none recorded is refused."""
    member = _RATES.get(country or "")
    if member is None:
        raise NotFound(f"no rates are recorded for the country {country!r}")
    figures = member["year"].get(str(year))
    if figures is None:
        years = ", ".join(sorted(member["year"]))
        raise Invalid(f"year: no rates are recorded for {country} in {year}; recorded: {years}")
    return Rate(
        country=str(country),
        year=year,
        currency=str(member["currency"]),
        per_usd=float(figures["per_usd"]),
        per_intl=float(figures["per_intl"]),
        gdp=float(figures["gdp"]),
        population=int(figures["population"]),
    )


@dataclass(frozen=True)
class RuleResult:
    kind: RuleKind
    minimum_usd: float | None  # None: the base it is measured on was not reported
    due_usd: float | None
    actual_usd: float


@dataclass(frozen=True)
class Judgement:
    status: ComplianceStatus
    share: float  # the least share of a full minimum reached, over the rules (0 when unassessable)
    rules: tuple[RuleResult, ...]


def judge(
    mandate: Mandate,
    *,
    country: str | None,
    year: int,
    amounts: dict[str, int],
    government_ict_budget: int | None,
) -> Judgement:
    """A report's amounts (local currency) against the mandate in its year."""
    r = rate(country, year)
    total_usd = sum(amounts.values()) / r.per_usd
    cert_usd = sum(v for k, v in amounts.items() if CATEGORIES[k].cert) / r.per_usd
    fraction = mandate.due(country, year)
    results = []
    for rule in mandate.rules:
        actual = cert_usd if rule.kind == RuleKind.CERT_FLOOR else total_usd
        minimum: float | None
        if rule.kind == RuleKind.SHARE_OF_ICT_BUDGET:
            minimum = (
                None if government_ict_budget is None else rule.value * government_ict_budget / r.per_usd
            )
        elif rule.kind == RuleKind.SHARE_OF_GDP:
            minimum = rule.value * r.gdp / r.per_usd
        elif rule.kind == RuleKind.PER_CAPITA:
            minimum = rule.value * r.population
        else:
            minimum = rule.value
        due = None if minimum is None else minimum * fraction
        results.append(RuleResult(kind=rule.kind, minimum_usd=minimum, due_usd=due, actual_usd=actual))
    shares = [x.actual_usd / x.minimum_usd if x.minimum_usd else 0.0 for x in results]
    share = min(shares) if shares else 1.0
    if all(x.minimum_usd is not None and x.actual_usd >= x.minimum_usd for x in results):
        status = ComplianceStatus.MET
    elif all(x.due_usd is not None and x.actual_usd >= x.due_usd for x in results):
        status = ComplianceStatus.ON_TRAJECTORY
    else:
        status = ComplianceStatus.BELOW
    return Judgement(status=status, share=share, rules=tuple(results))


_BANDS = _load("bands.toml")


def _band(value: float, edges: list[float], show: Any) -> str:
    lower = None
    for edge in edges:
        if value < edge:
            return f"under {show(edge)}" if lower is None else f"{show(lower)} to {show(edge)}"
        lower = edge
    return f"{show(lower)} or more"


def _usd(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g} M USD"
    return f"{value / 1000:g} k USD"


def amount_band(total_usd: float) -> str:
    """The band a total lies in, e.g. ``1 M USD to 2.5 M USD``."""
    return _band(total_usd, [float(e) for e in _BANDS["amount_edges_usd"]], _usd)


def share_band(share: float) -> str:
    """The band of the mandate's minimum reached, e.g. ``50% to 75%``."""
    return _band(share, [float(e) for e in _BANDS["share_edges"]], lambda e: f"{round(e * 100)}%")

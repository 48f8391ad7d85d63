"""The situation report of a case as Markdown: status, timeline, tasks, impacts and clocks, built only
from the case and clocks as the reader sees them (``get_case`` and ``case_clocks``), so it holds
nothing the reader may not see. Not a PDF; not an HTML page (the page renders its own)."""

from __future__ import annotations

from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.incidents.clockwork import case_clocks
from gotong.incidents.schemas import CasePublic, ClockPublic, EntryPublic
from gotong.incidents.service import get_case

__all__ = ["sitrep"]


def sitrep(engine: Engine, *, actor: Principal, case_id: str, now: int | None = None) -> str:
    """A one-page Markdown situation report of a case the actor may see."""
    case = get_case(engine, actor=actor, case_id=case_id)
    return _markdown(case, case_clocks(engine, actor=actor, case_id=case_id, now=now))


def _markdown(case: CasePublic, clocks: list[ClockPublic]) -> str:
    parties = ", ".join(f"{p.org} ({p.role})" for p in case.participants) or "none"
    lines = [
        f"# Situation report: {case.title}",
        "",
        f"TLP:{case.tlp.upper()} · PAP:{case.pap.upper()} · `{case.id}`",
        "",
        f"- **Status:** {case.status} (since {case.status_history[-1].at})",
        f"- **Severity:** {case.severity} ({case.severity_name})",
        f"- **Lead:** {case.lead}; participants: {parties}",
    ]
    if case.description:
        lines += ["", case.description]
    lines += ["", "## Timeline", ""]
    timeline = [
        (c.at, f"status {c.status} by {c.by}" + (f": {c.reason}" if c.reason else ""))
        for c in case.status_history
    ]
    timeline += [(e.created, _entry(e)) for e in case.events]
    lines += [f"- {at}  {what}" for at, what in sorted(timeline)]
    lines += _section("Tasks", [f"{_entry(t)} ({t.object.get('outcome', 'pending')})" for t in case.tasks])
    lines += _section("Impacts", [_entry(i) for i in case.impacts])
    lines += _section(
        "Clocks",
        [
            f"{c.party} ({c.role}), {c.name}: **{c.state}**, due {c.due}"
            + (f", met {c.met}" if c.met else "")
            for c in clocks
        ],
    )
    return "\n".join(lines) + "\n"


def _entry(entry: EntryPublic) -> str:
    return f"[TLP:{entry.tlp.upper()}] {entry.name}"


def _section(title: str, items: list[str]) -> list[str]:
    return ["", f"## {title}", "", *([f"- {item}" for item in items] or ["None that you may see."])]

"""The service calls behind the norms pages, one function per page action, each taking ``actor``.
Each calls ``gotong.norms`` verbs, which check roles, the member rule and the sharing policy; what is
left here is reading the per-item form into the verb's update and naming refusals by form field.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError
from sqlalchemy import Engine

from gotong import norms
from gotong.core.auth import Principal
from gotong.errors import Conflict, Invalid
from gotong.web.forms import problems_of
from gotong.web.services import FormInvalid, signed_in

STATUSES: list[str] = [str(s) for s in norms.ItemStatus]


def catalogue(engine: Engine | None = None) -> list[norms.NormPublic]:
    """The data's catalogue; with ``engine``, the norms reports answer here: the catalogue's and the
    regional norms adopted by motion."""
    if engine is None:
        return norms.list_norms()
    return [n for n in norms.list_norms(engine) if n.status == "adopted"]


def overview(engine: Engine, *, actor: Principal) -> dict[str, object]:
    signed_in(actor)
    return {
        "catalogue": norms.list_norms(),
        "listed": norms.list_norms(engine),
        "reports": norms.list_reports(engine, actor=actor),
        "summaries": norms.list_summaries(engine, actor=actor),
        "proposals": norms.list_proposals(engine, actor=actor),
        "cycle_months": norms.catalogue().reporting_cycle_months,
    }


def file_report(engine: Engine, *, actor: Principal, cycle: str) -> str:
    signed_in(actor)
    try:
        made = norms.ReportCreate(cycle=cycle.strip() or None)
        return norms.create_report(engine, actor=actor, report=made).id
    except (ValidationError, Invalid, Conflict) as exc:
        if isinstance(exc, Conflict):
            raise FormInvalid({"cycle": exc.message}) from None
        raise FormInvalid(problems_of(exc, {"cycle"}, "cycle")) from None


def report(engine: Engine, *, actor: Principal, report_id: str) -> norms.ReportPublic:
    signed_in(actor)
    return norms.get_report(engine, actor=actor, report_id=report_id)


def save(engine: Engine, *, actor: Principal, report_id: str, posted: Mapping[str, str]) -> None:
    """Every item's status, narrative and evidence (one piece a line) from the form; the summary
    published when its box is ticked."""
    signed_in(actor)
    entries = []
    problems: dict[str, str] = {}
    for n in norms.answered_norms(engine):
        for item in n.items:
            status = posted.get(f"status-{item.id}", "")
            try:
                entries.append(
                    norms.EntryUpdate(
                        item=item.id,
                        status=status,
                        narrative=posted.get(f"narrative-{item.id}", "")[:10_000],
                        evidence=[e for e in posted.get(f"evidence-{item.id}", "").splitlines() if e.strip()][
                            :50
                        ],
                    )
                )
            except ValidationError:
                problems[f"status-{item.id}"] = f"Choose one of {', '.join(STATUSES)}"
    if problems:
        raise FormInvalid(problems)
    update = norms.ReportUpdate(entries=entries, publish_summary=posted.get("publish_summary") == "yes")
    try:
        norms.update_report(engine, actor=actor, report_id=report_id, update=update)
    except Invalid as exc:
        raise FormInvalid({"status-a1": exc.message}) from None


def propose(engine: Engine, *, actor: Principal, posted: Mapping[str, str]) -> str:
    """The proposal form: the norm's id, title, summary and one implementation item a line (named
    ``<norm>-1``, ``<norm>-2`` … in order); returns the proposal's id."""
    signed_in(actor)
    norm = posted.get("norm", "").strip().lower()
    lines = [line.strip() for line in posted.get("items", "").splitlines() if line.strip()]
    problems: dict[str, str] = {}
    if not lines:
        problems["items"] = "Write at least one implementation item, one a line"
    if not posted.get("title", "").strip():
        problems["title"] = "Enter the norm's title"
    if not posted.get("summary", "").strip():
        problems["summary"] = "Say what the norm asks of a member"
    if problems:
        raise FormInvalid(problems)
    fields = {"norm", "title", "summary", "items"}
    try:
        body = norms.ProposalCreate(
            norm=norm,
            title=posted.get("title", "").strip(),
            summary=posted.get("summary", "").strip(),
            items=[norms.ProposalItem(id=f"{norm}-{n}", text=t) for n, t in enumerate(lines[:30], start=1)],
        )
        return norms.propose_norm(engine, actor=actor, proposal=body).id
    except (ValidationError, Invalid) as exc:
        raise FormInvalid(problems_of(exc, fields, "norm")) from None

"""Evidence Gotong's own records offer for an implementation item, computed only over what the
reader may see (the domains' own query verbs apply the sharing policy).

* assistance (items ``d3`` and ``h2``): of the requests the member received in the cycle, how many
  were acknowledged and answered, the median hours from sending to each, and how many met their
  deadline;
* 24/7 contact (item ``k2``): the reachability record of the member's contacts.

Which items take which evidence is ``data/norms/evidence.toml``.
"""

from __future__ import annotations

import statistics
import tomllib
from collections.abc import Iterable
from functools import cache
from importlib import resources

from sqlalchemy import Engine

from gotong import assistance, contacts
from gotong.assistance import AssistancePublic
from gotong.core.auth import Principal
from gotong.norms.schemas import OfferedEvidence
from gotong.stix.timestamps import micros_of

__all__ = ["assistance_figures", "offered"]

_HOUR = 3600 * 1_000_000


@cache
def _sources() -> dict[str, str]:
    text = resources.files("gotong").joinpath("data/norms/evidence.toml").read_text("utf-8")
    return {item: str(source) for item, source in tomllib.loads(text)["evidence"].items()}


def _first(request: AssistancePublic, event: str) -> int | None:
    return next((micros_of(h.at) for h in request.history if h.event == event), None)


def _median_hours(values: list[int]) -> float | None:
    return round(statistics.median(values) / _HOUR, 2) if values else None


def assistance_figures(
    requests: Iterable[AssistancePublic], *, member: str, start: int, end: int
) -> dict[str, float | int | None]:
    """Response times of the requests ``member`` received (sent to it within [start, end))."""
    received = acknowledged = answered = ack_on_time = answer_on_time = 0
    to_ack: list[int] = []
    to_answer: list[int] = []
    for r in requests:
        sent = _first(r, "sent")
        if r.addressee != member or sent is None or not start <= sent < end:
            continue
        received += 1
        ack = _first(r, "acknowledged")
        answer = _first(r, "answered")
        if answer is None:
            answer = _first(r, "refused")
        if ack is not None:
            acknowledged += 1
            to_ack.append(ack - sent)
            if r.deadlines and ack <= micros_of(r.deadlines.acknowledge_by):
                ack_on_time += 1
        if answer is not None:
            answered += 1
            to_answer.append(answer - sent)
            if r.deadlines and answer <= micros_of(r.deadlines.answer_by):
                answer_on_time += 1
    return {
        "received": received,
        "acknowledged": acknowledged,
        "answered": answered,
        "acknowledged_on_time": ack_on_time,
        "answered_on_time": answer_on_time,
        "median_hours_to_acknowledge": _median_hours(to_ack),
        "median_hours_to_answer": _median_hours(to_answer),
    }


def _assistance_text(f: dict[str, float | int | None]) -> str:
    if not f["received"]:
        return "Gotong records no assistance request received in this cycle."
    parts = [
        f"{f['received']} assistance requests received in the cycle",
        f"{f['acknowledged']} acknowledged ({f['acknowledged_on_time']} on time, median "
        f"{f['median_hours_to_acknowledge']} h)",
        f"{f['answered']} answered ({f['answered_on_time']} on time, median {f['median_hours_to_answer']} h)",
    ]
    return "; ".join(parts) + " (Gotong assistance records)."


def offered(engine: Engine, *, actor: Principal, member: str, start: int, end: int) -> list[OfferedEvidence]:
    """The evidence the reader's view of Gotong's records offers for the member's report."""
    out: list[OfferedEvidence] = []
    wanted = _sources()
    if "assistance" in wanted.values():
        requests = assistance.list_requests(engine, actor=actor)
        figures = assistance_figures(requests, member=member, start=start, end=end)
        text = _assistance_text(figures)
        for item in sorted(i for i, s in wanted.items() if s == "assistance"):
            out.append(OfferedEvidence(item=item, source="assistance", text=text, figures=figures))
    if "contacts" in wanted.values():
        records = contacts.reachability(engine, actor=actor, org=member)
        rec = records[0] if records else None
        checks = rec.checks if rec else 0
        rate = rec.success_rate if rec else None
        text = (
            f"24/7 contact: {checks} reachability checks, "
            + (f"{round(rate * 100)}% answered" if rate is not None else "none decided yet")
            + (f", last answered {rec.last_success}" if rec and rec.last_success else "")
            + " (Gotong contact checks)."
        )
        figures_c: dict[str, float | int | None] = {
            "checks": checks,
            "success_rate": rate,
            "out_of_hours_success_rate": rec.out_of_hours_success_rate if rec else None,
        }
        for item in sorted(i for i, s in wanted.items() if s == "contacts"):
            out.append(OfferedEvidence(item=item, source="contacts", text=text, figures=figures_c))
    return out

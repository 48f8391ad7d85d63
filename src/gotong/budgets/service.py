"""The verbs of budgets: the mandates; file a member's budget report for a year (and publish its
ranges); read reports; judge each member against the mandate as the reader may know it.

Reports are STIX objects written through the intelligence store (collection ``gotong-budgets``), so
every read goes through the sharing policy. By default a report is TLP:AMBER+STRICT to a
named-recipients group of the member and the taskforce (``<member>+ASEAN-TF``, the group the norms
reports use): the two of them see the amounts, nobody else — not the hub either, unless the member
names a group that holds it. Its ranges are a separate TLP:GREEN object to the whole community,
carrying bands and never an amount. Compliance is computed only from what the reader sees: exactly
from the report, else from the published bands, else not at all.

A member below its trajectory for the mandate's number of consecutive years becomes a subject for
review: filing the report that makes it so publishes :class:`~gotong.core.events.BudgetBelowMandate`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine

from gotong.budgets import objects, policy, storage
from gotong.budgets.models import (
    CATEGORIES,
    ComplianceStatus,
    Judgement,
    amount_band,
    in_force,
    judge,
    mandates,
    rate,
    share_band,
)
from gotong.budgets.schemas import (
    BudgetCreate,
    BudgetFilter,
    BudgetPublic,
    CompliancePublic,
    MandatePublic,
    RangesPublic,
    RulePublic,
    RuleResultPublic,
)
from gotong.core import events
from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Conflict, Invalid, NotFound
from gotong.intel.collections import add_collection, get_collection
from gotong.orgs.service import Organisation, get_org, hub, list_orgs, taskforce
from gotong.sharing.definitions import parties_group
from gotong.sharing.models import GroupKind
from gotong.sharing.service import SharingGroup, get_group, list_groups, load_reader
from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp
from gotong.stix.timestamps import format_micros, micros_of, now_micros

__all__ = [
    "BUDGETS_COLLECTION",
    "compliance",
    "create_report",
    "get_report",
    "list_mandates",
    "list_ranges",
    "list_reports",
    "publish_ranges",
]

BUDGETS_COLLECTION = "gotong-budgets"
_SYSTEM = "gotong"
_ALLOWED_TLP = (TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)


def list_mandates() -> list[MandatePublic]:
    """Every mandate of the data, the one in force last."""
    current = in_force().id
    return [
        MandatePublic(
            id=m.id,
            title=m.title,
            adopted=m.adopted,
            decision=m.decision,
            review_after_years=m.review_after_years,
            rules=[RulePublic(kind=r.kind, value=r.value) for r in m.rules],
            trajectory={
                "default": list(m.trajectory),
                **{k: list(v) for k, v in m.member_trajectories.items()},
            },
            in_force=m.id == current,
        )
        for m in mandates()
    ]


def create_report(
    engine: Engine, *, actor: Principal, report: BudgetCreate, now: int | None = None
) -> BudgetPublic:
    """File the actor's organisation's budget for a year (and its ranges, if asked)."""
    policy.may_change(actor)
    at = now if now is not None else now_micros()
    for key, value in report.amounts.items():
        if key not in CATEGORIES:
            raise Invalid(f"amounts.{key}: not a budget category; the categories are {', '.join(CATEGORIES)}")
        if value < 0:
            raise Invalid(f"amounts.{key}: an amount is not negative")
    if not report.amounts:
        raise Invalid("amounts: give the amount of at least one category")
    tlp = _tlp(report.tlp)
    with read_connection(engine) as conn:
        member = get_org(conn, org_id=_org_id(actor))
        policy.may_file_for(actor, member_id=member.id, member=member.short_name)
        recorded = rate(member.country, report.year)  # refuses a year the network has no rates for
        chosen = get_group(conn, name=report.sharing_group) if report.sharing_group else None
        tf = taskforce(conn)
        publisher = _publisher(conn, member)
        mine = [
            o
            for o in storage.reports(conn, load_reader(conn, actor), _existing_collection(conn))
            if o["member_ref"] == member.identity_id and o["year"] == report.year
        ]
    if mine:
        raise Conflict(f"{member.short_name} already has a budget report for {report.year}: {mine[0]['id']}")
    if chosen is not None:
        _check_audience(chosen, member, tf)
    group = chosen or _confidential_group(engine, member, tf)
    stamp = _ts(at)
    obj = objects.sdo(
        objects.REPORT_TYPE,
        stix_id=objects.new_id(objects.REPORT_TYPE),
        now=stamp,
        by=member.identity_id,
        markings=[tlp.marking_id, group.marking_id],
        name=f"{member.short_name} cybersecurity budget {report.year}",
        member_ref=member.identity_id,
        year=report.year,
        country=recorded.country,
        currency=recorded.currency,
        amounts=dict(sorted(report.amounts.items())),
        **(
            {"government_ict_budget": report.government_ict_budget}
            if report.government_ict_budget is not None
            else {}
        ),
    )
    written = [objects.extension_definition(publisher), obj]
    if report.publish_ranges:
        written.append(_ranges(obj, member.country, stamp))
    collection = _collection(engine)
    storage.write(engine, actor, collection, written)
    _flag_if_under_review(engine, actor=actor, member=member, report=obj)
    return get_report(engine, actor=actor, report_id=obj["id"])


def publish_ranges(
    engine: Engine, *, actor: Principal, report_id: str, now: int | None = None
) -> BudgetPublic:
    """Publish a report's bands to the whole community (the member only; again changes nothing)."""
    policy.may_change(actor)
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        collection = _existing_collection(conn)
        obj = storage.find(conn, load_reader(conn, actor), collection, report_id)
        member = _org_by_identity(conn, obj["member_ref"])
    policy.may_file_for(actor, member_id=member.id, member=member.short_name)
    if obj.get("ranges_ref"):
        return get_report(engine, actor=actor, report_id=report_id)  # published once; again changes nothing
    stamp = _ts(max(at, micros_of(obj["modified"]) + 1000))
    ranges = _ranges(obj, member.country, stamp)
    assert collection is not None
    storage.write(engine, actor, collection, [{**obj, "modified": stamp, "ranges_ref": ranges["id"]}, ranges])
    return get_report(engine, actor=actor, report_id=report_id)


def list_reports(
    engine: Engine, *, actor: Principal, filter: BudgetFilter | None = None
) -> list[BudgetPublic]:
    """The budget reports the actor may see (with amounts): its own, and every one for the taskforce."""
    policy.may_read(actor)
    wanted = filter or BudgetFilter()
    with read_connection(engine) as conn:
        names, groups = _names(conn), _groups(conn)
        found = [
            _public(o, names=names, groups=groups)
            for o in storage.reports(conn, load_reader(conn, actor), _existing_collection(conn))
        ]
    found = [
        r
        for r in found
        if (wanted.member is None or r.member == wanted.member)
        and (wanted.year is None or r.year == wanted.year)
    ]
    return sorted(found, key=lambda r: (r.year, r.member), reverse=True)


def get_report(engine: Engine, *, actor: Principal, report_id: str) -> BudgetPublic:
    policy.may_read(actor)
    with read_connection(engine) as conn:
        obj = storage.find(conn, load_reader(conn, actor), _existing_collection(conn), report_id)
        return _public(obj, names=_names(conn), groups=_groups(conn))


def list_ranges(engine: Engine, *, actor: Principal) -> list[RangesPublic]:
    """The ranges members published (every member of the community sees them)."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        names = _names(conn)
        found = [
            RangesPublic(
                id=o["id"],
                member=names.get(o["member_ref"], o["member_ref"]),
                year=o["year"],
                total_band=o["total_band"],
                share_band=o["share_band"],
            )
            for o in storage.ranges(conn, load_reader(conn, actor), _existing_collection(conn))
        ]
    return sorted(found, key=lambda r: (r.year, r.member), reverse=True)


def compliance(engine: Engine, *, actor: Principal, year: int | None = None) -> list[CompliancePublic]:
    """Each member's standing against the mandate in force, as the actor may know it: exactly where
    it sees the report, as the published bands where it sees only those, else not listed."""
    policy.may_read(actor)
    mandate = in_force()
    with read_connection(engine) as conn:
        countries = {o.short_name: o.country for o in list_orgs(conn)}
    reports = list_reports(engine, actor=actor)
    by_member: dict[str, dict[int, Judgement]] = {}
    for r in reports:
        by_member.setdefault(r.member, {})[r.year] = _judge(r, countries.get(r.member))
    out: list[CompliancePublic] = []
    for r in reports:
        if year is not None and r.year != year:
            continue
        j = by_member[r.member][r.year]
        out.append(
            CompliancePublic(
                member=r.member,
                year=r.year,
                mandate=mandate.id,
                exact=True,
                status=j.status,
                share=round(j.share, 4),
                share_band=share_band(j.share),
                total_band=amount_band(r.total_usd),
                rules=[RuleResultPublic(**vars(x)) for x in j.rules],
                subject_for_review=_below_years(by_member[r.member], r.year) >= mandate.review_after_years,
            )
        )
    known = {(c.member, c.year) for c in out}
    for band in list_ranges(engine, actor=actor):
        if (band.member, band.year) in known or (year is not None and band.year != year):
            continue
        out.append(
            CompliancePublic(
                member=band.member,
                year=band.year,
                mandate=mandate.id,
                exact=False,
                status=None,
                share=None,
                share_band=band.share_band,
                total_band=band.total_band,
            )
        )
    return sorted(out, key=lambda c: (c.year, c.member), reverse=True)


# --- helpers -------------------------------------------------------------------------------------------


def _judge(r: BudgetPublic, country: str | None) -> Judgement:
    return judge(
        in_force(),
        country=country,
        year=r.year,
        amounts=r.amounts,
        government_ict_budget=r.government_ict_budget,
    )


def _below_years(judged: dict[int, Judgement], year: int) -> int:
    """How many consecutive reported years up to ``year`` the member was below its trajectory."""
    count = 0
    while year in judged and judged[year].status == ComplianceStatus.BELOW:
        count += 1
        year -= 1
    return count


def _flag_if_under_review(
    engine: Engine, *, actor: Principal, member: Organisation, report: dict[str, Any]
) -> None:
    mandate = in_force()
    year = int(report["year"])
    judged = {
        r.year: _judge(r, member.country)
        for r in list_reports(engine, actor=actor, filter=BudgetFilter(member=member.short_name))
    }
    below = _below_years(judged, year)
    if below >= mandate.review_after_years:
        years = tuple(range(year - below + 1, year + 1))
        markings = _run_markings(engine, actor=actor, member=member, years=years, report=report)
        with write_transaction(engine) as conn:
            events.publish(
                conn,
                events.BudgetBelowMandate(
                    member=member.short_name,
                    mandate=mandate.id,
                    years=years,
                    report_id=report["id"],
                    markings=markings,
                ),
            )


def _run_markings(
    engine: Engine, *, actor: Principal, member: Organisation, years: tuple[int, ...], report: dict[str, Any]
) -> tuple[str, ...]:
    """The markings of what is tabled about a run of years below the mandate: it tells of every year
    of the run, so it may reach only those who see every report of it. The reports' own markings
    where they all carry the same; else the member and the taskforce alone (whom every report must
    reach), at the strictest TLP of the run."""
    with read_connection(engine) as conn:
        run = [
            o
            for o in storage.reports(conn, load_reader(conn, actor), _existing_collection(conn))
            if o["member_ref"] == member.identity_id and o["year"] in years and o["id"] != report["id"]
        ]
        tf = taskforce(conn)
    own = sorted(report["object_marking_refs"])
    if all(sorted(o["object_marking_refs"]) == own for o in run):
        return tuple(report["object_marking_refs"])
    strictest = max(
        (strictest_tlp(marking_refs(o)) or TLP.AMBER_STRICT for o in [report, *run]), default=TLP.AMBER_STRICT
    )
    group = _confidential_group(engine, member, tf)
    return (strictest.marking_id, group.marking_id)


def _ranges(obj: dict[str, Any], country: str | None, stamp: str) -> dict[str, Any]:
    r = rate(country, obj["year"])
    total_usd = sum(obj["amounts"].values()) / r.per_usd
    j = judge(
        in_force(),
        country=country,
        year=obj["year"],
        amounts=obj["amounts"],
        government_ict_budget=obj.get("government_ict_budget"),
    )
    return objects.sdo(
        objects.RANGES_TYPE,
        stix_id=objects.new_id(objects.RANGES_TYPE),
        now=stamp,
        by=obj["member_ref"],
        markings=[TLP.GREEN.marking_id],
        name=f"Ranges: {obj['name']}",
        member_ref=obj["member_ref"],
        year=obj["year"],
        total_band=amount_band(total_usd),
        share_band=share_band(j.share),
    )


def _public(obj: dict[str, Any], *, names: dict[str, str], groups: dict[str, str]) -> BudgetPublic:
    member = names.get(obj["member_ref"], obj["member_ref"])
    # Converted with the rates the network records for the report's member state and year.
    r = rate(obj["country"], obj["year"])
    amounts = {k: int(v) for k, v in obj["amounts"].items()}
    total = sum(amounts.values())
    audience = objects.audience_of(obj)
    return BudgetPublic(
        id=obj["id"],
        member=member,
        year=obj["year"],
        currency=obj["currency"],
        amounts=amounts,
        amounts_usd={k: round(v / r.per_usd, 2) for k, v in amounts.items()},
        total=total,
        total_usd=round(total / r.per_usd, 2),
        total_intl=round(total / r.per_intl, 2),
        government_ict_budget=obj.get("government_ict_budget"),
        tlp=objects.tlp_of(obj),
        audience=groups.get(audience, audience) if audience else None,
        ranges=obj.get("ranges_ref"),
        created=obj["created"],
    )


def _tlp(text: str) -> TLP:
    tlp = TLP.parse(text)
    if tlp not in _ALLOWED_TLP:
        raise Invalid(
            f"tlp: a budget report is marked {', '.join(t.slug for t in _ALLOWED_TLP)}, never {tlp.slug}"
        )
    return tlp


def _check_audience(group: SharingGroup, member: Organisation, tf: Organisation | None) -> None:
    needed = [member.short_name] + ([tf.short_name] if tf else [])
    missing = [n for n in needed if n not in group.members]
    if missing:
        raise Invalid(f"sharing_group: {group.name!r} does not include {', '.join(missing)}")
    if group.kind != GroupKind.NAMED_RECIPIENTS:
        raise Invalid(f"sharing_group: a budget goes to a named-recipients group; {group.name!r} is not one")


def _confidential_group(engine: Engine, member: Organisation, tf: Organisation | None) -> SharingGroup:
    """The named-recipients group of the member and the taskforce, made on first use (the norms and
    budgets domains share it: one name, one check, in ``sharing.definitions.parties_group``)."""
    parties = [member.short_name, *([tf.short_name] if tf else [])]
    return parties_group(
        engine, name="+".join(parties), members=parties, owner=member.short_name, what="report"
    )


def _existing_collection(conn: Connection) -> str | None:
    try:
        return get_collection(conn, BUDGETS_COLLECTION).id
    except NotFound:
        return None


def _collection(engine: Engine) -> str:
    with write_transaction(engine) as conn:
        try:
            return get_collection(conn, BUDGETS_COLLECTION).id
        except NotFound:
            return add_collection(
                conn,
                title="Cybersecurity budgets",
                description="Members' budget reports (to the member and the taskforce) and their ranges",
                alias=BUDGETS_COLLECTION,
                readers="all",
                writers="all",
                actor=_SYSTEM,
            ).id


def _publisher(conn: Connection, member: Organisation) -> str:
    try:
        return hub(conn).identity_id
    except NotFound:
        return member.identity_id


def _names(conn: Connection) -> dict[str, str]:
    return {o.identity_id: o.short_name for o in list_orgs(conn)}


def _groups(conn: Connection) -> dict[str, str]:
    return {g.marking_id: g.name for g in list_groups(conn)}


def _org_by_identity(conn: Connection, identity_id: str) -> Organisation:
    for org in list_orgs(conn):
        if org.identity_id == identity_id:
            return org
    raise NotFound(f"no organisation here has the identity {identity_id}")


def _org_id(actor: Principal) -> int:
    if actor.org_id is None:
        raise Invalid("only an authenticated organisation can do this")
    return actor.org_id


def _ts(micros: int) -> str:
    return format_micros(micros, digits=3)

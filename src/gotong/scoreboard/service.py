"""The scoreboard's verbs: per organisation, per period, and for the region.

Every figure is computed over what the asker may see (:mod:`gotong.scoreboard.records` reads only
through the sharing policy, and the cases, assistance requests and alerts through their domains'
own read verbs). Which organisations' detail the asker is shown is :mod:`gotong.scoreboard.policy`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from gotong import assistance, incidents
from gotong.audit import record
from gotong.core.auth import Principal
from gotong.core.permissions import require_member
from gotong.correlation import acknowledgement_times, alerts_of
from gotong.db.engine import read_connection, write_transaction
from gotong.orgs.service import Organisation, get_org, list_orgs
from gotong.scoreboard import policy, records
from gotong.scoreboard.capacity import capacity_of
from gotong.scoreboard.measures import delays, freshness, share
from gotong.scoreboard.models import scoreboard_settings
from gotong.scoreboard.periods import Period, parse_period
from gotong.scoreboard.schemas import (
    CapacityView,
    Delays,
    MatrixCell,
    MatrixPublic,
    OrgScore,
    PeriodPublic,
    Position,
    Quality,
    Reciprocity,
    RegionScore,
    Responsiveness,
    ScoreboardPublic,
    ScoreboardSettingsPublic,
    ScoreboardSettingsUpdate,
    Timeliness,
    Volume,
)
from gotong.sharing.service import load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import format_micros, micros_of, now_micros

__all__ = ["matrix", "scoreboard", "scoreboard_settings_of", "update_scoreboard_settings"]

_ACK_ACTION = "scoreboard.settings"


def _period_public(period: Period) -> PeriodPublic:
    return PeriodPublic(
        kind=period.kind,
        label=period.label,
        starts=format_micros(period.starts_at),
        ends=format_micros(period.ends_at),
    )


def _tlp_name(level: int) -> str:
    return TLP(level).label


@dataclass
class _World:
    """What the asker may see of one period, read once."""

    period: Period
    orgs: dict[int, Organisation]
    shared: list[records.Shared]
    observables: dict[int, set[int]]
    warninglisted: set[int]
    sightings: records.SightingFacts
    responses: dict[str, list[tuple[int, int]]]  # kind -> (org id, delay micros)
    alert_share: list[int]
    published: set[int]


def _world(conn: Connection, engine: Engine, actor: Principal, period: Period) -> _World:
    reader = load_reader(conn, actor)
    shared = records.shared_objects(conn, reader, starts_at=period.starts_at, ends_at=period.ends_at)
    seqs = [s.seq for s in shared]
    orgs = {o.id: o for o in list_orgs(conn)}
    by_short = {o.short_name: o.id for o in orgs.values()}
    responses: dict[str, list[tuple[int, int]]] = defaultdict(list)
    alert_share: list[int] = []
    views = alerts_of(conn, actor=actor)
    raised = {v.id: micros_of(v.raised_at) for v in views}
    for alert_id, org_id, at in acknowledgement_times(conn, actor=actor, alert_ids=raised):
        if period.starts_at <= at < period.ends_at:
            responses["alerts"].append((org_id, at - raised[alert_id]))
    for view in views:
        if not period.starts_at <= raised[view.id] < period.ends_at:
            continue
        delay = _share_delay(view.objects, orgs, by_short)
        if delay is not None:
            alert_share.append(delay)
    for org_id, delay in records.contact_check_times(
        conn, starts_at=period.starts_at, ends_at=period.ends_at
    ):
        responses["contact_checks"].append((org_id, delay))
    return _World(
        period=period,
        orgs=orgs,
        shared=shared,
        observables=records.observables_of(conn, seqs),
        warninglisted=records.warninglisted(conn, seqs),
        sightings=records.sighting_facts(conn, reader, shared),
        responses=responses,
        alert_share=alert_share,
        published=policy.published_orgs(conn),
    )


def _share_delay(
    objects: list[dict[str, Any]], orgs: dict[int, Organisation], by_short: dict[str, int]
) -> int | None:
    """First report to the first report from another country, over the reports the reader may see."""
    first: tuple[int, str] | None = None
    for obj in sorted(objects, key=lambda o: micros_of(o["date_added"])):
        org_id = by_short.get(obj["reported_by"])
        country = orgs[org_id].country if org_id is not None else None
        if country is None:
            continue
        at = micros_of(obj["date_added"])
        if first is None:
            first = (at, country)
        elif country != first[1]:
            return at - first[0]
    return None


def _case_and_assistance_times(engine: Engine, actor: Principal, period: Period, world: _World) -> None:
    by_short = {o.short_name: o.id for o in world.orgs.values()}
    for case in incidents.list_cases(engine, actor=actor):
        created = micros_of(case.created)
        if not period.starts_at <= created < period.ends_at:
            continue
        opened = next((h for h in case.status_history if h.status == incidents.CaseStatus.OPEN), None)
        lead = by_short.get(case.lead)
        if opened is not None and lead is not None:
            world.responses["cases"].append((lead, micros_of(opened.at) - created))
    for request in assistance.list_requests(engine, actor=actor):
        sent = next((h for h in request.history if h.status == assistance.RequestStatus.SENT), None)
        acked = next((h for h in request.history if h.status == assistance.RequestStatus.ACKNOWLEDGED), None)
        addressee = by_short.get(request.addressee)
        if sent is None or acked is None or addressee is None:
            continue
        if period.starts_at <= micros_of(sent.at) < period.ends_at:
            world.responses["assistance"].append((addressee, micros_of(acked.at) - micros_of(sent.at)))


def _volume(items: list[records.Shared], world: _World, region_total: int) -> Volume:
    observables: set[int] = set()
    for item in items:
        observables |= world.observables.get(item.seq, set())
    return Volume(
        objects=len(items),
        by_type=dict(sorted(Counter(i.type for i in items).items())),
        by_tlp=dict(sorted(Counter(_tlp_name(i.tlp) for i in items).items())),
        by_collection=dict(sorted(Counter(i.collection_id for i in items).items())),
        unique_observables=len(observables),
        regional_share=share(len(items), region_total),
    )


def _timeliness(items: list[records.Shared]) -> Timeliness:
    seen = [
        i.submitted_at - i.first_seen
        for i in items
        if i.first_seen is not None and i.first_seen <= i.submitted_at
    ]
    federated = [i.submitted_at - i.modified for i in items if i.via_peer and i.modified is not None]
    # Locally submitted, a version is readable by every entitled member at its commit (its date_added).
    readable = [0 for i in items if not i.via_peer] + [max(0, d) for d in federated]
    return Timeliness(
        first_seen_to_submission=delays(seen),
        submission_to_readable=delays(readable),
        federation_delay=delays([max(0, d) for d in federated]),
    )


def _has_attack(body: dict[str, Any]) -> bool:
    refs = body.get("external_references") or []
    return any(isinstance(r, dict) and str(r.get("source_name", "")).startswith("mitre") for r in refs)


def _quality(items: list[records.Shared], world: _World, valid_first: float | None) -> Quality:
    n = len(items)
    chain = sum(1 for i in items if i.body.get("kill_chain_phases"))
    attack = sum(1 for i in items if _has_attack(i.body))
    described = sum(1 for i in items if str(i.body.get("description", "")).strip())
    context = sum(
        1
        for i in items
        if i.body.get("kill_chain_phases")
        or _has_attack(i.body)
        or str(i.body.get("description", "")).strip()
    )
    horizon = min(world.period.ends_at, now_micros())
    return Quality(
        valid_on_first_submission=valid_first,
        with_context=share(context, n),
        with_kill_chain=share(chain, n),
        with_attack_reference=share(attack, n),
        with_description=share(described, n),
        sighted_by_others=share(sum(1 for i in items if i.stix_id in world.sightings.by_others), n),
        reported_false_positive=share(
            sum(1 for i in items if i.stix_id in world.sightings.false_positive), n
        ),
        on_warninglists=share(sum(1 for i in items if i.seq in world.warninglisted), n),
        expired=share(sum(1 for i in items if i.valid_until is not None and i.valid_until <= horizon), n),
        decay_adjusted=_decay_adjusted(items, world),
    )


def _decay_adjusted(items: list[records.Shared], world: _World) -> float | None:
    """The mean freshness at the period's end; a false positive or a warninglisted object counts 0."""
    if not items:
        return None
    total = 0.0
    for i in items:
        if i.stix_id in world.sightings.false_positive or i.seq in world.warninglisted:
            continue
        valid_from = i.body.get("valid_from")
        total += freshness(
            type=i.type,
            born=i.first_seen if i.first_seen is not None else i.submitted_at,
            valid_until=i.valid_until,
            valid_from=micros_of(valid_from) if isinstance(valid_from, str) else None,
            at=world.period.ends_at,
        )
    return round(total / len(items), 4)


def _responsiveness(world: _World, org_id: int | None) -> Responsiveness:
    def pick(kind: str) -> Delays:
        return delays([d for o, d in world.responses.get(kind, []) if org_id is None or o == org_id])

    return Responsiveness(
        alerts=pick("alerts"),
        cases=pick("cases"),
        assistance=pick("assistance"),
        contact_checks=pick("contact_checks"),
    )


def _org_score(
    conn: Connection, world: _World, org: Organisation, region_total: int, viewer: Principal
) -> OrgScore:
    items = [s for s in world.shared if s.org_id == org.id]
    posted, accepted = records.submissions(
        conn, org.id, starts_at=world.period.starts_at, ends_at=world.period.ends_at
    )
    consumed = records.consumption(
        conn, org.id, starts_at=world.period.starts_at, ends_at=world.period.ends_at
    )
    total_consumed = sum(consumed.values())
    cap = capacity_of(conn, org.id, viewer=viewer)
    return OrgScore(
        org=org.short_name,
        name=org.name,
        published=org.id in world.published,
        volume=_volume(items, world, region_total),
        timeliness=_timeliness(items),
        quality=_quality(items, world, share(accepted, posted)),
        reciprocity=Reciprocity(
            contributed=len(items), consumed=total_consumed, consumed_by_channel=consumed
        ),
        responsiveness=_responsiveness(world, org.id),
        capacity=CapacityView(
            source=cap.source,
            units=cap.units,
            objects_per_unit=None if cap.units is None else round(len(items) / cap.units, 2),
            consumed_per_unit=None if cap.units is None else round(total_consumed / cap.units, 2),
        ),
    )


def scoreboard(
    engine: Engine, *, actor: Principal, period: str = "month", org: str | None = None, now: int | None = None
) -> ScoreboardPublic:
    """The region's aggregates and the detail of every organisation the actor may see the detail of
    (its own; every one for the hub; those that published theirs), or only ``org``'s."""
    require_member(actor)
    chosen = parse_period(period, now=now or now_micros())
    with read_connection(engine) as conn:
        world = _world(conn, engine, actor, chosen)
    _case_and_assistance_times(engine, actor, chosen, world)
    with read_connection(engine) as conn:
        viewer = get_org(conn, org_id=actor.org_id)
        wanted = _detail_orgs(conn, actor, world, org)
        total = len(world.shared)
        details = [_org_score(conn, world, o, total, actor) for o in wanted]
    counts = Counter(s.org_id for s in world.shared if s.org_id is not None)
    own = counts.get(viewer.id, 0)
    ranking = sorted(counts.values(), reverse=True)
    return ScoreboardPublic(
        period=_period_public(chosen),
        viewer=viewer.short_name,
        region=RegionScore(
            contributors=len(counts),
            through_hub=sum(1 for s in world.shared if s.org_id is None),
            volume=_volume(world.shared, world, total),
            timeliness=_timeliness(world.shared),
            quality=_quality(world.shared, world, None),
            alert_share_delay=delays(world.alert_share),
            responsiveness=_responsiveness(world, None),
        ),
        organisations=details,
        position=Position(
            rank=1 + sum(1 for c in ranking if c > own) if own else None,
            contributors=len(counts),
            peer_objects=ranking,
            own_objects=own,
        ),
    )


def shared_counts(
    engine: Engine, *, actor: Principal, periods: list[str], now: int | None = None
) -> list[tuple[str, int, int]]:
    """For each period: its label, the objects shared in the region and those the actor's own
    organisation shared, as :func:`scoreboard` counts them (``region.volume.objects`` and
    ``position.own_objects``) but without the rest of the board: the page's series over time."""
    require_member(actor)
    at = now or now_micros()
    chosen = [parse_period(p, now=at) for p in periods]
    found = []
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        for period in chosen:
            shared = records.shared_objects(conn, reader, starts_at=period.starts_at, ends_at=period.ends_at)
            found.append((period.label, len(shared), sum(1 for s in shared if s.org_id == actor.org_id)))
    return found


def _detail_orgs(conn: Connection, actor: Principal, world: _World, org: str | None) -> list[Organisation]:
    if org is not None:
        wanted = get_org(conn, short_name=org)
        policy.may_see_detail(conn, actor, wanted.id, world.published, raise_if_not=True)
        return [wanted]
    return [
        o
        for o in sorted(world.orgs.values(), key=lambda o: o.short_name.lower())
        if policy.may_see_detail(conn, actor, o.id, world.published)
    ]


def matrix(
    engine: Engine, *, actor: Principal, period: str = "month", now: int | None = None
) -> MatrixPublic:
    """Who shares with whom: objects of a source retrieved by a reader, per TLP, in the period.

    Only over objects the actor may see and whose submitter it may learn; a cell is shown only when
    the actor is its source or its reader, is the hub, or both sides published their detail.
    """
    require_member(actor)
    chosen = parse_period(period, now=now or now_micros())
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        shared = [
            s
            for s in records.shared_objects(conn, reader, starts_at=chosen.starts_at, ends_at=chosen.ends_at)
            if s.org_id is not None
        ]
        readers = records.readers_of(conn, [s.seq for s in shared], ends_at=chosen.ends_at)
        published = policy.published_orgs(conn)
        names = {o.id: o.short_name for o in list_orgs(conn)}
        is_hub = policy.is_hub(conn, actor)
    cells: Counter[tuple[int, int, str]] = Counter()
    for item in shared:
        assert item.org_id is not None
        for reader_id in readers.get(item.seq, set()):
            if reader_id == item.org_id:
                continue
            if policy.may_see_cell(actor, item.org_id, reader_id, published=published, is_hub=is_hub):
                cells[(item.org_id, reader_id, _tlp_name(item.tlp))] += 1
    return MatrixPublic(
        period=_period_public(chosen),
        cells=[
            MatrixCell(source=names[s], reader=names[r], tlp=t, objects=n)
            for (s, r, t), n in sorted(
                cells.items(), key=lambda kv: (names[kv[0][0]], names[kv[0][1]], kv[0][2])
            )
        ],
    )


def scoreboard_settings_of(engine: Engine, *, actor: Principal) -> ScoreboardSettingsPublic:
    """The actor's organisation's scoreboard settings."""
    require_member(actor)
    with read_connection(engine) as conn:
        return _settings(conn, get_org(conn, org_id=actor.org_id))


def update_scoreboard_settings(
    engine: Engine, *, actor: Principal, change: ScoreboardSettingsUpdate
) -> ScoreboardSettingsPublic:
    """Publish (or withdraw) the organisation's own detail, or record its team size (managers only)."""
    policy.may_change_settings(actor)
    with write_transaction(engine) as conn:
        org = get_org(conn, org_id=actor.org_id)
        current = _settings(conn, org)
        values = {
            "publish": current.publish if change.publish is None else change.publish,
            "team_size": current.team_size if change.team_size is None else change.team_size,
            "updated_at": now_micros(),
            "updated_by": actor.org_short or org.short_name,
        }
        if current.updated_at is None:
            conn.execute(insert(scoreboard_settings).values(org_id=org.id, **values))
        else:
            conn.execute(
                update(scoreboard_settings).where(scoreboard_settings.c.org_id == org.id).values(**values)
            )
        record(
            conn,
            action=_ACK_ACTION,
            actor=f"org:{org.id}",
            actor_org_id=org.id,
            subject=org.short_name,
            details={"publish": values["publish"], "team_size": values["team_size"]},
        )
        return _settings(conn, org)


def _settings(conn: Connection, org: Organisation) -> ScoreboardSettingsPublic:
    row = conn.execute(select(scoreboard_settings).where(scoreboard_settings.c.org_id == org.id)).first()
    if row is None:
        return ScoreboardSettingsPublic(
            org=org.short_name, publish=False, team_size=None, updated_at=None, updated_by=None
        )
    return ScoreboardSettingsPublic(
        org=org.short_name,
        publish=row.publish,
        team_size=row.team_size,
        updated_at=format_micros(row.updated_at),
        updated_by=row.updated_by,
    )

"""The verbs of mutual assistance: write, send, acknowledge, answer or refuse requests; renew a
preservation; record a formal confirmation; add messages; find what is overdue.

Requests and messages are STIX objects written through the intelligence store, so TLP, sharing
groups, receipts, the audit log and federation apply to them unchanged, and every read goes through
the intel read path, which carries the sharing policy. By default a request is addressed to a sharing
group of its two parties (``assistance <A>+<B>``, named recipients) under TLP:AMBER+STRICT, so the two
of them, and nobody else, see it on every path; a draft is TLP:RED with no recipients, seen only by
its writer. What a party may change is ``policy.py``; the clocks are ``models.py``'s, from data.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine

from gotong import incidents
from gotong.assistance import objects, policy, storage
from gotong.assistance.models import (
    INITIAL_STATUS,
    KINDS,
    Kind,
    RequestStatus,
    Urgency,
    allowed_next,
    check_fields,
    escalates,
    is_open,
    needs_reason,
)
from gotong.assistance.schemas import (
    AssistanceCreate,
    AssistanceFilter,
    AssistancePublic,
    AssistanceUpdate,
    Channel,
    MessageCreate,
    MessagePublic,
    OverduePublic,
)
from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Invalid, NotFound
from gotong.intel.collections import add_collection, get_collection
from gotong.orgs.service import Organisation, get_org, hub, list_orgs
from gotong.sharing.definitions import publish_definitions
from gotong.sharing.models import GroupKind
from gotong.sharing.service import SharingGroup, add_group, get_group, list_groups, load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import format_micros, micros_of, now_micros

__all__ = [
    "ASSISTANCE_COLLECTION",
    "add_message",
    "check_overdue",
    "create_request",
    "get_request",
    "list_requests",
    "overdue_requests",
    "update_request",
]

ASSISTANCE_COLLECTION = "gotong-assistance"
"""The alias of the collection requests are stored in (made on first use, readable and writable by
every organisation: who sees a request is its markings' decision, not the collection's)."""
_HOUR = 3600 * 1_000_000
_DAY = 24 * _HOUR
_SYSTEM = "gotong"  # who the history names for what the overdue check does
_ALLOWED_TLP = (TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)


def create_request(
    engine: Engine, *, actor: Principal, request: AssistanceCreate, now: int | None = None
) -> AssistancePublic:
    """Write a request from the actor's organisation to ``request.addressee``, and send it unless
    it is a draft (sending needs every required field of the kind)."""
    policy.may_change(actor)
    at = now if now is not None else now_micros()
    fields = check_fields(request.kind, request.fields, complete=not request.draft)
    tlp = _tlp(request.tlp)
    with read_connection(engine) as conn:
        requester = get_org(conn, org_id=_org_id(actor))
        addressee = get_org(conn, short_name=request.addressee)
        if addressee.id == requester.id:
            raise Invalid("addressee: a request goes to another organisation than yours")
        chosen = get_group(conn, name=request.sharing_group) if request.sharing_group else None
        publisher = _publisher(conn, requester)
    if chosen is not None:
        _check_audience(chosen, tlp, requester, addressee)
    if request.case is not None:
        try:
            incidents.get_case(engine, actor=actor, case_id=request.case)
        except NotFound as exc:
            raise Invalid(f"case: {exc.message}") from None
    group = chosen or _pair_group(engine, requester, addressee)
    collection = _collection(engine)
    stamp = _ts(at)
    props: dict[str, Any] = {
        "requester_ref": requester.identity_id,
        "addressee_ref": addressee.identity_id,
        "kind": str(request.kind),
        "urgency": str(request.urgency),
        "legal_basis": request.legal_basis or KINDS[request.kind].legal_basis,
        "request_fields": fields,
        "channel": str(request.channel),
        "status": str(INITIAL_STATUS),
        "history": [_entry("drafted", INITIAL_STATUS, stamp, requester.identity_id, "")],
        "send_marking_refs": objects_markings(tlp, group.marking_id),
    }
    if request.case is not None:
        props["case_ref"] = request.case
    if not request.draft:
        props = _sent(props, at=at, by=requester.identity_id, reason="")
    obj = objects.request(
        stix_id=objects.new_id(objects.REQUEST_TYPE),
        now=stamp,
        requester_ref=requester.identity_id,
        marking_refs=_markings_for(props),
        title=request.title,
        description=request.description,
        props=props,
    )
    storage.write(engine, actor, collection, [objects.extension_definition(publisher), obj])
    return get_request(engine, actor=actor, request_id=obj["id"])


def list_requests(
    engine: Engine, *, actor: Principal, filter: AssistanceFilter | None = None
) -> list[AssistancePublic]:
    """The requests the actor may see (without their messages), newest first."""
    policy.may_read(actor)
    wanted = filter or AssistanceFilter()
    found = []
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        names, groups = _names(conn), _groups(conn)
        for collection, obj in storage.requests(conn, reader):
            item = objects.request_public(obj, collection=collection, names=names, groups=groups, messages=[])
            if wanted.status is not None and item.status != wanted.status:
                continue
            if wanted.kind is not None and item.kind != wanted.kind:
                continue
            if wanted.urgency is not None and item.urgency != wanted.urgency:
                continue
            if wanted.role is not None and getattr(item, wanted.role) != actor.org_short:
                continue
            found.append(item)
    return sorted(found, key=lambda r: (r.created, r.id), reverse=True)


def get_request(engine: Engine, *, actor: Principal, request_id: str) -> AssistancePublic:
    """One request with the messages the actor may see."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        collection, obj = storage.find(conn, reader, request_id)
        notes = storage.messages(conn, reader, collection, request_id)
        return objects.request_public(
            obj, collection=collection, names=_names(conn), groups=_groups(conn), messages=notes
        )


def update_request(
    engine: Engine, *, actor: Principal, request_id: str, update: AssistanceUpdate, now: int | None = None
) -> AssistancePublic:
    """One change to a request: a status transition (by the party the data names), a draft's fields,
    a renewal of a preservation, or the formal confirmation of an expedited request."""
    policy.may_change(actor)  # before looking the request up: a readonly token learns nothing
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        collection, obj = storage.find(conn, load_reader(conn, actor), request_id)
        requester = _org_by_identity(conn, obj["requester_ref"])
        addressee = _org_by_identity(conn, obj["addressee_ref"])
        by = get_org(conn, org_id=_org_id(actor)).identity_id
    parties = {"requester_id": requester.id, "addressee_id": addressee.id}
    props = _props(obj)
    stamp = _after(obj["modified"], at)
    status = RequestStatus(props["status"])
    kind = Kind(props["kind"])
    changed = False
    if update.fields is not None:
        policy.may_act_as_requester(actor, "change a request's fields", requester_id=requester.id)
        if status != RequestStatus.DRAFT:
            raise Invalid(f"fields: a request that is {status} can no longer be edited; add a message")
        props["request_fields"] = check_fields(kind, update.fields, complete=False)
        changed = True
    if update.status is not None and update.status != status:
        policy.may_move(actor, update.status, **parties)
        if update.status not in allowed_next(status):
            choices = ", ".join(sorted(allowed_next(status))) or "none: the request has ended"
            raise Invalid(
                f"status: a request that is {status} cannot become {update.status}; next: {choices}"
            )
        if needs_reason(update.status) and not update.reason.strip():
            raise Invalid(f"reason: a request is {update.status} only with a reason")
        if update.status == RequestStatus.SENT:
            check_fields(kind, props["request_fields"], complete=True)
            props = _sent(props, at=micros_of(stamp), by=by, reason=update.reason)
        else:
            props = _moved(props, update.status, at=micros_of(stamp), by=by, reason=update.reason)
        status = update.status
        changed = True
    if update.renew:
        policy.may_act_as_requester(actor, "renew a preservation", requester_id=requester.id)
        props = _renewed(props, kind, status, stamp=stamp, by=by, reason=update.reason)
        changed = True
    if update.confirmation is not None:
        policy.may_act_as_requester(actor, "record the formal confirmation", requester_id=requester.id)
        if props.get("channel") != str(Channel.EXPEDITED):
            raise Invalid("confirmation: only a request sent by an expedited channel is confirmed formally")
        if "formal_confirmation" in props:
            raise Invalid("confirmation: this request's formal confirmation is already recorded")
        confirmation = {"reference": update.confirmation.reference, "at": stamp, "by": actor.org_short or ""}
        if update.confirmation.note:
            confirmation["note"] = update.confirmation.note
        props["formal_confirmation"] = confirmation
        props["history"] = [*props["history"], _entry("confirmed", status, stamp, by, update.reason)]
        changed = True
    if not changed:
        raise Invalid("nothing to change: give a new status, fields, renew or a confirmation")
    new = objects.revised(obj, modified=stamp, props=props)
    new["object_marking_refs"] = _markings_for(props)
    storage.write(engine, actor, collection, [new])
    return get_request(engine, actor=actor, request_id=request_id)


def add_message(
    engine: Engine, *, actor: Principal, request_id: str, message: MessageCreate, now: int | None = None
) -> MessagePublic:
    """Add a message to a request's thread, under the request's markings (the parties only)."""
    policy.may_change(actor)
    with read_connection(engine) as conn:
        collection, obj = storage.find(conn, load_reader(conn, actor), request_id)
        requester = _org_by_identity(conn, obj["requester_ref"])
        addressee = _org_by_identity(conn, obj["addressee_ref"])
        policy.may_add_message(actor, requester_id=requester.id, addressee_id=addressee.id)
        author = get_org(conn, org_id=_org_id(actor))
    note = objects.message(
        request=obj,
        author_ref=author.identity_id,
        text=message.text,
        now=_ts(now if now is not None else now_micros()),
        marking_refs=list(obj["object_marking_refs"]),
    )
    storage.write(engine, actor, collection, [note])
    return objects.message_public(note, {author.identity_id: author.short_name})


def overdue_requests(engine: Engine, *, actor: Principal, now: int | None = None) -> list[OverduePublic]:
    """The open requests the actor sees that are past their acknowledgement or answer deadline."""
    policy.may_read(actor)
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        names, groups = _names(conn), _groups(conn)
        found = []
        for collection, obj in storage.requests(conn, reader):
            missed = _missed(obj, at)
            if missed is not None:
                item = objects.request_public(
                    obj, collection=collection, names=names, groups=groups, messages=[]
                )
                found.append(OverduePublic(request=item, missed=missed[0], due=missed[1]))
    return sorted(found, key=lambda o: (o.due, o.request.id))


def check_overdue(engine: Engine, *, now: int | None = None) -> list[OverduePublic]:
    """The node's clock work, run by the server's job and ``gotong assistance overdue --apply``:
    every overdue request of every organisation, each urgent one escalated to the hub once (marked so
    in its history), and every preservation past its expiry marked expired.

    Each organisation's requests are read as that organisation (the requester always sees its own
    requests) and changed in its name, so nothing is read past the sharing policy.
    """
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        orgs = list_orgs(conn)
    found: list[OverduePublic] = []
    for org in orgs:
        principal = Principal(org_id=org.id, org_short=org.short_name)
        with read_connection(engine) as conn:
            mine = [
                (c, o)
                for c, o in storage.requests(conn, load_reader(conn, principal))
                if o["requester_ref"] == org.identity_id
            ]
        for collection, obj in mine:
            props = _props(obj)
            stamp = _after(obj["modified"], at)
            changed = False
            status = RequestStatus(props["status"])
            expiry = props.get("preserved_until")
            if expiry and status in allowed_next_to_expire() and micros_of(expiry) <= at:
                props = _moved(
                    props,
                    RequestStatus.EXPIRED,
                    at=micros_of(stamp),
                    by=_SYSTEM,
                    reason=f"preservation ended on {expiry}",
                )
                changed = True
            missed = _missed(obj, at)
            urgent = escalates(Urgency(props["urgency"])) and not props.get("escalated")
            if missed is not None and urgent and not changed:
                reason = f"no {missed[0]} by {missed[1]}: escalated to the hub"
                props["escalated"] = True
                props["history"] = [*props["history"], _entry("escalated", status, stamp, _SYSTEM, reason)]
                changed = True
            if changed:
                new = objects.revised(obj, modified=stamp, props=props)
                storage.write(engine, principal, collection, [new])
                obj = new
            if missed is not None:
                with read_connection(engine) as conn:
                    item = objects.request_public(
                        obj, collection=collection, names=_names(conn), groups=_groups(conn), messages=[]
                    )
                found.append(OverduePublic(request=item, missed=missed[0], due=missed[1]))
    return sorted(found, key=lambda o: (o.due, o.request.id))


# --- helpers -------------------------------------------------------------------------------------------


def objects_markings(tlp: TLP, group_marking: str) -> list[str]:
    return [tlp.marking_id, group_marking]


def allowed_next_to_expire() -> frozenset[RequestStatus]:
    return frozenset(s for s in RequestStatus if RequestStatus.EXPIRED in allowed_next(s))


def _markings_for(props: dict[str, Any]) -> list[str]:
    """A draft is TLP:RED with no recipients (only its writer, the submitter, sees it); once sent, the
    request carries the markings chosen when it was written."""
    if props["status"] == str(RequestStatus.DRAFT):
        return [TLP.RED.marking_id]
    return list(props.get("send_marking_refs") or [TLP.RED.marking_id])


def _sent(props: dict[str, Any], *, at: int, by: str, reason: str) -> dict[str, Any]:
    info = KINDS[Kind(props["kind"])]
    urgency = Urgency(props["urgency"])
    props = _moved(props, RequestStatus.SENT, at=at, by=by, reason=reason)
    props["deadlines"] = {
        "acknowledge_by": _ts(at + int(info.acknowledge_hours[urgency] * _HOUR)),
        "answer_by": _ts(at + int(info.answer_hours[urgency] * _HOUR)),
    }
    if info.preservation_days is not None:
        props["preserved_until"] = _ts(at + info.preservation_days * _DAY)
    return props


def _moved(props: dict[str, Any], to: RequestStatus, *, at: int, by: str, reason: str) -> dict[str, Any]:
    props = {**props, "status": str(to)}
    props["history"] = [*props["history"], _entry(str(to), to, _ts(at), by, reason)]
    info = KINDS[Kind(props["kind"])]
    if to == RequestStatus.ACKNOWLEDGED and info.preservation_days is not None:
        # The data is kept at least the kind's days from when the addressee took the request on.
        until = at + info.preservation_days * _DAY
        props["preserved_until"] = _ts(max(until, micros_of(props.get("preserved_until", _ts(until)))))
    return props


def _renewed(
    props: dict[str, Any], kind: Kind, status: RequestStatus, *, stamp: str, by: str, reason: str
) -> dict[str, Any]:
    info = KINDS[kind]
    if info.renewal_days is None or "preserved_until" not in props:
        raise Invalid(f"renew: only a sent preservation is renewed, not a {kind} request that is {status}")
    if status not in allowed_next_to_expire():
        raise Invalid(f"renew: a preservation that is {status} can no longer be renewed")
    until = _ts(micros_of(props["preserved_until"]) + info.renewal_days * _DAY)
    text = reason or f"preserved until {until}"
    return {
        **props,
        "preserved_until": until,
        "history": [*props["history"], _entry("renewed", status, stamp, by, text)],
    }


def _missed(obj: dict[str, Any], at: int) -> tuple[str, str] | None:
    """Which deadline an open request has missed at ``at`` (the answer's first), with its time."""
    status = RequestStatus(obj["status"])
    deadlines = obj.get("deadlines")
    if not is_open(status) or not deadlines:
        return None
    if micros_of(deadlines["answer_by"]) < at:
        return "answer", deadlines["answer_by"]
    if status == RequestStatus.SENT and micros_of(deadlines["acknowledge_by"]) < at:
        return "acknowledge", deadlines["acknowledge_by"]
    return None


def _entry(event: str, status: RequestStatus | str, at: str, by: str, reason: str) -> dict[str, str]:
    return {"event": event, "status": str(status), "at": at, "by": by, "reason": reason}


_OWN = (
    "type",
    "spec_version",
    "id",
    "created",
    "modified",
    "created_by_ref",
    "name",
    "description",
    "object_marking_refs",
    "extensions",
)


def _props(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in _OWN}


def _tlp(text: str) -> TLP:
    tlp = TLP.parse(text)
    if tlp not in _ALLOWED_TLP:
        raise Invalid(f"tlp: a request is marked {', '.join(t.slug for t in _ALLOWED_TLP)}, never {tlp.slug}")
    return tlp


def _check_audience(group: SharingGroup, tlp: TLP, requester: Organisation, addressee: Organisation) -> None:
    """Both parties must always see the request: a group chosen instead of theirs must hold both."""
    missing = [o.short_name for o in (requester, addressee) if o.short_name not in group.members]
    if missing:
        raise Invalid(f"sharing_group: {group.name!r} does not include {', '.join(missing)}, a party to it")
    if tlp == TLP.RED and group.kind != GroupKind.NAMED_RECIPIENTS:
        raise Invalid(f"sharing_group: TLP:RED needs a named-recipients group; {group.name!r} is not one")


def _pair_group(engine: Engine, requester: Organisation, addressee: Organisation) -> SharingGroup:
    """The named-recipients group of the two parties, made on their first request."""
    first, second = sorted((requester.short_name, addressee.short_name))
    name = f"assistance {first}+{second}"
    with write_transaction(engine) as conn:
        try:
            found = get_group(conn, name=name)
        except NotFound:
            found = None
        if found is not None:
            # A group of that name that holds anyone else (made by hand, or changed since) would
            # widen who sees the request: refuse rather than send it there.
            if set(found.members) != {first, second} or found.kind != GroupKind.NAMED_RECIPIENTS:
                raise Invalid(
                    f"sharing_group: the group {name!r} no longer holds just the two parties "
                    f"({', '.join(found.members)}); name a sharing_group for this request"
                )
            return found
        group = add_group(
            conn,
            name=name,
            members=[first, second],
            kind=GroupKind.NAMED_RECIPIENTS,
            owner=requester.short_name,
            actor=_SYSTEM,
        )
    publish_definitions(engine)  # so TAXII clients can resolve the group's marking
    return group


def _collection(engine: Engine) -> str:
    with write_transaction(engine) as conn:
        try:
            return get_collection(conn, ASSISTANCE_COLLECTION).id
        except NotFound:
            return add_collection(
                conn,
                title="Assistance requests",
                description="Mutual assistance requests between members; each is seen by its two parties",
                alias=ASSISTANCE_COLLECTION,
                readers="all",
                writers="all",
                actor=_SYSTEM,
            ).id


def _publisher(conn: Connection, requester: Organisation) -> str:
    try:
        return hub(conn).identity_id
    except NotFound:
        return requester.identity_id


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


def _after(previous: str, at: int) -> str:
    """A ``modified`` later than ``previous``, so each change is a new version."""
    return _ts(max(at, micros_of(previous) + 1000))

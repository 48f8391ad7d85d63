"""The service calls behind the mutual-assistance pages, one function per page action, each taking
``actor``. Each calls one ``gotong.assistance`` verb, which checks roles, parties and the sharing
policy itself; what is left here is reading a form (a kind's own fields, from the kinds data) into
the verb's request and turning its refusals into problems named by form field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy import Engine

from gotong import assistance
from gotong.core.auth import Principal
from gotong.errors import Invalid, NotFound
from gotong.web.forms import problems_of
from gotong.web.services import FormInvalid, signed_in

STATUSES: list[str] = [str(s) for s in assistance.RequestStatus]
URGENCIES: list[str] = [str(u) for u in assistance.Urgency]
KINDS: list[tuple[str, str]] = [(str(k), info.name) for k, info in assistance.KINDS.items()]


def kind_of(text: str) -> assistance.KindInfo | None:
    """The kind named in a query or form, with its fields as the data file lists them; None if none."""
    try:
        return assistance.KINDS[assistance.Kind(text)]
    except ValueError:
        return None


def field_id(name: str) -> str:
    """The form name and element id of a kind's field (apart from the request's own fields)."""
    return f"field-{name}"


# ----------------------------------------------------------------- list and read
def requests(
    engine: Engine, *, actor: Principal, status: str, kind: str, urgency: str, role: str
) -> list[assistance.AssistancePublic]:
    signed_in(actor)
    try:
        wanted = assistance.AssistanceFilter(
            status=status or None, kind=kind or None, urgency=urgency or None, role=role or None
        )
    except ValidationError as exc:
        raise FormInvalid(problems_of(exc, {"status", "kind", "urgency", "role"}, "status")) from None
    return assistance.list_requests(engine, actor=actor, filter=wanted)


def request(engine: Engine, *, actor: Principal, request_id: str) -> assistance.AssistancePublic:
    signed_in(actor)
    return assistance.get_request(engine, actor=actor, request_id=request_id)


def next_statuses(found: assistance.AssistancePublic) -> list[str]:
    """The statuses the data file lets this request move to (the verb decides which party may)."""
    return sorted(
        str(s) for s in assistance.allowed_next(found.status) if s != assistance.RequestStatus.EXPIRED
    )


# ----------------------------------------------------------------- a new request
@dataclass(frozen=True)
class RequestForm:
    kind: str
    addressee: str = ""
    title: str = ""
    description: str = ""
    urgency: str = "routine"
    tlp: str = "amber+strict"
    fields: dict[str, str] = field(default_factory=dict)


REQUEST_FIELDS = {"addressee", "title", "description", "urgency", "tlp", "kind", "legal_basis", "case"}


def create_request(engine: Engine, *, actor: Principal, form: RequestForm) -> str:
    """Send a request from the actor's organisation made from the form; returns its id."""
    signed_in(actor)
    info = kind_of(form.kind)
    problems: dict[str, str] = {}
    if info is None:
        problems["kind"] = "Choose what kind of assistance you ask for"
    if not form.addressee.strip():
        problems["addressee"] = "Enter the organisation you ask"
    if not form.title.strip():
        problems["title"] = "Enter a title that says what you ask for"
    if problems:
        raise FormInvalid(problems)
    try:
        made = assistance.AssistanceCreate(
            addressee=form.addressee.strip(),
            kind=form.kind,
            title=form.title.strip(),
            description=form.description.strip(),
            urgency=form.urgency,
            tlp=form.tlp,
            fields={k: v for k, v in form.fields.items() if v.strip()},
        )
        return assistance.create_request(engine, actor=actor, request=made).id
    except (ValidationError, Invalid, NotFound) as exc:  # NotFound: the addressee named
        # The domain names a kind's field as ``fields.<name>``: it goes next to that field's input.
        own = {f.name for f in info.fields} if info else set()
        found = problems_of(exc, REQUEST_FIELDS | own, "addressee")
        raise FormInvalid({(field_id(k) if k in own else k): v for k, v in found.items()}) from None


# ----------------------------------------------------------------- changes on the request page
def change_status(engine: Engine, *, actor: Principal, request_id: str, status: str, reason: str) -> None:
    signed_in(actor)
    try:
        update = assistance.AssistanceUpdate(status=status or None, reason=reason.strip())
        assistance.update_request(engine, actor=actor, request_id=request_id, update=update)
    except (ValidationError, Invalid) as exc:
        raise FormInvalid(problems_of(exc, {"status", "reason"}, "status")) from None


def add_message(engine: Engine, *, actor: Principal, request_id: str, text: str) -> None:
    signed_in(actor)
    if not text.strip():
        raise FormInvalid({"text": "Enter the message"})
    try:
        assistance.add_message(
            engine, actor=actor, request_id=request_id, message=assistance.MessageCreate(text=text.strip())
        )
    except (ValidationError, Invalid) as exc:
        raise FormInvalid(problems_of(exc, {"text"}, "text")) from None

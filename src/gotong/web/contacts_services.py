"""The service calls behind the contact directory pages, one function per page action, each taking
``actor``. Each calls one ``gotong.contacts`` verb, which checks roles and applies
:func:`gotong.sharing.policy.may_see_field` to every field itself; what is left here is reading the
form into the verb's request, and turning its refusals into problems named by form field.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine

from gotong import contacts
from gotong.contacts.catalogue import roles
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Forbidden, Invalid, NotFound, Unauthorized
from gotong.federation.directories import PeerDirectory, kept_directories
from gotong.orgs.service import organisations_for
from gotong.settings import Settings
from gotong.web.forms import problems_of
from gotong.web.services import FormInvalid, signed_in

VISIBILITIES: list[tuple[str, str]] = [
    ("public", "everybody, signed in or not (TLP:CLEAR)"),
    ("members", "every member organisation (TLP:GREEN)"),
    ("hub", "your organisation and the hub only (TLP:AMBER+STRICT)"),
]
"""A field's visibility in words, and the TLP it amounts to, as the pages show it."""

TLP_OF = {"public": "TLP:CLEAR", "members": "TLP:GREEN", "hub": "TLP:AMBER+STRICT"}
AUDIENCE_OF = {"public": "everybody", "members": "member organisations", "hub": "the owner and the hub"}

# The contact fields the form edits, in the order shown; lists are written comma-separated.
TEXT_FIELDS = ("name", "email", "phone", "chat", "webhook_url", "timezone", "out_of_hours")
LIST_FIELDS = ("domains", "networks", "asns")
FORM_FIELDS = (*TEXT_FIELDS, *LIST_FIELDS, "pgp_key")


def role_choices() -> list[tuple[str, str]]:
    return [(name, spec.title) for name, spec in roles().items()]


def role_title(name: str) -> str:
    spec = roles().get(name)
    return spec.title if spec else name


def visibility_id(name: str) -> str:
    """The form name and element id of the select that sets who may see the field ``name``."""
    return f"visibility-{name}"


# ----------------------------------------------------------------- list and read
def directory(engine: Engine, *, actor: Principal, org: str, role: str) -> list[contacts.ContactPublic]:
    """The directory the actor may see, filtered by organisation and role (empty: any)."""
    signed_in(actor)
    try:
        return contacts.list_contacts(engine, actor=actor, org=org or None, role=role or None)
    except NotFound:
        raise FormInvalid({"org": f"No organisation is called {org!r}"}) from None
    except Invalid as exc:
        raise FormInvalid(problems_of(exc, {"role", "org"}, "role")) from None


def organisations(engine: Engine, *, actor: Principal) -> list[str]:
    """The short names of the organisations the actor may see, for the filter."""
    signed_in(actor)
    with read_connection(engine) as conn:
        return sorted(o.short_name for o in organisations_for(conn, actor=actor))


@dataclass(frozen=True)
class ContactPage:
    contact: contacts.ContactPublic
    checks: list[contacts.CheckPublic]
    alternates: list[contacts.ContactPublic]
    reachability: contacts.ContactReachability | None
    next_check: tuple[int, contacts.Channel] | None


def contact_page(engine: Engine, *, actor: Principal, contact_id: int) -> ContactPage:
    """A contact as the actor may see it, its checks newest first, its alternates and its record."""
    signed_in(actor)
    found = contacts.get_contact(engine, actor=actor, contact_id=contact_id)
    history = contacts.list_checks(engine, actor=actor, contact_id=contact_id)
    alternates = []
    for alternate in found.alternates or []:
        try:
            alternates.append(contacts.get_contact(engine, actor=actor, contact_id=alternate))
        except NotFound:
            continue
    record = None
    for org in contacts.reachability(engine, actor=actor, org=found.org):
        record = next((c for c in org.contacts if c.contact_id == contact_id), None)
    upcoming = contacts.next_check(engine, contact_id=contact_id)
    return ContactPage(found, list(reversed(history)), alternates, record, upcoming)


def peer_directories(settings: Settings, *, actor: Principal) -> list[PeerDirectory]:
    """The directories this node keeps of its peers (members fields only), by peer name."""
    signed_in(actor)
    return kept_directories(Path(settings.node_key_file).parent, actor=actor)


def reachability(engine: Engine, *, actor: Principal) -> list[contacts.OrgReachability]:
    """Every organisation's reachability record (the dashboard's and the directory's table)."""
    signed_in(actor)
    return contacts.reachability(engine, actor=actor)


# ----------------------------------------------------------------- the form
@dataclass(frozen=True)
class ContactForm:
    role: str = "duty-desk"
    org: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    chat: str = ""
    webhook_url: str = ""
    timezone: str = ""
    out_of_hours: str = ""
    domains: str = ""
    networks: str = ""
    asns: str = ""
    pgp_key: str = ""
    visibility: dict[str, str] = field(default_factory=dict)

    @classmethod
    def posted(cls, values: dict[str, str]) -> ContactForm:
        """The form as the browser sent it (every name of the form; anything else ignored)."""
        own = {f.name for f in fields(cls)} - {"visibility"}
        marks = {name: values.get(visibility_id(name), "") for name in FORM_FIELDS}
        return cls(**{k: v[:100_000] for k, v in values.items() if k in own}, visibility=marks)

    @classmethod
    def of(cls, contact: contacts.ContactPublic) -> ContactForm:
        """The edit form of a stored contact (its editor sees every field)."""
        shown: dict[str, Any] = {name: getattr(contact, name) or "" for name in TEXT_FIELDS}
        for name in LIST_FIELDS:
            shown[name] = ", ".join(str(v) for v in getattr(contact, name) or [])
        return cls(
            role=contact.role,
            org=contact.org,
            pgp_key=contact.pgp_key or "",
            visibility={k: str(v) for k, v in contact.visibility.items()},
            **shown,
        )


def _values(form: ContactForm, *, clearing: bool) -> dict[str, Any]:
    """The verb's fields from the form. On a change (``clearing``), an emptied field is cleared."""
    out: dict[str, Any] = {}
    for name in (*TEXT_FIELDS, "pgp_key"):
        value = getattr(form, name).strip()
        if value or (clearing and name != "name"):
            out[name] = value or None
    for name in LIST_FIELDS:
        items = [v for v in getattr(form, name).replace(",", " ").split() if v]
        if items or clearing:
            out[name] = items or None
    marks = {k: v for k, v in form.visibility.items() if v}
    if marks:
        out["visibility"] = marks
    return out


_NAMES = {*FORM_FIELDS, "role", "org", "visibility"}


def _problems(exc: ValidationError | Invalid | NotFound) -> dict[str, str]:
    found = problems_of(exc, _NAMES, "name")
    if isinstance(exc, ValidationError):  # a visibility's problem goes next to its select
        for error in exc.errors():
            loc = error["loc"]
            if len(loc) >= 2 and loc[0] == "visibility":
                found.pop("visibility", None)
                found[visibility_id(str(loc[1]))] = "Choose who may see this field"
            elif len(loc) >= 2 and loc[0] == "asns":
                found["asns"] = "Enter AS numbers, for example 4621, 9737"
    return found


def create_contact(engine: Engine, *, actor: Principal, form: ContactForm) -> int:
    """Add the contact the form describes; returns its id."""
    signed_in(actor)
    if not form.name.strip():
        raise FormInvalid({"name": "Enter the contact's name, for example ThaiCERT duty desk"})
    try:
        made = contacts.ContactCreate(
            role=form.role, org=form.org.strip() or None, **_values(form, clearing=False)
        )
        return contacts.create_contact(engine, actor=actor, contact=made).id
    except NotFound as exc:  # the organisation named
        raise FormInvalid({"org": exc.message[:1].upper() + exc.message[1:]}) from None
    except (ValidationError, Invalid) as exc:
        raise FormInvalid(_problems(exc)) from None


def update_contact(engine: Engine, *, actor: Principal, contact_id: int, form: ContactForm) -> None:
    """Change the contact to what the form says (an emptied field is cleared)."""
    signed_in(actor)
    if not form.name.strip():
        raise FormInvalid({"name": "Enter the contact's name"})
    try:
        change = contacts.ContactUpdate(**_values(form, clearing=True))
        contacts.update_contact(engine, actor=actor, contact_id=contact_id, change=change)
    except (ValidationError, Invalid) as exc:
        raise FormInvalid(_problems(exc)) from None


def edit_form(engine: Engine, *, actor: Principal, contact_id: int) -> ContactForm:
    """The filled form of a contact the actor may edit (Forbidden otherwise, as its change would be)."""
    signed_in(actor)
    contacts.require_edit(engine, actor=actor, contact_id=contact_id)
    return ContactForm.of(contacts.get_contact(engine, actor=actor, contact_id=contact_id))


def may_edit(engine: Engine, *, actor: Principal, contact_id: int) -> bool:
    """Whether the page offers the edit form and the check buttons (the verbs decide again)."""
    try:
        contacts.require_edit(engine, actor=actor, contact_id=contact_id)
    except (Forbidden, Unauthorized):
        return False
    return True


# ----------------------------------------------------------------- the acknowledgement page
def pending_check(engine: Engine, *, token: str) -> contacts.PendingCheck:
    """The check behind an acknowledgement link (no sign-in: the token is the credential)."""
    return contacts.pending_check(engine, token=token)


def acknowledge_code(engine: Engine, *, check: str, code: str) -> contacts.AckPublic:
    """Acknowledge by the reply code typed on ``/ack``; a check number that is not one is Invalid."""
    number = check.strip().lstrip("#")
    if not number.isdigit() or not 0 < int(number) < 2**63:
        raise Invalid("check: give the check number of the mail, e.g. 7")
    return contacts.acknowledge_code(engine, check_id=int(number), code=code)


def acknowledge(engine: Engine, *, token: str) -> contacts.AckPublic:
    """Acknowledge through the page: the same verb as the API's; a link that expired is NotFound."""
    contacts.pending_check(engine, token=token)
    return contacts.acknowledge(engine, token=token)

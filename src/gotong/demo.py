"""A little demo intelligence for the ``asean`` preset, submitted by several national CERTs.

The file uses documentation address ranges and ``.example`` domains only, so nothing in it is a
real indicator.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from importlib import resources

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from gotong import (
    assistance,
    budgets,
    contacts,
    exercises,
    incidents,
    maturity,
    norms,
    reports,
    training,
)
from gotong.core import events
from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection, write_transaction
from gotong.intel.store import add_objects
from gotong.orgs.passwords import get_user_id, hash_password, set_password_hash
from gotong.orgs.service import add_user, create_token, get_org, list_orgs, operator_for
from gotong.taskforce import demo as taskforce_demo
from gotong.taskforce.agenda import on_budget_below_mandate

DEMO_COLLECTION = "asean-regional"
# Known on purpose, printed by `gotong init --demo` and written in README: a demo node is for trying.
DEMO_PASSWORD = "gotong-demo-password"


def demo_email(short_name: str) -> str:
    """The demo user of an organisation: ``admin@<short name>.example``."""
    return f"admin@{short_name.lower()}.example"


def load_demo(engine: Engine, *, key: Ed25519PrivateKey | None = None) -> str:
    """Submit the demo objects (idempotent) and create a token for ThaiCERT to try the API with.
    ``key``: the node's signing key, with which the demo taskforce's past motion is decided."""
    data = json.loads(resources.files("gotong").joinpath("data/demo/asean-demo.json").read_text("utf-8"))
    added = 0
    for submission in data["submissions"]:
        with read_connection(engine) as conn:
            org = get_org(conn, short_name=submission["org"])
        report = add_objects(
            engine,
            principal=Principal(org_id=org.id, org_short=org.short_name),
            collection_id=DEMO_COLLECTION,
            objects=submission["objects"],
        )
        added += sum(1 for s in report.successes if s.message != "already present")
    cases = _demo_case_and_request(engine)
    desks = _demo_contacts(engine, data["contacts"])
    drills = _demo_exercise(engine)
    desks += _demo_maturity(engine)
    courses = _demo_training(engine)
    reports = _demo_norms_and_budgets(engine)
    posture = _demo_report(engine)
    with write_transaction(engine) as conn:
        token = create_token(conn, org="ThaiCERT")
        new = [
            o.short_name for o in list_orgs(conn) if get_user_id(conn, email=demo_email(o.short_name)) is None
        ]
        hashed = hash_password(DEMO_PASSWORD) if new else ""  # one hash for all: argon2 is slow on purpose
        for short_name in new:
            add_user(conn, email=demo_email(short_name), org=short_name, role=Role.ADMIN, actor="demo")
            set_password_hash(conn, email=demo_email(short_name), password_hash=hashed, actor="demo")
    seats = taskforce_demo.load(
        engine, password_hash=lambda: hash_password(DEMO_PASSWORD), set_hash=set_password_hash, key=key
    )
    return (
        f"demo intelligence: {added} new objects{cases}{desks}{drills}{seats}{courses}{reports}{posture}\n"
        f"demo token for ThaiCERT (shown once): {token}\n"
        f"demo sign-in at /login: {demo_email('ThaiCERT')} (or admin@<organisation>.example for any"
        f" organisation), password {DEMO_PASSWORD}"
    )


def _demo_report(engine: Engine) -> str:
    """ThaiCERT's posture report of this year, made through the reports verb (once)."""
    with read_connection(engine) as conn:
        org = get_org(conn, short_name="ThaiCERT")
    actor = Principal(org_id=org.id, org_short=org.short_name, role=Role.ADMIN)
    if reports.list_reports(engine, actor=actor):
        return "\ndemo posture report: 0 new"
    reports.generate_report(engine, actor=actor, period="year")
    return "\ndemo posture report: 1 new"


DEMO_CASE = "Phishing kit imitating Thai and Vietnamese banks"
DEMO_REQUEST = "Preserve the logs of the host of the phishing kit"


def _demo_case_and_request(engine: Engine) -> str:
    """One case led by ThaiCERT with VNCERT assisting, and one preservation request from ThaiCERT
    to VNCERT, made through the domains' own verbs (once: a second load finds them)."""
    with read_connection(engine) as conn:
        thai = get_org(conn, short_name="ThaiCERT")
    actor = Principal(org_id=thai.id, org_short=thai.short_name, role=Role.ANALYST)
    if any(c.title == DEMO_CASE for c in incidents.list_cases(engine, actor=actor)):
        return ""
    case = incidents.open_case(
        engine,
        actor=actor,
        case=incidents.CaseCreate(
            title=DEMO_CASE,
            description="A phishing kit hosted in the region imitates the sign-in pages of banks.",
            collection=DEMO_COLLECTION,
            severity=2,
            rsit="fraud/phishing",
            sectors=["banking"],
            participants=[incidents.Participant(org="VNCERT", role=incidents.ParticipantRole.ASSISTING)],
        ),
    )
    incidents.add_task(
        engine,
        actor=actor,
        case_id=case.id,
        task=incidents.TaskCreate(name="Take the phishing host down", assigned_to="VNCERT"),
    )
    assistance.create_request(
        engine,
        actor=actor,
        request=assistance.AssistanceCreate(
            addressee="VNCERT",
            kind=assistance.Kind.PRESERVATION,
            title=DEMO_REQUEST,
            case=case.id,
            fields={
                "requesting_authority": "ThaiCERT, for the Technology Crime Suppression Division",
                "offence": "Fraud against bank customers through a phishing kit",
                "data_to_preserve": "Web server and sign-in logs of the host 203.0.113.80",
                "custodian": "A hosting provider in Viet Nam (documentation address range)",
                "necessity": "The provider keeps its logs for 30 days only",
                "mutual_assistance_intent": "A request for disclosure of the preserved data will follow",
            },
        ),
    )
    return "\ndemo case and assistance request: 1 each"


def _demo_contacts(engine: Engine, entries: list[dict[str, str]]) -> str:
    """A 24/7 duty desk for every organisation of the preset (from the demo data file), through the
    contacts verb; an organisation that already has a contact gets none (a second load adds nothing)."""
    made = 0
    for entry in entries:
        with read_connection(engine) as conn:
            actor = operator_for(conn, org=entry["org"])
        if contacts.list_contacts(engine, actor=actor, org=entry["org"]):
            continue
        contacts.create_contact(engine, actor=actor, contact=contacts.ContactCreate(**entry))
        made += 1
    return f"\ndemo duty desks: {made} new"


DEMO_EXERCISE = "Communication check, last quarter"
_MINUTE = 60_000_000


def _demo_exercise(engine: Engine) -> str:
    """One finished communication check of three desks, run a day ago through the exercises verbs:
    the demo node sends no mail, so the hub rang the desks and recorded what happened (ThaiCERT in
    4 minutes, VNCERT past the 30 minutes, MyCERT not at all); scores 10, 0 and 0. Once only."""
    with read_connection(engine) as conn:
        hub = operator_for(conn, org="ASEAN-CERT")
    if any(e.name == DEMO_EXERCISE for e in exercises.list_exercises(engine, actor=hub)):
        return ""
    from gotong.settings import Settings
    from gotong.stix.timestamps import now_micros

    t0 = now_micros() - 24 * 60 * _MINUTE
    made = exercises.create_exercise(
        engine,
        actor=hub,
        exercise=exercises.ExerciseCreate(
            scenario="communication-check", name=DEMO_EXERCISE, participants=["ThaiCERT", "VNCERT", "MyCERT"]
        ),
        now=t0 - 60 * _MINUTE,
    )
    exercises.start_exercise(engine, actor=hub, exercise_id=made.id, now=t0)
    exercises.tick(engine, settings=Settings(), now=t0)
    rung = {"ThaiCERT": (5, 240.0), "VNCERT": (10, 1500.0), "MyCERT": (12, None)}
    for org, (after, seconds) in rung.items():
        (desk,) = [c for c in contacts.list_contacts(engine, actor=hub, org=org) if c.role == "duty-desk"]
        contacts.run_check(
            engine,
            actor=hub,
            contact_id=desk.id,
            check=contacts.CheckCreate(
                channel=contacts.Channel.PHONE, answered=seconds is not None, response_seconds=seconds
            ),
            settings=Settings(),
            base_url="",
            now=t0 + after * _MINUTE,
        )
    exercises.stop_exercise(engine, actor=hub, exercise_id=made.id, now=t0 + 120 * _MINUTE)
    return "\ndemo exercise: 1 communication check, finished and scored"


def _demo_maturity(engine: Engine) -> str:
    """Published SIM3 assessments of a few members (SingCERT and ThaiCERT to the whole network,
    MyCERT and CamCERT only with the hub; CamCERT's second one reviewed by SingCERT) and CamCERT's
    capacity plan, made through the maturity verbs; an organisation that already has an assessment
    gets none, so a second load adds nothing."""
    text = resources.files("gotong").joinpath("data/demo/maturity-demo.json").read_text("utf-8")
    data = json.loads(text)
    sim3 = maturity.get_framework("sim3-v1")
    made: dict[tuple[str, str], str] = {}
    already = set()
    for org in {e["org"] for e in data["assessments"]}:
        with read_connection(engine) as conn:
            actor = operator_for(conn, org=org)
        if maturity.list_assessments(engine, actor=actor, org=org):
            already.add(org)
    for entry in data["assessments"]:
        if entry["org"] in already:
            continue
        with read_connection(engine) as conn:
            actor = operator_for(conn, org=entry["org"])
        entries = [
            maturity.EntryInput(
                parameter=p.id,
                level=entry["levels"].get(p.id, entry["default"]),
                justification="Demo self-assessment",
            )
            for p in sim3.parameters
        ]
        body = maturity.AssessmentCreate(assessed_on=entry["assessed_on"], entries=entries, tlp=entry["tlp"])
        draft = maturity.create_assessment(engine, actor=actor, assessment=body)
        if entry.get("reviewer"):
            with read_connection(engine) as conn:
                reviewer = operator_for(conn, org=entry["reviewer"])
            maturity.update_assessment(
                engine,
                actor=actor,
                assessment_id=draft.id,
                update=maturity.AssessmentUpdate(reviewer=entry["reviewer"]),
            )
            changes = [maturity.ReviewChange(**c) for c in entry["review"]]
            maturity.review_assessment(
                engine,
                actor=reviewer,
                assessment_id=draft.id,
                review=maturity.Review(changes=changes, done=True),
            )
        publication = maturity.Publication(whole_network=entry["whole_network"] or None)
        maturity.publish_assessment(engine, actor=actor, assessment_id=draft.id, publication=publication)
        made[(entry["org"], entry["assessed_on"])] = draft.id
    plan = data["plan"]
    basis = made.get((plan["org"], plan["basis"]))
    if basis is None:
        return f"\ndemo maturity assessments: {len(made)} new"
    with read_connection(engine) as conn:
        actor = operator_for(conn, org=plan["org"])
    items = [
        maturity.PlanItemCreate(**{k: v for k, v in i.items() if k not in ("status", "evidence")})
        for i in plan["items"]
    ]
    made_plan = maturity.create_plan(
        engine, actor=actor, plan=maturity.PlanCreate(assessment=basis, items=items)
    )
    progress = [
        maturity.PlanItemUpdate(item=n, status=i["status"], evidence=i["evidence"] or None)
        for n, i in enumerate(plan["items"], start=1)
    ]
    maturity.update_plan(
        engine, actor=actor, plan_id=made_plan.id, update=maturity.PlanUpdate(items=progress)
    )
    return f"\ndemo maturity assessments: {len(made)} new; capacity plan: 1"


def _demo_training(engine: Engine, *, today: date | None = None) -> str:
    """The demo courses, enrolments and completions (``data/demo/training.json``), dated from today,
    made through the training verbs with their clock set to when each happened; once (a node whose
    hub already offers the first course gets nothing)."""
    data = json.loads(resources.files("gotong").joinpath("data/demo/training.json").read_text("utf-8"))
    day0 = today or datetime.now(UTC).date()

    def noon(offset: int) -> int:
        d = day0 + timedelta(days=offset)
        return int(datetime(d.year, d.month, d.day, 12, tzinfo=UTC).timestamp() * 1_000_000)

    def operator(org: str) -> Principal:
        with read_connection(engine) as conn:
            return operator_for(conn, org=org)

    first = data["courses"][0]
    hub_actor = operator(first["provider"])
    if any(c.title == first["course"]["title"] for c in training.list_courses(engine, actor=hub_actor)):
        return ""
    earliest = min(s["starts"] for c in data["courses"] for s in c["sessions"])
    made = []
    for entry in data["courses"]:
        sessions = [
            {
                "starts": (day0 + timedelta(days=s["starts"])).isoformat(),
                "ends": (day0 + timedelta(days=s["starts"] + s["days"] - 1)).isoformat(),
                "seats": s["seats"],
                "location": s["location"],
            }
            for s in entry["sessions"]
        ]
        body = training.CourseCreate(**entry["course"], sessions=sessions)
        made.append(
            (
                training.add_course(
                    engine, actor=operator(entry["provider"]), course=body, now=noon(earliest - 30)
                ),
                entry,
            )
        )
    count = 0
    for e in data["enrolments"]:
        course, entry = made[e["course"]]
        session = entry["sessions"][e["session"]]
        for who in e["people"]:
            wanted = training.EnrolmentCreate(
                course=course.id,
                session=f"s{e['session'] + 1}",
                participant=who,
                participant_name=who.split("@")[0].title(),
            )
            enrolled = training.enrol(
                engine, actor=operator(e["org"]), enrolment=wanted, now=noon(session["starts"] - 20)
            )
            count += 1
            if e["complete"]:
                training.attest(
                    engine,
                    actor=operator(entry["provider"]),
                    enrolment_id=enrolled.id,
                    attestation=training.Attestation(status=training.EnrolmentStatus.COMPLETED),
                    now=noon(session["starts"] + session["days"]),
                )
    return f"\ndemo training: {len(made)} courses, {count} enrolments"


def _demo_norms_and_budgets(engine: Engine) -> str:
    """Implementation reports of a few members (VNCERT's with a public summary) and budget reports
    (VNCERT's below the mandate two years running, which tables it on the taskforce's agenda), through
    the domains' verbs; a report a member already has for its cycle or year is not filed again."""
    text = resources.files("gotong").joinpath("data/demo/asean-norms-budgets.json").read_text("utf-8")
    data = json.loads(text)
    filed = 0
    for entry in data["norms_reports"]:
        with read_connection(engine) as conn:
            actor = operator_for(conn, org=entry["org"])
        if norms.list_reports(
            engine, actor=actor, filter=norms.ReportFilter(member=entry["org"], cycle=entry["cycle"])
        ):
            continue
        made = norms.create_report(engine, actor=actor, report=norms.ReportCreate(cycle=entry["cycle"]))
        update = norms.ReportUpdate(
            entries=[norms.EntryUpdate(**e) for e in entry["entries"]],
            publish_summary=entry["publish_summary"],
        )
        norms.update_report(engine, actor=actor, report_id=made.id, update=update)
        filed += 1
    budgeted = 0
    # The shortfall reaches the agenda by the budgets domain's event, as on a serving node. The CLI
    # wires the taskforce's subscriber, a bare load (the tests', an embedding's) does not: subscribe it
    # while filing. Where it is wired as well, the second tabling of the same shortfall changes nothing.
    tabling = events.subscribe(events.BudgetBelowMandate, on_budget_below_mandate(lambda: engine))
    try:
        for entry in data["budget_reports"]:
            with read_connection(engine) as conn:
                actor = operator_for(conn, org=entry["org"])
            if budgets.list_reports(
                engine, actor=actor, filter=budgets.BudgetFilter(member=entry["org"], year=entry["year"])
            ):
                continue
            body = {k: v for k, v in entry.items() if k != "org"}
            budgets.create_report(engine, actor=actor, report=budgets.BudgetCreate(**body))
            budgeted += 1
    finally:
        tabling.cancel()
    return f"\ndemo implementation reports: {filed} new; demo budget reports: {budgeted} new"

"""One real node for the API tests of a module: the ASEAN preset, a little intelligence, a server.

The resources' tests only read it or add things under fresh names, so one node serves a whole
module instead of a migration and a server start per test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, create_engine, text

from gotong import (
    assistance,
    budgets,
    contacts,
    exercises,
    incidents,
    maturity,
    norms,
    playbooks,
    reports,
    taskforce,
)
from gotong.assistance import AssistanceCreate, AssistanceUpdate, RequestStatus
from gotong.core.auth import Principal, Role
from gotong.db.engine import make_engine, read_connection, write_transaction
from gotong.feeds.registry import add_feed
from gotong.incidents import CaseCreate, TaskCreate
from gotong.intel.store import add_objects
from gotong.node import init_node
from gotong.orgs.service import create_token, get_org
from gotong.playbooks import PlaybookImport
from gotong.settings import Settings
from gotong.sharing.service import add_group
from gotong.stix.timestamps import micros_of, now_micros
from gotong.wiring import wire
from tests.conftest import ENGINE_KIND, PG_ADMIN_URL, RunningServer, start_server
from tests.helpers import REGIONAL_ID, indicator
from tests.playbooks.conftest import SCHEMAS as CACAO_SCHEMAS
from tests.taskforce.conftest import STATES, seat_principal, seat_roster
from tests.training.fixtures import make_training

SHARED_IP = "203.0.113.77"
"""Reported by ThaiCERT and MyCERT (two countries), so it raises a regional alert."""


@dataclass
class ApiNode:
    """The node under test and what is on it, for resources' factories to point at."""

    server: RunningServer
    shared_indicator: str  # ThaiCERT's, TLP:GREEN, carrying SHARED_IP
    red_indicator: str  # LaoCERT's, TLP:RED: nobody else may see it
    group: str  # a sharing group owned by ThaiCERT
    others_group: str  # a sharing group owned by MyCERT
    feed: str  # a feed of ThaiCERT
    others_feed: str  # a feed of MyCERT
    alert_id: int
    case: str  # ThaiCERT's case, TLP:GREEN, with a task assigned to ThaiCERT
    task: str
    red_case: str  # LaoCERT's case, TLP:RED: nobody else may see it
    assistance: str  # ThaiCERT's preservation request to MyCERT, acknowledged: renewable by ThaiCERT
    hidden_assistance: str  # MyCERT's request to LaoCERT: ThaiCERT is no party and may not see it
    contact: int  # ThaiCERT's duty desk, with an e-mail address
    others_contact: int  # MyCERT's duty desk: ThaiCERT may not change or check it
    exercises: dict[str, str]  # the hub's drills and their records (see _exercises)
    tf_open: str  # an adopt-norm motion, open: ThaiCERT's analysts do not see it, Thailand's seat votes
    tf_recused: str  # an open motion concerning Thailand: Thailand's seat may not vote on it
    tf_decided: str  # the decided motion that imposed a measure on Thailand: published to members
    tf_review: str  # a review of Thailand: its seat writes the response
    tf_other_review: str  # a review of Viet Nam: Thailand's seat may not respond to it
    tf_measure: str  # the measure on Thailand
    tf_other_measure: str  # a measure on Viet Nam
    assessment: str  # ThaiCERT's published SIM3 assessment (with the hub)
    hidden_assessment: str  # MyCERT's, published to MyCERT and the hub only
    draft: str  # ThaiCERT's draft
    hidden_draft: str  # MyCERT's draft: only MyCERT sees it
    in_review: str  # LaoCERT's, in review by ThaiCERT
    hidden_review: str  # MyCERT's, in review by SingCERT
    plan: str  # ThaiCERT's capacity plan
    hidden_plan: str  # MyCERT's
    training_course: str  # ThaiCERT's course, TLP:GREEN, its session begun on 2026-01-10
    open_course: str  # the hub's, its session in 2027 with seats for all, first come
    hidden_course: str  # MyCERT's, TLP:AMBER to api-my: ThaiCERT may not see it
    training_enrolment: str  # MyCERT's in ThaiCERT's course: ThaiCERT, the provider, attests it
    hidden_enrolment: str  # MyCERT's in the hub's course: ThaiCERT may not see it
    norms_report: str  # ThaiCERT's implementation report for 2026
    hidden_norms_report: str  # MyCERT's: ThaiCERT may not see it
    norms_proposal: str  # ThaiCERT's proposal of a regional norm (TLP:AMBER to the taskforce)
    hidden_norms_proposal: str  # MyCERT's: ThaiCERT may not see it
    budget_report: str  # ThaiCERT's budget for 2026
    hidden_budget_report: str  # MyCERT's: ThaiCERT may not see it
    report: int = 0  # ThaiCERT's posture report
    others_report: int = 0  # MyCERT's: ThaiCERT may not read it
    playbook: str = ""  # ThaiCERT's import of the library's phishing playbook, TLP:GREEN
    hidden_playbook: str = ""  # MyCERT's, TLP:AMBER to api-my: ThaiCERT may not see it
    _tokens: dict[tuple[str, Role, str | None], str] = field(default_factory=dict)

    @property
    def engine(self) -> Engine:
        return self.server.engine

    def token(self, org: str, role: Role, user: str | None = None) -> str:
        if (org, role, user) not in self._tokens:
            with write_transaction(self.engine) as conn:
                self._tokens[(org, role, user)] = create_token(conn, org=org, role=role, user_email=user)
        return self._tokens[(org, role, user)]

    def client(
        self,
        org: str | None = None,
        role: Role = Role.ANALYST,
        *,
        token: str | None = None,
        user: str | None = None,
    ) -> httpx.Client:
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        elif org is not None:
            headers["Authorization"] = f"Bearer {self.token(org, role, user)}"
        return httpx.Client(base_url=self.server.url, headers=headers, timeout=60)


def _post(engine: Engine, org: str, objects: list[dict[str, object]]) -> None:
    with write_transaction(engine) as conn:
        principal = Principal(org_id=get_org(conn, short_name=org).id, org_short=org)
    report = add_objects(engine, principal=principal, collection_id=REGIONAL_ID, objects=objects)
    assert not report.failures, report.taxii()


def _operator(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org)


def _playbooks(engine: Engine) -> tuple[str, str]:
    library = {d["name"]: d for d in playbooks.library()}
    made = []
    for org, name, tlp, group in (
        ("ThaiCERT", "Phishing campaign", "green", None),
        ("MyCERT", "Data breach", "amber", "api-my"),
    ):
        request = PlaybookImport(playbook=library[name], collection=REGIONAL_ID, tlp=tlp, sharing_group=group)
        made.append(
            playbooks.import_playbook(
                engine, actor=_operator(engine, org), request=request, schemas=CACAO_SCHEMAS
            ).id
        )
    return made[0], made[1]


def _case(engine: Engine, org: str, tlp: str) -> str:
    opened = incidents.open_case(
        engine,
        actor=_operator(engine, org),
        case=CaseCreate(title=f"{org} case", collection=REGIONAL_ID, tlp=tlp),
    )
    return opened.id


def _assistance(engine: Engine, requester: str, addressee: str) -> str:
    fields = {
        "requesting_authority": "Police",
        "offence": "Fraud",
        "data_to_preserve": "Logs of 198.51.100.1",
        "custodian": "A provider",
        "necessity": "Logs are kept 14 days",
        "mutual_assistance_intent": "An art. 31 request follows",
    }
    body = AssistanceCreate(addressee=addressee, kind="preservation", title="Preserve logs", fields=fields)
    made = assistance.create_request(engine, actor=_operator(engine, requester), request=body)
    ack = AssistanceUpdate(status=RequestStatus.ACKNOWLEDGED)
    assistance.update_request(engine, actor=_operator(engine, addressee), request_id=made.id, update=ack)
    return made.id


def _exercises(engine: Engine) -> dict[str, str]:
    """Running drills of the one-day scenario, three hours in: ``exercise`` with ThaiCERT and MyCERT
    (its injects, an open appeal of ThaiCERT's), ``hidden_exercise`` of MyCERT and LaoCERT only, one
    exercise each to start, pause and stop, and two stopped ones (ThaiCERT's; MyCERT's and LaoCERT's)."""
    hub = _operator(engine, "ASEAN-CERT")
    t0 = now_micros() - 181 * 60_000_000

    def made(participants: list[str], *, start: bool = True) -> str:
        body = exercises.ExerciseCreate(
            scenario="acid-ransomware", name="api drill", participants=participants
        )
        found = exercises.create_exercise(engine, actor=hub, exercise=body, now=t0).id
        if start:
            exercises.start_exercise(engine, actor=hub, exercise_id=found, now=t0)
        return found

    shown, hidden = made(["ThaiCERT", "MyCERT"]), made(["MyCERT", "LaoCERT"])
    to_start, to_pause, to_stop = made(["ThaiCERT"], start=False), made(["ThaiCERT"]), made(["ThaiCERT"])
    exercises.tick(engine, settings=None, now=t0 + 181 * 60_000_000, only=shown)
    stopped, hidden_stopped = made(["ThaiCERT"]), made(["MyCERT", "LaoCERT"])
    for drill in (stopped, hidden_stopped):
        exercises.stop_exercise(engine, actor=hub, exercise_id=drill, now=t0 + 60_000_000)
    injects = exercises.list_injects(engine, actor=hub, exercise_id=shown)
    thai = next(i.id for i in injects if i.participant == "ThaiCERT" and i.inject == "first-report")
    my = next(i.id for i in injects if i.participant == "MyCERT" and i.inject == "first-report")
    appeal = exercises.file_appeal(
        engine,
        actor=_operator(engine, "ThaiCERT"),
        exercise_id=shown,
        appeal=exercises.AppealCreate(
            inject="first-report", expectation="ack", reason="we answered by phone"
        ),
    ).id
    actions = {
        org: exercises.create_action_item(
            engine,
            actor=hub,
            exercise_id=shown,
            item=exercises.ActionItemCreate(
                participant=org,
                action="Put the loader's domain on the blocklist",
                owner="SOC",
                due="2027-01-31",
            ),
        ).id
        for org in ("ThaiCERT", "MyCERT")
    }
    return {
        "exercise": shown,
        "action": actions["ThaiCERT"],
        "hidden_action": actions["MyCERT"],
        "hidden_exercise": hidden,
        "exercise_to_start": to_start,
        "exercise_to_pause": to_pause,
        "exercise_to_stop": to_stop,
        "exercise_inject": thai,
        "hidden_inject": my,
        "appeal": appeal,
        "stopped_exercise": stopped,
        "hidden_stopped_exercise": hidden_stopped,
    }


def _taskforce(engine: Engine) -> dict[str, str]:
    """The ten seats, two reviews, two measures (on Thailand and Viet Nam) and two open motions."""
    seat_roster(engine)

    def seat(state: str) -> Principal:
        return seat_principal(engine, state)

    def review(by: str, state: str) -> str:
        body = taskforce.ReviewCreate(
            state=state, norm="g", rapporteurs=["SG", "MY"], draft_rating="largely", findings="Findings."
        )
        return taskforce.open_review(engine, actor=seat(by), review=body).id

    def motion(by: str, kind: str, concerned: str | None = None) -> taskforce.MotionPublic:
        body = taskforce.MotionCreate(
            kind=kind,
            text=f"A motion ({kind})",
            seconder="BN",
            concerned=concerned,
            norm="r1" if kind == "adopt-norm" else None,
        )
        return taskforce.table_motion(engine, actor=seat(by), motion=body)

    measures = [motion("SG", "impose-measure", "TH"), motion("SG", "impose-measure", "VN")]
    for m in measures:
        for state in STATES:
            if state != m.concerned:
                vote = taskforce.VoteCast(choice=taskforce.Choice.YES)
                taskforce.cast_vote(engine, actor=seat(state), motion_id=m.id, vote=vote)
    last = max(micros_of(m.closes_at) for m in measures)
    taskforce.close_due(engine, key=Ed25519PrivateKey.generate(), now=last)
    by_state = {m.state: m.id for m in taskforce.measures_in_force(engine, actor=seat("TH"))}
    return {
        "tf_open": motion("SG", "adopt-norm").id,
        "tf_recused": motion("SG", "impose-measure", "TH").id,
        "tf_decided": measures[0].id,
        "tf_review": review("VN", "TH"),
        "tf_other_review": review("TH", "VN"),
        "tf_measure": by_state["TH"],
        "tf_other_measure": by_state["VN"],
    }


def _assessment(engine: Engine, org: str, *, publish: bool = False, reviewer: str | None = None) -> str:
    """An assessment of ``org`` with every SIM3 parameter at 2: a draft, in review, or published."""
    actor = _operator(engine, org)
    entries = [
        maturity.EntryInput(parameter=p.id, level=2) for p in maturity.get_framework("sim3-v1").parameters
    ]
    made = maturity.create_assessment(
        engine, actor=actor, assessment=maturity.AssessmentCreate(entries=entries)
    )
    if publish:
        maturity.publish_assessment(engine, actor=actor, assessment_id=made.id)
    if reviewer:
        update = maturity.AssessmentUpdate(reviewer=reviewer)
        maturity.update_assessment(engine, actor=actor, assessment_id=made.id, update=update)
    return made.id


def _plan(engine: Engine, org: str, assessment_id: str) -> str:
    item = maturity.PlanItemCreate(parameters=["H-4"], action="Write the newcomers' training plan")
    plan = maturity.PlanCreate(assessment=assessment_id, items=[item])
    return maturity.create_plan(engine, actor=_operator(engine, org), plan=plan).id


def _ip_indicator(ip: str, tlp: str) -> dict[str, object]:
    return indicator(tlp=tlp, pattern=f"[ipv4-addr:value = '{ip}']", name=f"IP {ip}")


@pytest.fixture(scope="module")
def api_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiNode]:
    # A module fixture runs before the autouse wiring of each test: wire here so stored objects are indexed.
    wire(Settings(warninglists=""))
    schema = None
    admin = None
    if ENGINE_KIND == "sqlite":
        url = f"sqlite:///{Path(tmp_path_factory.mktemp('api')) / 'gotong.db'}"
    else:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    init_node(engine, preset="asean")
    shared, mine, red = (
        _ip_indicator(SHARED_IP, "green"),
        _ip_indicator(SHARED_IP, "green"),
        indicator(tlp="red"),
    )
    _post(engine, "ThaiCERT", [shared])
    _post(engine, "MyCERT", [mine])
    _post(engine, "LaoCERT", [red])
    with write_transaction(engine) as conn:
        add_group(conn, name="api-thai", members=["ThaiCERT", "LaoCERT"], owner="ThaiCERT")
        add_group(conn, name="api-my", members=["MyCERT"], owner="MyCERT")
        for name, org in (("api-thai-feed", "ThaiCERT"), ("api-my-feed", "MyCERT")):
            add_feed(
                conn,
                name=name,
                source="http://127.0.0.1:9/feed.txt",
                fmt="plain-ip",
                org=org,
                classification="malicious-code/c2-server",
            )
        alert_id = int(conn.execute(text("SELECT min(id) FROM alerts")).scalar_one())
    case = _case(engine, "ThaiCERT", "green")
    task = incidents.add_task(
        engine,
        actor=_operator(engine, "ThaiCERT"),
        case_id=case,
        task=TaskCreate(name="Block the C2 address", assigned_to="ThaiCERT"),
    ).id
    red_case = _case(engine, "LaoCERT", "red")
    request = _assistance(engine, "ThaiCERT", "MyCERT")
    hidden_request = _assistance(engine, "MyCERT", "LaoCERT")
    contact, others_contact = (
        contacts.create_contact(
            engine,
            actor=_operator(engine, org),
            contact=contacts.ContactCreate(
                role="duty-desk", name=f"{org} desk", email=f"desk@{org.lower()}.example"
            ),
        ).id
        for org in ("ThaiCERT", "MyCERT")
    )
    drills = _exercises(engine)
    tf = _taskforce(engine)
    assessment = _assessment(engine, "ThaiCERT", publish=True)
    hidden_assessment = _assessment(engine, "MyCERT", publish=True)
    trainings = make_training(engine, hidden_group="api-my")
    norms_report, hidden_norms_report = (
        norms.create_report(engine, actor=_operator(engine, org), report=norms.ReportCreate(cycle="2026")).id
        for org in ("ThaiCERT", "MyCERT")
    )
    norms_proposal, hidden_norms_proposal = (
        norms.propose_norm(
            engine,
            actor=_operator(engine, org),
            proposal=norms.ProposalCreate(
                norm="r8",
                title=f"{org}'s norm",
                summary="A proposal.",
                items=[{"id": "r8-1", "text": "An item."}],
            ),
        ).id
        for org in ("ThaiCERT", "MyCERT")
    )
    budget_report, hidden_budget_report = (
        budgets.create_report(
            engine,
            actor=_operator(engine, org),
            report=budgets.BudgetCreate(year=2026, amounts={"cert-staff": 1_000_000}),
        ).id
        for org in ("ThaiCERT", "MyCERT")
    )
    report, others_report = (
        reports.generate_report(
            engine, actor=Principal(org_id=_operator(engine, org).org_id, org_short=org, role=Role.ANALYST)
        ).id
        for org in ("ThaiCERT", "MyCERT")
    )
    playbook, hidden_playbook = _playbooks(engine)
    # The API base sends a wrong token to every resource on purpose: the throttle is not under test here.
    # Its own data folder: the audit checkpoint resources keep a checkpoint there.
    srv, thread, running = start_server(
        engine,
        feed_scheduler=False,
        federation=False,
        auth_failures_per_minute=100_000,
        data_dir=str(tmp_path_factory.mktemp("api-node")),
        cacao_schemas=CACAO_SCHEMAS,
    )
    try:
        yield ApiNode(
            server=running,
            shared_indicator=str(shared["id"]),
            red_indicator=str(red["id"]),
            group="api-thai",
            others_group="api-my",
            feed="api-thai-feed",
            others_feed="api-my-feed",
            alert_id=alert_id,
            case=case,
            task=task,
            playbook=playbook,
            hidden_playbook=hidden_playbook,
            red_case=red_case,
            assistance=request,
            hidden_assistance=hidden_request,
            contact=contact,
            others_contact=others_contact,
            exercises=drills,
            tf_open=tf["tf_open"],
            tf_recused=tf["tf_recused"],
            tf_decided=tf["tf_decided"],
            tf_review=tf["tf_review"],
            tf_other_review=tf["tf_other_review"],
            tf_measure=tf["tf_measure"],
            tf_other_measure=tf["tf_other_measure"],
            assessment=assessment,
            hidden_assessment=hidden_assessment,
            draft=_assessment(engine, "ThaiCERT"),
            hidden_draft=_assessment(engine, "MyCERT"),
            in_review=_assessment(engine, "LaoCERT", reviewer="ThaiCERT"),
            hidden_review=_assessment(engine, "MyCERT", reviewer="SingCERT"),
            plan=_plan(engine, "ThaiCERT", assessment),
            hidden_plan=_plan(engine, "MyCERT", hidden_assessment),
            training_course=trainings["training_course"],
            open_course=trainings["open_course"],
            hidden_course=trainings["hidden_course"],
            training_enrolment=trainings["training_enrolment"],
            hidden_enrolment=trainings["hidden_enrolment"],
            norms_report=norms_report,
            hidden_norms_report=hidden_norms_report,
            norms_proposal=norms_proposal,
            hidden_norms_proposal=hidden_norms_proposal,
            budget_report=budget_report,
            hidden_budget_report=hidden_budget_report,
            report=report,
            others_report=others_report,
        )
    finally:
        srv.should_exit = True
        thread.join(timeout=60)
        engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

"""Every /api/v1 resource, declared once: each inherits its 401/403/role/400/visibility tests."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import httpx

from gotong import maturity, playbooks
from gotong.checkpoints import keep_checkpoint, kept_checkpoint
from gotong.contacts import Channel, issue
from gotong.contacts.service import contact_row
from gotong.core.auth import Role
from gotong.db.engine import write_transaction
from tests.api.base import ResourceTests
from tests.api.conftest import SHARED_IP, ApiNode, _operator
from tests.helpers import REGIONAL_ID

COLLECTION = REGIONAL_ID


_CYCLES = itertools.count(2100)


class TestMe(ResourceTests):
    url = "/api/v1/me"


class TestOrganisations(ResourceTests):
    url = "/api/v1/organisations"


class TestGroups(ResourceTests):
    url = "/api/v1/groups"


class TestGroup(ResourceTests):
    url = "/api/v1/groups/{group}"
    hidden_url = "/api/v1/groups/no-such-group"


class TestGroupCreate(ResourceTests):
    method = "POST"
    url = "/api/v1/groups"
    role = Role.COORDINATOR
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"name": f"api-{uuid.uuid4().hex[:10]}", "members": ["ThaiCERT", "MyCERT"]}


class TestGroupUpdate(ResourceTests):
    method = "PATCH"
    url = "/api/v1/groups/{group}"
    role = Role.COORDINATOR
    writes = True
    hidden_url = "/api/v1/groups/{others_group}"  # MyCERT's: ThaiCERT may not change it
    hidden_status = 403

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"add": ["VNCERT"]}


class TestReceipts(ResourceTests):
    url = "/api/v1/receipts?collection=" + COLLECTION


class TestProvenance(ResourceTests):
    url = "/api/v1/collections/" + COLLECTION + "/objects/{shared_indicator}/provenance"
    hidden_url = "/api/v1/collections/" + COLLECTION + "/objects/{red_indicator}/provenance"


class TestLookup(ResourceTests):
    url = "/api/v1/lookup?value=" + SHARED_IP


class TestSightingReport(ResourceTests):
    method = "POST"
    url = "/api/v1/sightings"
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"value": SHARED_IP, "collection": COLLECTION, "count": 2}


class TestSightingsOfAnIndicator(ResourceTests):
    url = "/api/v1/indicators/{shared_indicator}/sightings"


class TestSearch(ResourceTests):
    url = "/api/v1/search?q=" + SHARED_IP


class TestAlerts(ResourceTests):
    url = "/api/v1/alerts"


class TestAlertAcknowledgement(ResourceTests):
    method = "POST"
    url = "/api/v1/alerts/{alert_id}/ack"
    writes = True
    hidden_url = "/api/v1/alerts/999999/ack"


class TestWebhookCreate(ResourceTests):
    method = "POST"
    url = "/api/v1/webhooks"
    role = Role.COORDINATOR
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"url": "https://hooks.example/gotong"}


class TestFeeds(ResourceTests):
    url = "/api/v1/feeds"
    role = Role.COORDINATOR


class TestFeedCreate(ResourceTests):
    method = "POST"
    url = "/api/v1/feeds"
    role = Role.COORDINATOR
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {
            "name": f"api-{uuid.uuid4().hex[:10]}",
            "source": "https://feeds.example/ips.txt",
            "format": "plain-ip",
            "classification": "malicious-code/c2-server",
        }


class TestFeed(ResourceTests):
    url = "/api/v1/feeds/{feed}"
    role = Role.COORDINATOR
    hidden_url = "/api/v1/feeds/{others_feed}"  # MyCERT's: answered as a missing feed


class TestFeedRun(ResourceTests):
    method = "POST"
    url = "/api/v1/feeds/{feed}/run"
    role = Role.COORDINATOR
    writes = True
    hidden_url = "/api/v1/feeds/{others_feed}/run"


class TestExport(ResourceTests):
    url = "/api/v1/export?format=ip"


class TestChanges(ResourceTests):
    url = "/api/v1/changes?collection=" + COLLECTION
    streams = True
    hidden_url = "/api/v1/changes?collection=no-such-collection"


class TestMispFeedManifest(ResourceTests):
    url = "/api/v1/misp-feed/manifest.json"
    hidden_url = "/api/v1/misp-feed/" + str(uuid.UUID(int=0)) + ".json"  # no event of that uuid is visible


class TestCases(ResourceTests):
    url = "/api/v1/cases"


class TestCase(ResourceTests):
    url = "/api/v1/cases/{case}"
    hidden_url = "/api/v1/cases/{red_case}"  # LaoCERT's TLP:RED case


class TestPlaybooks(ResourceTests):
    url = "/api/v1/playbooks"


class TestPlaybook(ResourceTests):
    url = "/api/v1/playbooks/{playbook}"
    hidden_url = "/api/v1/playbooks/{hidden_playbook}"  # MyCERT's, TLP:AMBER to api-my


class TestPlaybookExport(ResourceTests):
    url = "/api/v1/playbooks/{playbook}/export"
    hidden_url = "/api/v1/playbooks/{hidden_playbook}/export"


class TestPlaybookImport(ResourceTests):
    method = "POST"
    url = "/api/v1/playbooks"
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        document = playbooks.library()[0]
        fresh = {
            **document,
            "id": f"playbook--{uuid.uuid4()}",
            "name": f"api playbook {uuid.uuid4().hex[:8]}",
        }
        return {"playbook": fresh, "collection": COLLECTION}


class TestCasePlaybookApply(ResourceTests):
    method = "POST"
    url = "/api/v1/cases/{case}/playbook"
    writes = True
    success = 201
    hidden_url = "/api/v1/cases/{red_case}/playbook"

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"playbook": node.playbook}


class TestCasePlaybooks(ResourceTests):
    url = "/api/v1/cases/{case}/playbook"
    hidden_url = "/api/v1/cases/{red_case}/playbook"


class TestCasePlaybookAdvance(ResourceTests):
    method = "POST"
    url = "/api/v1/cases/{case}/playbook/advance"
    writes = True
    hidden_url = "/api/v1/cases/{red_case}/playbook/advance"


class TestCaseOpen(ResourceTests):
    method = "POST"
    url = "/api/v1/cases"
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"title": f"api case {uuid.uuid4().hex[:8]}", "collection": COLLECTION, "tlp": "green"}


class TestCaseFromAlert(ResourceTests):
    method = "POST"
    url = "/api/v1/cases/from-alert/{alert_id}"
    writes = True
    success = 201
    hidden_url = "/api/v1/cases/from-alert/999999"


class TestCaseUpdate(ResourceTests):
    method = "PATCH"
    url = "/api/v1/cases/{case}"
    writes = True
    hidden_url = "/api/v1/cases/{red_case}"

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"description": f"updated {uuid.uuid4().hex[:8]}"}


class TestCaseEvent(ResourceTests):
    method = "POST"
    url = "/api/v1/cases/{case}/events"
    writes = True
    success = 201
    hidden_url = "/api/v1/cases/{red_case}/events"

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"name": f"event {uuid.uuid4().hex[:8]}"}


class TestCaseTask(ResourceTests):
    method = "POST"
    url = "/api/v1/cases/{case}/tasks"
    writes = True
    success = 201
    hidden_url = "/api/v1/cases/{red_case}/tasks"

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"name": f"task {uuid.uuid4().hex[:8]}", "assigned_to": "ThaiCERT"}


class TestCaseTaskUpdate(ResourceTests):
    method = "PATCH"
    url = "/api/v1/cases/{case}/tasks/{task}"
    writes = True
    hidden_url = "/api/v1/cases/{red_case}/tasks/{task}"

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"outcome": "ongoing"}


class TestCaseImpact(ResourceTests):
    method = "POST"
    url = "/api/v1/cases/{case}/impacts"
    writes = True
    success = 201
    hidden_url = "/api/v1/cases/{red_case}/impacts"

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"name": "Port offline", "category": "availability", "details": {"availability_impact": 80}}


class TestCaseClocks(ResourceTests):
    url = "/api/v1/cases/{case}/clocks"
    hidden_url = "/api/v1/cases/{red_case}/clocks"


class TestCaseAcknowledge(ResourceTests):
    method = "POST"
    url = "/api/v1/cases/{case}/acknowledge"
    writes = True
    success = 201
    hidden_url = "/api/v1/cases/{red_case}/acknowledge"

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"note": "seen by the duty desk"}


class TestAssistanceRequests(ResourceTests):
    url = "/api/v1/assistance"


class TestAssistanceRequestCreate(ResourceTests):
    method = "POST"
    url = "/api/v1/assistance"
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {
            "addressee": "MyCERT",
            "kind": "information",
            "title": f"api request {uuid.uuid4().hex[:8]}",
            "fields": {"question": "Who operates 198.51.100.1?"},
        }


class TestAssistanceRequest(ResourceTests):
    url = "/api/v1/assistance/{assistance}"
    hidden_url = "/api/v1/assistance/{hidden_assistance}"  # between MyCERT and LaoCERT


class TestAssistanceRequestUpdate(ResourceTests):
    method = "PATCH"
    url = "/api/v1/assistance/{assistance}"
    writes = True
    hidden_url = "/api/v1/assistance/{hidden_assistance}"

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"renew": True}  # ThaiCERT's preservation: renewing may repeat


class TestAssistanceMessage(ResourceTests):
    method = "POST"
    url = "/api/v1/assistance/{assistance}/messages"
    writes = True
    success = 201
    hidden_url = "/api/v1/assistance/{hidden_assistance}/messages"

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"text": f"message {uuid.uuid4().hex[:8]}"}


class TestContacts(ResourceTests):
    url = "/api/v1/contacts"


class TestContactBundle(ResourceTests):
    url = "/api/v1/contacts/bundle"


class TestContact(ResourceTests):
    url = "/api/v1/contacts/{contact}"
    hidden_url = "/api/v1/contacts/999999"


class TestContactCreate(ResourceTests):
    method = "POST"
    url = "/api/v1/contacts"
    role = Role.COORDINATOR
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"role": "incident-handling", "name": f"api desk {uuid.uuid4().hex[:8]}"}


class TestContactUpdate(ResourceTests):
    method = "PATCH"
    url = "/api/v1/contacts/{contact}"
    role = Role.COORDINATOR
    writes = True
    hidden_url = "/api/v1/contacts/{others_contact}"  # MyCERT's: ThaiCERT may not change it
    hidden_status = 403

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"out_of_hours": f"call the duty phone {uuid.uuid4().hex[:6]}"}


class TestContactCheck(ResourceTests):
    method = "POST"
    url = "/api/v1/contacts/{contact}/checks"
    role = Role.COORDINATOR
    writes = True
    success = 201
    hidden_url = "/api/v1/contacts/{others_contact}/checks"
    hidden_status = 403

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"channel": "phone", "answered": True, "response_seconds": 12.5}


class TestReachability(ResourceTests):
    url = "/api/v1/reachability"


class TestCheckAcknowledgement(ResourceTests):
    """The acknowledgement takes no credential by design: its one-time token is the credential.

    So the inherited 401 tests are replaced by what holds instead: it succeeds without a token, a
    wrong token is not even looked at, and a second use of the same link is refused (409).
    """

    method = "POST"
    url = "/api/v1/checks/{{token}}/ack"
    hidden_url = "/api/v1/checks/no-such-token/ack"

    def call(
        self,
        node: ApiNode,
        client: httpx.Client,
        *,
        url: str | None = None,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> httpx.Response:
        if url is None:
            url = f"/api/v1/checks/{self.fresh_token(node)}/ack"
        return super().call(node, client, url=url, params=params, body=body)

    @staticmethod
    def fresh_token(node: ApiNode) -> str:
        with write_transaction(node.engine) as conn:
            return issue(conn, contact_row(conn, node.contact), Channel.EMAIL)[1]

    def test_without_a_token_is_401(self, api_node: ApiNode) -> None:
        token = self.fresh_token(api_node)
        with api_node.client() as client:
            first = self.call(api_node, client, url=f"/api/v1/checks/{token}/ack")
            again = self.call(api_node, client, url=f"/api/v1/checks/{token}/ack")
        assert first.status_code == 200, first.text
        assert first.json()["response_micros"] >= 0
        assert again.status_code == 409, again.text
        assert "good once" in again.json()["description"]

    def test_with_a_wrong_token_is_401(self, api_node: ApiNode) -> None:
        with api_node.client(token=f"gtg_{uuid.uuid4().hex}") as client:
            response = self.call(api_node, client)
        assert response.status_code == 200, response.text  # no credential is consulted at all


HUB = "ASEAN-CERT"
EX = "/api/v1/exercises/{exercises[exercise]}"
HIDDEN_EX = "/api/v1/exercises/{exercises[hidden_exercise]}"


class TestExercises(ResourceTests):
    url = "/api/v1/exercises"


class TestExerciseCreate(ResourceTests):
    method = "POST"
    url = "/api/v1/exercises"
    caller = HUB
    role = Role.COORDINATOR
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"scenario": "communication-check", "name": "api check", "participants": ["ThaiCERT"]}


class TestExercise(ResourceTests):
    url = EX
    hidden_url = HIDDEN_EX  # MyCERT's and LaoCERT's drill: ThaiCERT takes no part


class TestExerciseStart(ResourceTests):
    method = "POST"
    url = "/api/v1/exercises/{exercises[exercise_to_start]}/start"
    caller = HUB
    role = Role.COORDINATOR
    writes = True


class TestExercisePause(ResourceTests):
    method = "POST"
    url = "/api/v1/exercises/{exercises[exercise_to_pause]}/pause"
    caller = HUB
    role = Role.COORDINATOR
    writes = True


class TestExerciseStop(ResourceTests):
    method = "POST"
    url = "/api/v1/exercises/{exercises[exercise_to_stop]}/stop"
    caller = HUB
    role = Role.COORDINATOR
    writes = True


class TestExerciseInjects(ResourceTests):
    url = EX + "/injects"
    hidden_url = HIDDEN_EX + "/injects"


class TestExerciseInjectAck(ResourceTests):
    method = "POST"
    url = EX + "/injects/{exercises[exercise_inject]}/ack"
    writes = True
    hidden_url = EX + "/injects/{exercises[hidden_inject]}/ack"  # MyCERT's inject in the same drill


class TestExerciseScores(ResourceTests):
    url = EX + "/scores"
    hidden_url = HIDDEN_EX + "/scores"


class TestExerciseEvaluate(ResourceTests):
    method = "POST"
    url = EX + "/scores"
    caller = HUB
    role = Role.COORDINATOR
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"participant": "ThaiCERT", "inject": "spread", "expectation": "situation", "points": 12}


class TestExerciseAfterAction(ResourceTests):
    url = "/api/v1/exercises/{exercises[stopped_exercise]}/after-action"
    hidden_url = "/api/v1/exercises/{exercises[hidden_stopped_exercise]}/after-action"


class TestExerciseAppeals(ResourceTests):
    url = EX + "/appeals"
    hidden_url = HIDDEN_EX + "/appeals"


class TestExerciseAppealCreate(ResourceTests):
    method = "POST"
    url = EX + "/appeals"
    writes = True
    success = 201
    hidden_url = HIDDEN_EX + "/appeals"

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"inject": "loader-domain", "expectation": "share", "reason": f"appeal {uuid.uuid4().hex[:8]}"}


class TestExerciseAppealDecision(ResourceTests):
    method = "POST"
    url = EX + "/appeals/{exercises[appeal]}/decision"
    caller = HUB
    role = Role.COORDINATOR
    writes = True

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"outcome": "upheld", "points": 5, "reason": "the phone log shows it"}


class TestExerciseActions(ResourceTests):
    url = EX + "/actions"
    hidden_url = HIDDEN_EX + "/actions"


class TestExerciseActionCreate(ResourceTests):
    method = "POST"
    url = EX + "/actions"
    writes = True
    success = 201
    hidden_url = HIDDEN_EX + "/actions"

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"action": f"Train the desk {uuid.uuid4().hex[:8]}", "owner": "Desk lead", "due": "2027-02-28"}


class TestExerciseActionUpdate(ResourceTests):
    method = "PATCH"
    url = EX + "/actions/{exercises[action]}"
    writes = True
    hidden_url = EX + "/actions/{exercises[hidden_action]}"  # MyCERT's item in the same drill

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"evidence": f"The blocklist entry {uuid.uuid4().hex[:8]}"}


class TestScenarios(ResourceTests):
    url = "/api/v1/scenarios"


class TestScenarioImport(ResourceTests):
    method = "POST"
    url = "/api/v1/scenarios"
    caller = HUB
    role = Role.COORDINATOR
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {
            "id": f"api-{uuid.uuid4().hex[:8]}",
            "title": "An imported drill",
            "narrative": "A short one.",
            "injects": [
                {
                    "id": "one",
                    "offset_minutes": 0,
                    "targets": ["all"],
                    "channel": "exercise-collection",
                    "title": "One",
                    "content": "This is a drill.",
                }
            ],
        }


class TestScenarioExport(ResourceTests):
    url = "/api/v1/scenarios/communication-check"


# --- the taskforce: reads by any member; writes by a seat holder (Thailand's), a person with a seat
_SEAT_TH = "seat.th@taskforce.example"


class TestTaskforceSeats(ResourceTests):
    url = "/api/v1/taskforce/seats"


class TestTaskforceReviews(ResourceTests):
    url = "/api/v1/taskforce/reviews"


class TestTaskforceAgenda(ResourceTests):
    url = "/api/v1/taskforce/agenda"  # what findings tabled, as the caller may see it


class TestTaskforceReviewOpen(ResourceTests):
    method = "POST"
    url = "/api/v1/taskforce/reviews"
    caller, user, role, writes, success = "ASEAN-TF", _SEAT_TH, Role.TASKFORCE, True, 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {
            "state": "VN",
            "norm": "h",
            "rapporteurs": ["SG", "TH"],
            "draft_rating": "compliant",
            "findings": f"api {uuid.uuid4().hex[:8]}",
        }


class TestTaskforceReviewResponse(ResourceTests):
    method = "POST"
    url = "/api/v1/taskforce/reviews/{tf_review}/response"
    caller, user, role, writes = "ASEAN-TF", _SEAT_TH, Role.TASKFORCE, True
    hidden_url = (
        "/api/v1/taskforce/reviews/{tf_other_review}/response"  # Viet Nam's: not Thailand's to answer
    )
    hidden_status = 403

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"text": "Thailand's response."}


class TestTaskforceMotions(ResourceTests):
    url = "/api/v1/taskforce/motions"


class TestTaskforceMotionTable(ResourceTests):
    method = "POST"
    url = "/api/v1/taskforce/motions"
    caller, user, role, writes, success = "ASEAN-TF", _SEAT_TH, Role.TASKFORCE, True, 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"kind": "adopt-norm", "norm": "r1", "text": f"api {uuid.uuid4().hex[:8]}", "seconder": "SG"}


class TestTaskforceMotion(ResourceTests):
    url = "/api/v1/taskforce/motions/{tf_decided}"  # decided: published to every member
    hidden_url = "/api/v1/taskforce/motions/{tf_open}"  # open: the taskforce's deliberation


class TestTaskforceVote(ResourceTests):
    method = "POST"
    url = "/api/v1/taskforce/motions/{tf_open}/votes"
    caller, user, role, writes, success = "ASEAN-TF", _SEAT_TH, Role.TASKFORCE, True, 201
    hidden_url = "/api/v1/taskforce/motions/{tf_recused}/votes"  # it concerns Thailand: recused
    hidden_status = 403

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"choice": "abstain"}


class TestTaskforceMeasures(ResourceTests):
    url = "/api/v1/taskforce/measures"


class TestTaskforceRemedy(ResourceTests):
    method = "POST"
    url = "/api/v1/taskforce/measures/{tf_measure}/remedy"
    caller, user, role, writes = "ASEAN-TF", _SEAT_TH, Role.TASKFORCE, True
    hidden_url = "/api/v1/taskforce/measures/{tf_other_measure}/remedy"  # Viet Nam's measure
    hidden_status = 403

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"text": "Remedied."}


class TestMaturityFrameworks(ResourceTests):
    url = "/api/v1/maturity/frameworks"


class TestMaturityAssessments(ResourceTests):
    url = "/api/v1/maturity/assessments"


class TestMaturityAssessmentCreate(ResourceTests):
    method = "POST"
    url = "/api/v1/maturity/assessments"
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"entries": [{"parameter": "O-1", "level": 2, "justification": "A decree of 2019"}]}


class TestMaturityAssessment(ResourceTests):
    url = "/api/v1/maturity/assessments/{assessment}"
    hidden_url = "/api/v1/maturity/assessments/{hidden_assessment}"  # MyCERT's, with the hub only


class TestMaturityAssessmentUpdate(ResourceTests):
    method = "PATCH"
    url = "/api/v1/maturity/assessments/{draft}"
    writes = True
    hidden_url = "/api/v1/maturity/assessments/{hidden_draft}"

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"entries": [{"parameter": "T-4", "level": 3, "evidence": ["https://cert.example/cases"]}]}


class TestMaturityReview(ResourceTests):
    method = "POST"
    url = "/api/v1/maturity/assessments/{in_review}/review"  # LaoCERT's, ThaiCERT reviews
    writes = True
    hidden_url = "/api/v1/maturity/assessments/{hidden_review}/review"  # SingCERT reviews MyCERT's

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"changes": [{"parameter": "T-4", "level": 1, "reason": "A spreadsheet, not a tracker"}]}


class TestMaturityPublish(ResourceTests):
    """Each successful call publishes a fresh complete draft of ThaiCERT's (publishing is once)."""

    method = "POST"
    url = "/api/v1/maturity/assessments/{fresh}/publish"
    writes = True
    hidden_url = "/api/v1/maturity/assessments/{hidden_draft}/publish"

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {}

    def call(self, node: ApiNode, client: httpx.Client, **kwargs: Any) -> httpx.Response:
        if kwargs.get("url") is None:
            kwargs["url"] = self.url.replace("{fresh}", _complete_draft(node))
        return super().call(node, client, **kwargs)


def _complete_draft(node: ApiNode) -> str:
    entries = [
        maturity.EntryInput(parameter=p.id, level=1) for p in maturity.get_framework("sim3-v1").parameters
    ]
    body = maturity.AssessmentCreate(entries=entries)
    return maturity.create_assessment(
        node.engine, actor=_operator(node.engine, "ThaiCERT"), assessment=body
    ).id


class TestMaturityExport(ResourceTests):
    url = "/api/v1/maturity/assessments/{assessment}/export"
    hidden_url = "/api/v1/maturity/assessments/{hidden_assessment}/export"


class TestMaturityGaps(ResourceTests):
    url = "/api/v1/maturity/assessments/{assessment}/gaps"
    hidden_url = "/api/v1/maturity/assessments/{hidden_assessment}/gaps"


class TestMaturityRadar(ResourceTests):
    url = "/api/v1/maturity/assessments/{assessment}/radar.svg"
    hidden_url = "/api/v1/maturity/assessments/{hidden_assessment}/radar.svg"


class TestMaturityRegion(ResourceTests):
    url = "/api/v1/maturity/region"


class TestMaturityTiers(ResourceTests):
    url = "/api/v1/maturity/tiers"


class TestCapacityPlans(ResourceTests):
    url = "/api/v1/capacity/plans"


class TestCapacityPlanCreate(ResourceTests):
    method = "POST"
    url = "/api/v1/capacity/plans"
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"assessment": node.assessment, "items": [{"parameters": ["H-5"], "action": "Send two staff"}]}


class TestCapacityPlan(ResourceTests):
    url = "/api/v1/capacity/plans/{plan}"
    hidden_url = "/api/v1/capacity/plans/{hidden_plan}"


class TestCapacityPlanUpdate(ResourceTests):
    method = "PATCH"
    url = "/api/v1/capacity/plans/{plan}"
    writes = True
    hidden_url = "/api/v1/capacity/plans/{hidden_plan}"

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"add": [{"parameters": ["P-13"], "action": f"Outreach {uuid.uuid4().hex[:6]}"}]}


class TestTrainingCourses(ResourceTests):
    url = "/api/v1/training/courses"


class TestTrainingCourseCreate(ResourceTests):
    method = "POST"
    url = "/api/v1/training/courses"
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {
            "title": f"api course {uuid.uuid4().hex[:8]}",
            "format": "self-paced",
            "duration_hours": 2,
            "level": "basic",
            "topics": ["internal"],
        }


class TestTrainingCourse(ResourceTests):
    url = "/api/v1/training/courses/{training_course}"
    hidden_url = "/api/v1/training/courses/{hidden_course}"  # MyCERT's, TLP:AMBER to MyCERT only


class TestTrainingCourseUpdate(ResourceTests):
    method = "PATCH"
    url = "/api/v1/training/courses/{training_course}"  # ThaiCERT, the caller, provides it
    writes = True
    hidden_url = "/api/v1/training/courses/{hidden_course}"

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"description": f"Edited {uuid.uuid4().hex[:8]}"}


class TestTrainingRequirements(ResourceTests):
    url = "/api/v1/training/requirements"


class TestTrainingEnrolments(ResourceTests):
    url = "/api/v1/training/enrolments"


class TestTrainingEnrol(ResourceTests):
    method = "POST"
    url = "/api/v1/training/enrolments"
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        who = f"p-{uuid.uuid4().hex[:8]}@thaicert.example"
        return {"course": node.open_course, "session": "s1", "participant": who}


class TestTrainingAttest(ResourceTests):
    method = "PATCH"
    url = "/api/v1/training/enrolments/{training_enrolment}"
    writes = True
    hidden_url = "/api/v1/training/enrolments/{hidden_enrolment}"

    def body(self, node: ApiNode) -> dict[str, Any]:
        # ThaiCERT, the provider, moves MyCERT's enrolment between attended and no-show, so calls may repeat
        with httpx.Client(base_url=node.server.url) as client:
            found = client.get(
                "/api/v1/training/enrolments",
                headers={"Authorization": f"Bearer {node.token('ThaiCERT', Role.READONLY)}"},
            ).json()
        now = next(e["status"] for e in found if e["id"] == node.training_enrolment)
        return {"status": "no-show" if now == "attended" else "attended"}


class TestTrainingCompletions(ResourceTests):
    url = "/api/v1/training/completions"


class TestTrainingComplete(ResourceTests):
    method = "POST"
    url = "/api/v1/training/completions"
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        from tests.training.fixtures import enrol_long_ago

        who = f"p-{uuid.uuid4().hex[:8]}@mycert.example"
        return {"enrolment": enrol_long_ago(node.engine, node.training_course, "MyCERT", who)}


class TestTrainingCompliance(ResourceTests):
    url = "/api/v1/training/compliance"
    hidden_url = "/api/v1/training/compliance?org=MyCERT"  # only the hub is shown another member's


class TestNorms(ResourceTests):
    url = "/api/v1/norms"


class TestNormsReports(ResourceTests):
    url = "/api/v1/norms/reports"


class TestNormsSummaries(ResourceTests):
    url = "/api/v1/norms/summaries"


class TestNormsProposals(ResourceTests):
    url = "/api/v1/norms/proposals"


class TestNormsProposalCreate(ResourceTests):
    method = "POST"
    url = "/api/v1/norms/proposals"
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {
            "norm": "r9",
            "title": f"api proposal {uuid.uuid4().hex[:8]}",
            "summary": "A norm proposed over the API.",
            "items": [{"id": "r9-1", "text": "An item."}],
        }


class TestNormsProposal(ResourceTests):
    url = "/api/v1/norms/proposals/{norms_proposal}"
    hidden_url = "/api/v1/norms/proposals/{hidden_norms_proposal}"  # MyCERT's


class TestNormsReportCreate(ResourceTests):
    method = "POST"
    url = "/api/v1/norms/reports"
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        # One report per member and cycle: each call files a cycle of its own.
        return {"cycle": str(next(_CYCLES))}


class TestNormsReport(ResourceTests):
    url = "/api/v1/norms/reports/{norms_report}"
    hidden_url = "/api/v1/norms/reports/{hidden_norms_report}"  # MyCERT's


class TestNormsReportUpdate(ResourceTests):
    method = "PATCH"
    url = "/api/v1/norms/reports/{norms_report}"
    writes = True
    hidden_url = "/api/v1/norms/reports/{hidden_norms_report}"

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"entries": [{"item": "a1", "status": "in-progress", "narrative": uuid.uuid4().hex[:8]}]}


class TestBudgetMandates(ResourceTests):
    url = "/api/v1/budgets/mandates"


class TestBudgetReports(ResourceTests):
    url = "/api/v1/budgets/reports"


class TestBudgetReportCreate(ResourceTests):
    method = "POST"
    url = "/api/v1/budgets/reports"
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        # One report per member and year: the module's only successful call files ThaiCERT's 2025.
        return {"year": 2025, "amounts": {"training": 1000}}


class TestBudgetReport(ResourceTests):
    url = "/api/v1/budgets/reports/{budget_report}"
    hidden_url = "/api/v1/budgets/reports/{hidden_budget_report}"  # MyCERT's


class TestBudgetRanges(ResourceTests):
    method = "POST"
    url = "/api/v1/budgets/reports/{budget_report}/ranges"  # publishing again keeps the same ranges
    writes = True
    hidden_url = "/api/v1/budgets/reports/{hidden_budget_report}/ranges"


class TestBudgetCompliance(ResourceTests):
    url = "/api/v1/budgets/compliance"


class TestScoreboard(ResourceTests):
    url = "/api/v1/scoreboard?period=month"
    hidden_url = "/api/v1/scoreboard?period=month&org=MyCERT"  # MyCERT has not published its detail
    hidden_status = 403


class TestScoreboardMatrix(ResourceTests):
    url = "/api/v1/scoreboard/matrix?period=quarter"


class TestScoreboardSettings(ResourceTests):
    url = "/api/v1/scoreboard/settings"


class TestScoreboardSettingsUpdate(ResourceTests):
    method = "PATCH"
    url = "/api/v1/scoreboard/settings"
    role = Role.COORDINATOR
    writes = True

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"team_size": 7}


class TestReports(ResourceTests):
    url = "/api/v1/reports"


class TestReportGenerate(ResourceTests):
    method = "POST"
    url = "/api/v1/reports"
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"period": "month"}


class TestReport(ResourceTests):
    url = "/api/v1/reports/{report}"
    hidden_url = "/api/v1/reports/{others_report}"  # MyCERT's: not found for ThaiCERT


class TestReportSubscribers(ResourceTests):
    url = "/api/v1/report-subscribers"
    role = Role.COORDINATOR


class TestReportSubscribe(ResourceTests):
    method = "POST"
    url = "/api/v1/report-subscribers"
    role = Role.COORDINATOR
    writes = True
    success = 201

    def body(self, node: ApiNode) -> dict[str, Any]:
        return {"email": f"duty-{uuid.uuid4().hex[:8]}@thaicert.example"}


class TestAuditCheckpoint(ResourceTests):
    """Read by the organisations the node federates with and by its admins; ThaiCERT is no peer of
    the node under test, so its admin is the one that may (tests/federation/test_witness.py: peers)."""

    url = "/api/v1/audit/checkpoint"
    role = Role.ADMIN

    def call(
        self,
        node: ApiNode,
        client: httpx.Client,
        *,
        url: str | None = None,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> httpx.Response:
        if kept_checkpoint(node.server.settings) is None:
            keep_checkpoint(node.server.engine, settings=node.server.settings)
        return super().call(node, client, url=url, params=params, body=body)


class TestAuditWitnessed(ResourceTests):
    url = "/api/v1/audit/witnessed"
    role = Role.ADMIN

"""Every /api/v1 resource, declared once: each inherits its 401/403/role/400/visibility tests."""

from __future__ import annotations

import uuid
from typing import Any

from gotong.core.auth import Role
from tests.api.base import ResourceTests
from tests.api.conftest import SHARED_IP, ApiNode
from tests.helpers import REGIONAL_ID

COLLECTION = REGIONAL_ID


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

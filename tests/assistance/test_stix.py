"""Requests as STIX: what a party reads over TAXII is a valid object of a type the published
extension-definition names, and its messages are standard notes pointing at it."""

from __future__ import annotations

from typing import Any

import stix2

from gotong.assistance import REQUEST_EXTENSION_ID, REQUEST_TYPE
from gotong.stix.validate import validate_object
from tests.assistance.conftest import ASSISTANCE
from tests.conftest import RunningServer

TAXII = {"Accept": "application/taxii+json;version=2.1"}


def test_a_party_reads_the_request_its_definition_and_its_thread_over_taxii(
    server: RunningServer, api: Any
) -> None:
    th, my = api("ThaiCERT"), api("MyCERT")
    sent = th.preservation()
    note = my.ok("POST", f"{ASSISTANCE}/{sent['id']}/messages", 201, json={"text": "Preserved"})
    objects_url = f"{server.collection_url(sent['collection'])}objects/"
    seen = my.ok("GET", objects_url, headers=TAXII)["objects"]
    request = next(o for o in seen if o["id"] == sent["id"])
    assert request["type"] == REQUEST_TYPE and not validate_object(request)
    assert request["extensions"][REQUEST_EXTENSION_ID] == {"extension_type": "new-sdo"}
    assert request["request_fields"]["data_to_preserve"].startswith("Subscriber and connection logs")
    assert stix2.parse(request, allow_custom=True) == request  # kept whole by the OASIS library
    definition = next(o for o in seen if o["id"] == REQUEST_EXTENSION_ID)
    assert isinstance(stix2.parse(definition), stix2.v21.ExtensionDefinition)
    thread = next(o for o in seen if o["id"] == note["id"])
    # a standard note; the library wants allow_custom only because it points at a new-sdo type
    assert isinstance(stix2.parse(thread, allow_custom=True), stix2.v21.Note)
    assert thread["object_refs"] == [sent["id"]]
    assert thread["object_marking_refs"] == request["object_marking_refs"]

"""Paging while another client writes neither skips nor repeats an object."""

from __future__ import annotations

import threading

import httpx
import orjson
from sqlalchemy import select

from gotong.intel.models import stix_objects
from tests.conftest import RunningServer, token_for
from tests.helpers import REGIONAL_ID, indicator

TAXII = "application/taxii+json;version=2.1"


def test_paging_during_concurrent_writes_is_exact(server: RunningServer) -> None:
    url = f"{server.url}/{server.settings.api_root}/collections/{REGIONAL_ID}/objects/"
    writer_headers = {
        "Authorization": f"Bearer {token_for(server.engine, 'MyCERT')}",
        "Accept": TAXII,
        "Content-Type": TAXII,
    }
    reader_headers = {"Authorization": f"Bearer {token_for(server.engine, 'ThaiCERT')}", "Accept": TAXII}
    with httpx.Client(headers=writer_headers, timeout=30) as seed:
        seed.post(url, content=orjson.dumps({"objects": [indicator() for _ in range(120)]}))

    stop = threading.Event()
    written: list[int] = []

    def write() -> None:
        with httpx.Client(headers=writer_headers, timeout=30) as writer:
            while not stop.is_set():
                batch = [indicator() for _ in range(5)]
                response = writer.post(url, content=orjson.dumps({"objects": batch}))
                written.append(response.json()["success_count"])

    thread = threading.Thread(target=write)
    thread.start()
    seen: list[str] = []
    pages = 0
    try:
        with httpx.Client(headers=reader_headers, timeout=30) as reader:
            params: dict[str, str] = {"limit": "7", "match[version]": "all"}
            while True:
                page = reader.get(url, params=params).json()
                pages += 1
                seen.extend(o["id"] for o in page.get("objects", []))
                if not page["more"] or pages > 200:
                    break
                params["next"] = page["next"]
    finally:
        stop.set()
        thread.join(timeout=30)

    assert sum(written) > 0, "the writer never wrote while the reader paged"
    assert len(seen) == len(set(seen)), "an object was repeated"
    with server.engine.connect() as conn:
        ordered = list(
            conn.execute(
                select(stix_objects.c.stix_id)
                .where(stix_objects.c.collection_id == REGIONAL_ID)
                .order_by(stix_objects.c.date_added)
            ).scalars()
        )
    # Everything stored up to the last object the reader saw was seen, in date_added order.
    assert seen == ordered[: len(seen)], "an object was skipped or came out of order"
    assert len(seen) >= 128

"""Delivering regional alerts to organisations' webhooks: signed, retried with backoff, never blocking ingest.

Ingest only queues a delivery (in its own transaction); the ``webhooks`` job on the node's job
runner (:func:`register`) posts it later. Each POST carries the alert as the webhook's
organisation sees it and an ``X-Gotong-Signature: sha256=<hex>`` header, the HMAC-SHA256 of
the body under the webhook's secret. A failed delivery is retried after 2, 4, 8 … seconds (at
most :data:`MAX_ATTEMPTS` times). A webhook that starts failing is logged once (its id, URL and
the error), and once when it recovers.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from collections.abc import Collection, Mapping
from dataclasses import asdict

import httpx
import orjson
from sqlalchemy import Connection, Engine, insert, select, update

from gotong.core.auth import Principal
from gotong.core.jobs import HealthLog, JobRunner
from gotong.core.outbound import outbound_client
from gotong.correlation.alerts import alerts_for
from gotong.correlation.models import webhook_deliveries, webhooks
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Invalid
from gotong.intel.models import stix_objects
from gotong.intel.query import visible_versions
from gotong.orgs.service import get_org
from gotong.sharing.policy import Reader
from gotong.sharing.service import load_reader
from gotong.stix.timestamps import now_micros

MAX_ATTEMPTS = 8
_BACKOFF = 2_000_000  # microseconds before the first retry; doubled each time
JOB = "webhooks"
_log = logging.getLogger("gotong.webhooks")


def add_webhook(conn: Connection, *, org: str, url: str, secret: str | None = None) -> tuple[int, str]:
    """Register a webhook for an organisation's alerts; returns its id and the signing secret."""
    if not url.startswith(("http://", "https://")):
        raise Invalid(f"webhook URL {url!r} must start with http:// or https://")
    organisation = get_org(conn, short_name=org)
    key = secret or secrets.token_hex(32)
    webhook_id = conn.execute(
        insert(webhooks)
        .values(org_id=organisation.id, url=url, secret=key, active=True, created_at=now_micros())
        .returning(webhooks.c.id)
    ).scalar_one()
    return int(webhook_id), key


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def enqueue(conn: Connection, *, joined: Mapping[int, Collection[int]], now: int) -> int:
    """Queue a delivery of each alert to every active webhook whose organisation may know of it.

    ``joined`` maps alerts to the versions (seqs) that joined them now. An organisation is sent an
    alert only if it may see one of those: a version it may not see changes nothing it is shown, and
    a delivery at that moment would tell that somebody reported the value.
    """
    if not joined:
        return 0
    queued = 0
    for hook in conn.execute(select(webhooks).where(webhooks.c.active.is_(True))).all():
        reader = load_reader(conn, Principal(org_id=hook.org_id))
        for view in alerts_for(conn, reader=reader, alert_ids=list(joined)):
            if not _sees_any(conn, reader, joined[view.id]):
                continue
            pending = conn.execute(
                select(webhook_deliveries.c.id).where(
                    webhook_deliveries.c.webhook_id == hook.id,
                    webhook_deliveries.c.alert_id == view.id,
                    webhook_deliveries.c.delivered_at.is_(None),
                )
            ).first()
            if pending is None:
                conn.execute(
                    insert(webhook_deliveries).values(
                        webhook_id=hook.id, alert_id=view.id, attempts=0, next_attempt_at=now
                    )
                )
                queued += 1
    return queued


def _sees_any(conn: Connection, reader: Reader, seqs: Collection[int]) -> bool:
    o = stix_objects
    query = select(o.c.seq).where(o.c.seq.in_(sorted(seqs)), visible_versions(reader)).limit(1)
    return conn.execute(query).first() is not None


def deliver_due(
    engine: Engine, client: httpx.Client, *, now: int | None = None, health: HealthLog | None = None
) -> int:
    """Attempt every due delivery once; returns how many succeeded.

    Each webhook's failures and recoveries go to ``health`` (the job's), which logs them once per
    state change.
    """
    moment = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        due = conn.execute(
            select(webhook_deliveries, webhooks.c.url, webhooks.c.secret, webhooks.c.org_id)
            .join(webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id)
            .where(
                webhook_deliveries.c.delivered_at.is_(None),
                webhook_deliveries.c.attempts < MAX_ATTEMPTS,
                webhook_deliveries.c.next_attempt_at <= moment,
            )
            .order_by(webhook_deliveries.c.next_attempt_at)
            .limit(100)
        ).all()
        payloads = {}
        for job in due:
            views = alerts_for(
                conn, reader=load_reader(conn, Principal(org_id=job.org_id)), alert_ids=[job.alert_id]
            )
            payloads[job.id] = orjson.dumps({"alert": asdict(views[0])}) if views else None
    delivered = 0
    for job in due:
        body = payloads[job.id]
        error = None
        if body is not None:
            try:
                response = client.post(
                    job.url,
                    content=body,
                    headers={
                        "Content-Type": "application/json",
                        "X-Gotong-Signature": sign(job.secret, body),
                    },
                )
                if response.status_code >= 300:
                    error = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
        subject = f"webhook {job.webhook_id} ({job.url})"
        if health is not None and error is None:
            health.succeeded(subject)
        elif health is not None and error is not None:
            health.failed(subject, error)
        with write_transaction(engine) as conn:
            if error is None:
                conn.execute(
                    update(webhook_deliveries)
                    .where(webhook_deliveries.c.id == job.id)
                    .values(delivered_at=now_micros(), attempts=job.attempts + 1)
                )
                delivered += 1
            else:
                conn.execute(
                    update(webhook_deliveries)
                    .where(webhook_deliveries.c.id == job.id)
                    .values(
                        attempts=job.attempts + 1,
                        next_attempt_at=moment + _BACKOFF * 2**job.attempts,
                        last_error=error[:500],
                    )
                )
    return delivered


def register(
    runner: JobRunner, engine: Engine, *, interval: float = 0.5, client: httpx.Client | None = None
) -> None:
    """Deliver due alerts every ``interval`` seconds on ``runner``."""
    http = client or outbound_client(timeout=10)
    health = HealthLog(_log)

    def run(_stopping: threading.Event) -> None:
        deliver_due(engine, http, health=health)

    runner.register(JOB, run, every=interval, on_stop=http.close)

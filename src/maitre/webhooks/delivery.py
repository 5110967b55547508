"""Delivery attempts: build the signed request, record each outcome, decide on a retry.

The queue task (``maitre.jobs.webhooks``) calls ``prepare`` in one short transaction, sends the
request outside any transaction, then calls ``record_attempt`` in another; it raises Huey's
``RetryTask`` with the delay ``record_attempt`` returns. Delivery is at least once: receivers
should ignore an ``X-Maitre-Delivery`` id they have already processed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from maitre.webhooks import signing
from maitre.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from maitre.webhooks.service import PING_EVENT
from maitre.webhooks.transport import SendResult

MAX_ATTEMPTS = 5
BACKOFF_BASE_S = 30.0
BACKOFF_FACTOR = 4.0
REQUEST_TIMEOUT_S = 10.0
# A pending delivery whose next attempt is this overdue has lost its queued task.
SWEEP_GRACE = timedelta(minutes=10)
MAX_ERROR_CHARS = 1000


@dataclass(frozen=True)
class OutgoingRequest:
    """Everything needed to send one attempt."""

    delivery_id: int
    url: str
    headers: dict[str, str]
    body: bytes


def backoff_s(attempt: int) -> float:
    """Return the wait after failed attempt number ``attempt`` (30 s, 2 min, 8 min, 32 min)."""
    return BACKOFF_BASE_S * BACKOFF_FACTOR ** (attempt - 1)


def encode(payload: dict[str, object]) -> bytes:
    """Serialise a payload the way it goes on the wire."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def prepare(*, session: Session, delivery_id: int, now: datetime) -> OutgoingRequest | None:
    """Return the signed request for a pending delivery, or None if there is nothing to send."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    endpoint = delivery.endpoint
    if not endpoint.is_active and delivery.event_type != PING_EVENT:
        delivery.status = DeliveryStatus.FAILED
        delivery.last_error = "endpoint disabled before delivery"
        delivery.next_attempt_at = None
        session.flush()
        return None
    body = encode(delivery.payload)
    timestamp = int(now.timestamp())
    headers = signing.headers(
        secret=endpoint.secret,
        event_type=delivery.event_type,
        delivery_id=delivery.id,
        timestamp=timestamp,
        body=body,
    )
    return OutgoingRequest(delivery.id, endpoint.url, headers, body)


def record_attempt(
    *, session: Session, delivery_id: int, result: SendResult, attempted_at: datetime
) -> float | None:
    """Store one attempt and update the delivery; return seconds until the retry, or None."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return None
    number = delivery.attempt_count + 1
    error = result.error[:MAX_ERROR_CHARS] if result.error else None
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            number=number,
            attempted_at=attempted_at,
            status_code=result.status_code,
            error=error,
            duration_ms=result.duration_ms,
            response_excerpt=result.response_excerpt,
        )
    )
    delivery.attempt_count = number
    delivery.last_status_code = result.status_code
    delivery.last_error = error
    retry_in: float | None = None
    if result.ok:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = attempted_at
        delivery.next_attempt_at = None
    elif not result.retryable or number >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        retry_in = backoff_s(number)
        delivery.next_attempt_at = attempted_at + timedelta(seconds=retry_in)
    session.flush()
    return retry_in


def claim_overdue(
    *, session: Session, now: datetime, grace: timedelta = SWEEP_GRACE, limit: int = 500
) -> list[int]:
    """Return pending deliveries whose queued task was lost, pushing their due time to ``now``."""
    overdue = list(
        session.scalars(
            select(WebhookDelivery)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at < now - grace,
            )
            .order_by(WebhookDelivery.id)
            .limit(limit)
        )
    )
    for delivery in overdue:
        delivery.next_attempt_at = now
    session.flush()
    return [delivery.id for delivery in overdue]

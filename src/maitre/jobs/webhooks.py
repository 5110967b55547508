"""Webhook tasks: deliver one delivery (retried with backoff), sweep up lost deliveries."""

from __future__ import annotations

import logging
from typing import Any

from huey import crontab
from huey.exceptions import RetryTask

from maitre.db.base import utcnow
from maitre.db.session import unit_of_work
from maitre.jobs.context import JobContext
from maitre.webhooks import delivery

log = logging.getLogger("maitre.jobs.webhooks")

DELIVER = "webhooks.deliver"
SWEEP = "webhooks.sweep"


def deliver(ctx: JobContext, delivery_id: int) -> None:
    """Make one attempt; raise ``RetryTask`` so Huey runs the next one after the backoff."""
    with unit_of_work(ctx.sessionmaker) as session:
        request = delivery.prepare(session=session, delivery_id=delivery_id, now=utcnow())
    if request is None:
        return
    attempted_at = utcnow()
    result = ctx.sender.post(
        url=request.url,
        headers=request.headers,
        body=request.body,
        timeout=delivery.REQUEST_TIMEOUT_S,
    )
    with unit_of_work(ctx.sessionmaker) as session:
        retry_in = delivery.record_attempt(
            session=session, delivery_id=delivery_id, result=result, attempted_at=attempted_at
        )
    log.info(
        "webhooks.delivery.attempted",
        extra={
            "delivery_id": delivery_id,
            "status_code": result.status_code,
            "error": result.error,
            "retry_in": retry_in,
        },
    )
    if retry_in is not None:
        raise RetryTask(f"delivery {delivery_id} failed: {result.error}", delay=retry_in)


def sweep(ctx: JobContext, enqueue: Any) -> list[int]:
    """Re-enqueue pending deliveries whose queued task was lost (e.g. the queue was down)."""
    with unit_of_work(ctx.sessionmaker) as session:
        ids = delivery.claim_overdue(session=session, now=utcnow())
    for delivery_id in ids:
        enqueue(delivery_id)
    if ids:
        log.info("webhooks.sweep.requeued", extra={"count": len(ids)})
    return ids


def register(huey: Any, ctx: JobContext) -> dict[str, Any]:
    """Register the webhook tasks on ``huey``."""

    # Decorators applied as calls: Huey is untyped, and mypy keeps the functions typed this way.
    def deliver_task(delivery_id: int) -> None:
        deliver(ctx, delivery_id)

    deliver_wrapper = huey.task(name="webhooks_deliver")(deliver_task)

    def sweep_task() -> None:
        sweep(ctx, deliver_wrapper)

    sweep_wrapper = huey.periodic_task(crontab(minute="*"), name="webhooks_sweep")(sweep_task)
    return {DELIVER: deliver_wrapper, SWEEP: sweep_wrapper}

"""Housekeeping tasks: the worker heartbeat and purging expired idempotency keys."""

from __future__ import annotations

import logging
from typing import Any

from huey import crontab

from maitre.api import idempotency_store
from maitre.db.base import utcnow
from maitre.db.session import unit_of_work
from maitre.jobs.context import HEARTBEAT_KEY, JobContext

log = logging.getLogger("maitre.jobs.maintenance")

HEARTBEAT = "maintenance.heartbeat"
PURGE_IDEMPOTENCY = "maintenance.purge_idempotency_keys"
PING = "maintenance.ping"


def heartbeat(huey: Any) -> None:
    """Record that a worker is alive (``maitre doctor`` reads it)."""
    huey.put(HEARTBEAT_KEY, utcnow().isoformat())


def purge_idempotency_keys(ctx: JobContext) -> int:
    """Delete expired idempotency records."""
    with unit_of_work(ctx.sessionmaker) as session:
        count = idempotency_store.purge_expired(session=session, now=utcnow())
    if count:
        log.info("idempotency.purged", extra={"count": count})
    return count


def register(huey: Any, ctx: JobContext) -> dict[str, Any]:
    """Register the housekeeping tasks on ``huey``."""

    # Decorators applied as calls: Huey is untyped, and mypy keeps the functions typed this way.
    def beat() -> None:
        heartbeat(huey)

    def purge() -> None:
        purge_idempotency_keys(ctx)

    def ping() -> str:
        return "pong"

    huey.on_startup(name="maitre_heartbeat")(beat)
    every_minute = crontab(minute="*")
    return {
        HEARTBEAT: huey.periodic_task(every_minute, name="maintenance_heartbeat")(beat),
        PURGE_IDEMPOTENCY: huey.periodic_task(
            crontab(minute="17"), name="maintenance_purge_idempotency_keys"
        )(purge),
        PING: huey.task(name="maintenance_ping")(ping),
    }

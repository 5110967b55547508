"""Conversation housekeeping: mark bot conversations nobody has written in for a while abandoned."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from huey import crontab

from maitre.conversations import inbox
from maitre.db.base import utcnow
from maitre.db.session import unit_of_work
from maitre.jobs.context import JobContext

log = logging.getLogger("maitre.jobs.conversations")
ABANDON_IDLE = "conversations.abandon_idle"


def abandon_idle(ctx: JobContext) -> list[int]:
    """Abandon bot conversations idle longer than ``conversation_idle_minutes``."""
    idle_for = timedelta(minutes=ctx.settings.conversation_idle_minutes)
    with unit_of_work(ctx.sessionmaker) as session:
        ids = inbox.abandon_idle(session=session, idle_for=idle_for, now=utcnow())
    if ids:
        log.info("conversations.abandoned", extra={"count": len(ids)})
    return ids


def register(huey: Any, ctx: JobContext) -> dict[str, Any]:
    """Register the conversation tasks on ``huey``."""

    # Decorators applied as calls: Huey is untyped, and mypy keeps the functions typed this way.
    def abandon() -> None:
        abandon_idle(ctx)

    return {
        ABANDON_IDLE: huey.periodic_task(crontab(minute="*/5"), name="conversations_abandon_idle")(
            abandon
        )
    }

"""The transactional outbox: deliveries written in a transaction are enqueued once it commits.

Services call ``track(session, delivery)`` for each new or re-armed delivery; ``install`` hooks
the session factory so that after a commit the tracked deliveries that really landed are handed
to ``enqueue``, and after a rollback they are forgotten. If enqueueing fails (queue down), the
row stays ``pending`` and the periodic sweeper picks it up later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from maitre.webhooks.models import WebhookDelivery

log = logging.getLogger("maitre.webhooks")

PENDING_KEY = "maitre.webhooks.pending"
SUBSCRIPTIONS_KEY = "maitre.webhooks.subscriptions"
Enqueue = Callable[[int], Any]


def track(session: Session, delivery: WebhookDelivery) -> None:
    """Remember ``delivery`` so that it is enqueued when ``session`` commits."""
    session.info.setdefault(PENDING_KEY, []).append(delivery)


def install(factory: sessionmaker[Session], enqueue: Enqueue) -> None:
    """Enqueue tracked deliveries after each commit of sessions made by ``factory``."""

    def after_commit(session: Session) -> None:
        pending: list[WebhookDelivery] = session.info.pop(PENDING_KEY, [])
        for delivery in pending:
            state = inspect(delivery)
            if not state.persistent or state.identity is None:
                continue  # rolled back with a savepoint
            delivery_id = int(state.identity[0])
            try:
                enqueue(delivery_id)
            except Exception:  # the sweeper retries; the commit itself already succeeded
                log.warning(
                    "webhooks.enqueue_failed", extra={"delivery_id": delivery_id}, exc_info=True
                )

    def after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            session.info.pop(PENDING_KEY, None)
            session.info.pop(SUBSCRIPTIONS_KEY, None)

    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_transaction_end", after_transaction_end)

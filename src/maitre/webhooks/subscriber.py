"""Attach webhooks to a session factory: record deliveries for events, enqueue them on commit."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from maitre.events import DomainEvent, subscribe
from maitre.webhooks import outbox, service


def on_event(session: Session, event: DomainEvent) -> None:
    """Write the deliveries ``event`` causes, inside the emitting transaction."""
    service.record_event(session=session, event=event)


def wants(session: Session, event_type: str) -> bool:
    """Tell whether an active endpoint subscribes to ``event_type`` (cached per transaction)."""
    return any(sub.wants(event_type) for sub in service.subscriptions(session=session))


def install(factory: sessionmaker[Session], enqueue: outbox.Enqueue) -> None:
    """Route events of sessions made by ``factory`` to webhooks; ``enqueue`` takes a delivery id."""
    subscribe(factory, on_event, interest=wants)
    outbox.install(factory, enqueue)

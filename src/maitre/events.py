"""Domain events: services announce what happened (``customer.created``, ``order.updated`` …).

Subscribers (webhooks first) run inside the caller's transaction, so an event is recorded if and
only if the change that caused it commits. Subscribers are attached to a session factory by
``maitre.bootstrap`` (``subscribe``); a session without subscribers simply drops events.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from maitre.db.base import utcnow

EVENT_HANDLERS_KEY = "maitre.event_handlers"


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened to a CRM object; ``data`` is the object's public JSON shape."""

    type: str
    data: dict[str, Any]
    occurred_at: datetime = field(default_factory=utcnow)
    id: str = field(default_factory=_new_id)


Handler = Callable[[Session, DomainEvent], None]


def emit(*, session: Session, type: str, data: dict[str, Any]) -> DomainEvent:
    """Announce an event to every subscriber attached to ``session``."""
    event = DomainEvent(type=type, data=data)
    handlers: Sequence[Handler] = session.info.get(EVENT_HANDLERS_KEY, ())
    for handler in handlers:
        handler(session, event)
    return event


def subscribe(factory: sessionmaker[Session], handler: Handler) -> None:
    """Call ``handler`` for every event emitted in sessions that ``factory`` creates from now on."""
    info = dict(factory.kw.get("info") or {})
    info[EVENT_HANDLERS_KEY] = (*info.get(EVENT_HANDLERS_KEY, ()), handler)
    factory.configure(info=info)

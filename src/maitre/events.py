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
EVENT_INTEREST_KEY = "maitre.event_interest"


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
Interest = Callable[[Session, str], bool]


def emit(*, session: Session, type: str, data: dict[str, Any]) -> DomainEvent:
    """Announce an event to every subscriber attached to ``session``."""
    event = DomainEvent(type=type, data=data)
    handlers: Sequence[Handler] = session.info.get(EVENT_HANDLERS_KEY, ())
    for handler in handlers:
        handler(session, event)
    return event


def subscribe(
    factory: sessionmaker[Session], handler: Handler, interest: Interest | None = None
) -> None:
    """Call ``handler`` for every event emitted in sessions that ``factory`` creates from now on.

    ``interest(session, type)`` tells whether the handler cares about an event type, so bulk code
    can skip building payloads nobody wants (see ``has_subscribers``); None means "everything".
    """
    info = dict(factory.kw.get("info") or {})
    info[EVENT_HANDLERS_KEY] = (*info.get(EVENT_HANDLERS_KEY, ()), handler)
    info[EVENT_INTEREST_KEY] = (*info.get(EVENT_INTEREST_KEY, ()), interest or _everything)
    factory.configure(info=info)


def has_subscribers(session: Session, type: str) -> bool:
    """Tell whether emitting ``type`` in ``session`` would reach any subscriber that wants it."""
    interests: Sequence[Interest] = session.info.get(EVENT_INTEREST_KEY, ())
    return any(interest(session, type) for interest in interests)


def _everything(_session: Session, _type: str) -> bool:
    return True

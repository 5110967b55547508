"""Append and read timeline events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from maitre.db import bulk
from maitre.db.base import utcnow
from maitre.timeline.models import TimelineEvent


def record(
    *,
    session: Session,
    customer_id: int,
    kind: str,
    subject_type: str,
    subject_id: int | None,
    summary: str = "",
    data: dict[str, Any] | None = None,
    actor: str = "system",
    occurred_at: datetime | None = None,
) -> TimelineEvent:
    """Append one event to a customer's timeline."""
    event = TimelineEvent(
        customer_id=customer_id,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        summary=summary[:500],
        data=data or {},
        actor=actor,
        occurred_at=occurred_at or utcnow(),
    )
    session.add(event)
    session.flush()
    return event


_EVENT_FIELDS = ("customer_id", "kind", "subject_type", "subject_id", "summary", "data", "actor")


def record_many(*, session: Session, events: Sequence[Mapping[str, Any]]) -> None:
    """Append many events in one bulk write (imports); each takes ``record``'s arguments."""
    if not events:
        return
    now = utcnow()
    rows = [
        {
            **{name: event.get(name) for name in _EVENT_FIELDS},
            "summary": str(event.get("summary", ""))[:500],
            "data": event.get("data") or {},
            "actor": event.get("actor", "system"),
            "occurred_at": event.get("occurred_at") or now,
        }
        for event in events
    ]
    bulk.insert_rows(session, TimelineEvent.__table__, rows)


def list_for_customer(
    *, session: Session, customer_id: int, limit: int = 200
) -> list[TimelineEvent]:
    """Return a customer's events, newest first."""
    stmt = (
        select(TimelineEvent)
        .where(TimelineEvent.customer_id == customer_id)
        .order_by(TimelineEvent.occurred_at.desc(), TimelineEvent.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Return ``{field: [old, new]}`` for every field whose value changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}

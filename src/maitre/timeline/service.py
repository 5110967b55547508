"""Append and read timeline events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import repeat
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from maitre.db import bulk
from maitre.db.base import utcnow
from maitre.events import emit
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


_BULK_COLUMNS = (
    "customer_id",
    "kind",
    "subject_type",
    "subject_id",
    "summary",
    "data",
    "actor",
    "occurred_at",
)


def delete_recorded(
    *,
    session: Session,
    row: object,
    data: dict[str, Any],
    subject_type: str,
    subject_id: int,
    summary: str,
    actor: str = "system",
) -> None:
    """Delete ``row`` and keep a line on its customer's timeline; announce ``<type>.deleted``.

    ``data`` is the row's public shape, taken before the delete (it carries ``customer_id``
    and is the event's payload).
    """
    session.delete(row)
    session.flush()
    kind = f"{subject_type}.deleted"
    record(
        session=session,
        customer_id=data["customer_id"],
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        summary=summary,
        actor=actor,
    )
    emit(session=session, type=kind, data=data)


def record_many(
    *,
    session: Session,
    kind: str,
    subject_type: str,
    customer_ids: Sequence[int],
    subject_ids: Sequence[int | None],
    summaries: Sequence[str],
    data: Sequence[dict[str, Any]] | dict[str, Any],
    actor: str = "system",
    occurred_at: datetime | None = None,
) -> None:
    """Append one ``kind`` event per customer in one bulk write (imports).

    ``data`` is one dict shared by every event or one per event; the other sequences are
    parallel, one entry per event.
    """
    if not customer_ids:
        return
    when = occurred_at or utcnow()
    each = repeat(data) if isinstance(data, dict) else data
    rows = [
        (customer_id, kind, subject_type, subject_id, summary[:500], event_data, actor, when)
        for customer_id, subject_id, summary, event_data in zip(
            customer_ids, subject_ids, summaries, each, strict=False
        )
    ]
    bulk.insert_rows(session, TimelineEvent.__table__, _BULK_COLUMNS, rows)


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

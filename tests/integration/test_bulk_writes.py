"""Bulk writes (``maitre.db.bulk``) store what the ORM would, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from maitre.customers.models import Customer
from maitre.timeline import service as timeline
from maitre.timeline.models import TimelineEvent

WHENS = [
    datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2024, 6, 1, 0, 0),  # naive: taken as UTC, as the column type does
]
DATA: list[dict[str, Any]] = [{}, {"source": "import"}, {"changes": {"name": ["a", "é"]}}]


def test_bulk_events_read_back_like_orm_events(session: Session) -> None:
    customer = Customer(name="Ada")
    session.add(customer)
    session.flush()
    for when, data in zip(WHENS, DATA, strict=True):
        timeline.record(
            session=session,
            customer_id=customer.id,
            kind="orm",
            subject_type="customer",
            subject_id=customer.id,
            data=data,
            occurred_at=when,
        )
        # One shared dict for the whole batch, as imports pass it.
        timeline.record_many(
            session=session,
            kind="bulk",
            subject_type="customer",
            customer_ids=[customer.id, customer.id],
            subject_ids=[customer.id, customer.id],
            summaries=["", ""],
            data=data,
            occurred_at=when,
        )
    session.expire_all()
    events = session.scalars(select(TimelineEvent).order_by(TimelineEvent.id)).all()
    orm = [(e.occurred_at, e.data) for e in events if e.kind == "orm"]
    bulk = [(e.occurred_at, e.data) for e in events if e.kind == "bulk"]
    assert bulk == [pair for pair in orm for _ in range(2)]
    assert orm[1][0] == datetime(2024, 1, 1, 21, 34, 5, 123456, tzinfo=UTC)
    assert orm[2][0] == datetime(2024, 6, 1, tzinfo=UTC)

"""Bulk writes (``maitre.db.bulk``) store what the ORM would, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from sqlalchemy import Table, select, text
from sqlalchemy.orm import Session

from maitre.customers.models import Customer
from maitre.db import bulk
from maitre.timeline import service as timeline
from maitre.timeline.models import TimelineEvent

WHENS = [
    datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2024, 6, 1, 0, 0),  # naive: taken as UTC, as the column type does
]
TABLE = cast(Table, Customer.__table__)
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


def _customer_rows(*emails: str) -> list[tuple[Any, ...]]:
    now = datetime(2024, 1, 2, tzinfo=UTC)
    return [(f"N {e}", e, "en", [], {}, False, True, now, now) for e in emails]


CUSTOMER_COLUMNS = (
    "name",
    "email",
    "language",
    "tags",
    "custom_fields",
    "marketing_consent",
    "data_processing_consent",
    "created_at",
    "updated_at",
)


def test_insert_new_skips_taken_keys_and_maps_each_new_id(session: Session) -> None:
    first = bulk.insert_new(
        session, TABLE, CUSTOMER_COLUMNS, _customer_rows("a@x.io", "b@x.io"), keys=("email",)
    )
    # "b@x.io" is taken: the straight COPY fails, the staged insert skips just that row.
    second = bulk.insert_new(
        session, TABLE, CUSTOMER_COLUMNS, _customer_rows("c@x.io", "b@x.io"), keys=("email",)
    )
    assert None not in first and second[1] is None and second[0] is not None
    stored = {e: i for e, i in session.execute(select(Customer.email, Customer.id))}
    assert stored == {"a@x.io": first[0], "b@x.io": first[1], "c@x.io": second[0]}
    # The ids came from the table's sequence: the ORM's next customer does not collide.
    later = Customer(name="Later")
    session.add(later)
    session.flush()
    assert later.id not in stored.values()


def test_reserved_ids_need_not_be_one_run(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("sequences are PostgreSQL's")
    # With a step of 2 the ids are not consecutive, as under concurrent inserts.
    session.execute(text("ALTER SEQUENCE customers_id_seq INCREMENT BY 2"))
    ids = bulk.insert_rows(
        session, TABLE, CUSTOMER_COLUMNS, _customer_rows("p@x.io", "q@x.io", "r@x.io"),
        return_ids=True,
    )  # fmt: skip
    assert len(set(ids)) == 3 and ids[1] - ids[0] == 2
    stored = {e: i for e, i in session.execute(select(Customer.email, Customer.id))}
    assert stored == dict(zip(["p@x.io", "q@x.io", "r@x.io"], ids, strict=True))

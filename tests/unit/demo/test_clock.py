"""The demo clock moves what services stamp as "now" to a historical instant, on one session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from maitre.customers import service as customers
from maitre.customers.schemas import CustomerCreate, CustomerUpdate
from maitre.demo.clock import DemoClock
from maitre.timeline import service as timeline

PAST = datetime(2024, 3, 5, 9, 30, tzinfo=UTC)


def test_services_write_history_at_the_clock_time(session: Session) -> None:
    with DemoClock(session) as clock:
        clock.at = PAST
        row = customers.create(session=session, data=CustomerCreate(name="Ada", email="a@x.org"))
        later = PAST + timedelta(days=30)
        clock.at = later
        customers.update(session=session, customer_id=row.id, data=CustomerUpdate(tags=["vip"]))
        # A second change at the same instant must not fall back to onupdate=now.
        customers.update(session=session, customer_id=row.id, data=CustomerUpdate(phone="123"))
    session.flush()
    session.expire_all()
    fresh = customers.get(session=session, customer_id=row.id)
    assert fresh.created_at == PAST
    assert fresh.updated_at == later
    events = timeline.list_for_customer(session=session, customer_id=row.id)
    assert [e.occurred_at for e in events] == [later, later, PAST]


def test_without_the_clock_time_is_now(session: Session) -> None:
    with DemoClock(session):
        pass  # installed and removed again
    before = datetime.now(UTC)
    row = customers.create(session=session, data=CustomerCreate(name="Bo", email="b@x.org"))
    assert row.created_at >= before - timedelta(seconds=1)

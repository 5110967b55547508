"""Order service behaviour on both backends: upsert, status, address, numbers, events, stock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from maitre.db.session import unit_of_work
from maitre.errors import Conflict, MaitreError
from maitre.events import EVENT_HANDLERS_KEY, DomainEvent
from maitre.orders import service as orders
from maitre.orders.schemas import OrderCreate, OrderRead
from maitre.orders.status import OrderStatus
from maitre.products import service as products
from tests.factories.customers import make_customer
from tests.factories.orders import make_order, order_payload
from tests.factories.products import make_product


def _record_events(session: Session) -> list[DomainEvent]:
    seen: list[DomainEvent] = []
    session.info[EVENT_HANDLERS_KEY] = [lambda _s, event: seen.append(event)]
    return seen


def test_create_and_update_emit_order_events(session: Session) -> None:
    events = _record_events(session)
    order = make_order(session)
    orders.set_status(session=session, order_id=order.id, status=OrderStatus.PAID, actor="t")
    types = [e.type for e in events]
    assert types == ["customer.created", "product.created", "order.created", "order.updated"]
    created, updated = events[2].data, events[3].data
    assert created["number"] == order.number and created["lines"][0]["quantity"] == 1
    assert updated["status"] == "paid" and updated["previous_status"] == "pending"
    assert "status" in updated["changes"]


def test_set_status_refuses_to_cancel_a_shipped_order(session: Session) -> None:
    order = make_order(session)
    orders.set_status(session=session, order_id=order.id, status=OrderStatus.SHIPPED)
    with pytest.raises(Conflict, match="shipped"):
        orders.set_status(session=session, order_id=order.id, status=OrderStatus.CANCELLED)
    assert order.status == OrderStatus.SHIPPED and order.shipped_at is not None


def test_shipping_address_changes_only_before_shipping(session: Session) -> None:
    order = make_order(session)
    orders.change_shipping_address(session=session, order_id=order.id, shipping_address="2 Elm St")
    assert order.shipping_address == "2 Elm St"
    orders.set_status(session=session, order_id=order.id, status=OrderStatus.SHIPPED)
    with pytest.raises(Conflict, match="before it ships"):
        orders.change_shipping_address(
            session=session, order_id=order.id, shipping_address="3 Oak St"
        )
    # repeating the current address is not a change, so it is no conflict either
    orders.change_shipping_address(session=session, order_id=order.id, shipping_address="2 Elm St")


def test_get_by_number_accepts_what_customers_type(session: Session) -> None:
    order = make_order(session)
    for typed in (order.number, f"#{order.number}", order.number.lower(), str(order.id)):
        assert orders.get_by_number(session=session, number=typed) is order, typed
    imported = make_order(session, number="1043")
    assert orders.get_by_number(session=session, number="1043") is imported
    assert orders.get_by_number(session=session, number="nope") is None


def test_upsert_by_number_is_idempotent_and_takes_history_as_given(session: Session) -> None:
    customer = make_customer(session)
    product = make_product(session, stock=10)
    placed = datetime.now(UTC) - timedelta(days=90)
    row = order_payload(
        customer.id,
        [{"sku": product.sku, "quantity": 2}],
        number="SHOP-77",
        placed_at=placed.isoformat(),
    )
    order, outcome = orders.upsert(session=session, data=OrderCreate(**row))
    assert outcome == "created" and order.status == OrderStatus.PENDING
    assert orders.upsert(session=session, data=OrderCreate(**row))[1] == "unchanged"
    row["status"] = "delivered"  # history may jump past paid and shipped
    row["lines"] = [{"sku": product.sku, "quantity": 3}]
    order, outcome = orders.upsert(session=session, data=OrderCreate(**row))
    assert outcome == "updated"
    assert order.status == OrderStatus.DELIVERED and order.delivered_at is not None
    assert [line.quantity for line in order.lines] == [3]
    assert str(order.total) == str(product.price * 3)
    assert orders.upsert(session=session, data=OrderCreate(**row))[1] == "unchanged"
    assert product.stock == 10  # historical: stock untouched throughout
    other = make_customer(session)
    row["customer_id"] = other.id
    with pytest.raises(Conflict, match="belongs to customer"):
        orders.upsert(session=session, data=OrderCreate(**row))


def test_list_for_customer_is_newest_first(session: Session) -> None:
    customer = make_customer(session)
    now = datetime.now(UTC)
    old = make_order(session, customer_id=customer.id, placed_at=now - timedelta(days=9))
    new = make_order(session, customer_id=customer.id)
    mid = make_order(session, customer_id=customer.id, placed_at=now - timedelta(days=2))
    make_order(session)  # someone else's
    got = orders.list_for_customer(session=session, customer_id=customer.id)
    assert [o.id for o in got] == [new.id, mid.id, old.id]
    assert [
        o.id for o in orders.list_for_customer(session=session, customer_id=customer.id, limit=1)
    ] == [new.id]


def test_orders_serialise_after_the_session_closes(session_factory: sessionmaker[Session]) -> None:
    with unit_of_work(session_factory) as s:
        order_id = make_order(s, quantity=2).id
    with session_factory() as s:
        loaded = orders.get(session=s, order_id=order_id)
        listed = orders.list_for_customer(session=s, customer_id=loaded.customer_id)
    body = OrderRead.model_validate(loaded).model_dump(mode="json")
    assert body["lines"][0]["quantity"] == 2
    assert OrderRead.model_validate(listed[0]).lines[0].sku == body["lines"][0]["sku"]


def test_concurrent_orders_never_oversell_and_get_unique_numbers(
    session_factory: sessionmaker[Session],
) -> None:
    with unit_of_work(session_factory) as s:
        customer_id = make_customer(s).id
        product_id = make_product(s, stock=3).id
    workers = 6
    barrier = threading.Barrier(workers)
    numbers: list[str] = []
    refused: list[str] = []
    lock = threading.Lock()

    def place() -> None:
        barrier.wait()
        try:
            with unit_of_work(session_factory) as s:
                data = OrderCreate(
                    customer_id=customer_id, lines=[{"product_id": product_id, "quantity": 1}]
                )
                number = orders.create(session=s, data=data).number
            with lock:
                numbers.append(number)
        except MaitreError as exc:
            with lock:
                refused.append(type(exc).__name__)

    threads = [threading.Thread(target=place) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(numbers) == 3 and len(set(numbers)) == 3
    assert refused == ["Conflict"] * 3
    with session_factory() as s:
        assert products.get(session=s, product_id=product_id).stock == 0

"""Factory data for agent conversations: customers with orders in a given state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from maitre.customers.models import Customer
from maitre.orders import service as orders
from maitre.orders.models import Order
from maitre.orders.status import OrderStatus
from tests.agent_support import NOW
from tests.factories.conversations import make_conversation
from tests.factories.customers import make_customer
from tests.factories.orders import make_order

PATH = {
    OrderStatus.PENDING: [],
    OrderStatus.PAID: [OrderStatus.PAID],
    OrderStatus.SHIPPED: [OrderStatus.PAID, OrderStatus.SHIPPED],
    OrderStatus.DELIVERED: [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED],
}


def order_in(
    session: Session,
    customer: Customer,
    status: OrderStatus,
    *,
    days_ago: int = 5,
    **overrides: Any,
) -> Order:
    """Create an order of ``customer`` moved to ``status``, its events ``days_ago`` before NOW."""
    order = make_order(session, customer_id=customer.id, **overrides)
    for step in PATH[status]:
        orders.set_status(session=session, order_id=order.id, status=step)
    when = NOW - timedelta(days=days_ago)
    order.placed_at = when - timedelta(days=2)
    if order.shipped_at is not None:
        order.shipped_at = when - timedelta(days=1)
    if order.delivered_at is not None:
        order.delivered_at = when
    session.flush()
    return order


def known_conversation(session: Session, customer: Customer, language: str = "en") -> int:
    """Start a conversation a trusted back end opened for ``customer``."""
    return int(make_conversation(session, customer_id=customer.id, language=language).id)


def anonymous_conversation(session: Session, language: str = "en") -> int:
    """Start a conversation with an unknown visitor."""
    return int(make_conversation(session, language=language).id)


__all__ = ["anonymous_conversation", "known_conversation", "make_customer", "order_in"]

"""Factories for agent tool tests: a small shop with two customers and orders in every state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from maitre.agent.tools import ToolContext
from maitre.config import Settings
from maitre.customers.models import Customer
from maitre.orders.models import Order
from maitre.products.models import Product
from tests.factories.customers import make_customer
from tests.factories.orders import make_order
from tests.factories.products import make_product

DELIVERED_AT = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
PLACED_AT = DELIVERED_AT - timedelta(days=4)


@dataclass
class Shop:
    """Two customers; ``orders[status]`` is one of Alice's orders per status, Bob has one each."""

    alice: Customer
    bob: Customer
    product: Product
    orders: dict[str, Order]
    bob_orders: dict[str, Order]


def _order(session: Session, customer: Customer, product: Product, status: str) -> Order:
    extra: dict[str, Any] = {"placed_at": PLACED_AT}
    if status in ("shipped", "delivered", "return_requested", "returned"):
        extra.update(
            shipped_at=PLACED_AT + timedelta(days=1), carrier="DHL", tracking_number="JD0001"
        )
    if status in ("delivered", "return_requested", "returned"):
        extra["delivered_at"] = DELIVERED_AT
    if status in ("pending", "paid"):
        extra["placed_at"] = datetime.now(UTC) - timedelta(minutes=5)  # live: holds stock
    return make_order(
        session,
        customer_id=customer.id,
        status=status,
        lines=[{"product_id": product.id, "quantity": 2}],
        **extra,
    )


STATUSES = ("pending", "paid", "shipped", "delivered", "cancelled", "return_requested", "returned")


def make_shop(session: Session) -> Shop:
    """Create the shop; every order is placed by the orders service."""
    alice = make_customer(session, name="Alice Martin", tags=["vip"], language="en")
    bob = make_customer(session, name="Bob Chen", tags=[], language="zh")
    product = make_product(session, name="Wireless Earbuds", category="Audio", price="49.00")
    mine = {status: _order(session, alice, product, status) for status in STATUSES}
    theirs = {status: _order(session, bob, product, status) for status in STATUSES}
    return Shop(alice=alice, bob=bob, product=product, orders=mine, bob_orders=theirs)


def tool_context(
    session: Session,
    settings: Settings,
    *,
    customer: Customer | None,
    now: datetime | None = None,
    conversation_id: int | None = None,
) -> ToolContext:
    """Return a tool context acting for ``customer`` (None: an unverified visitor)."""
    return ToolContext(
        session=session,
        settings=settings,
        customer_id=customer.id if customer is not None else None,
        conversation_id=conversation_id,
        now=now or DELIVERED_AT + timedelta(days=3),
    )

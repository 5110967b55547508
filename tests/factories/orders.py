"""Factories for orders: valid payloads and persisted rows (with a customer and products)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from maitre.orders import service as orders
from maitre.orders.models import Order
from maitre.orders.schemas import OrderCreate
from tests.factories.customers import make_customer
from tests.factories.products import make_product


def order_payload(
    customer_id: int, lines: list[dict[str, Any]], **overrides: Any
) -> dict[str, Any]:
    """Return an order-create body for ``customer_id`` with ``lines``."""
    data: dict[str, Any] = {
        "customer_id": customer_id,
        "shipping_address": "1 Market Street, San Francisco",
        "lines": lines,
    }
    data.update(overrides)
    return data


def make_order(
    session: Session,
    *,
    customer_id: int | None = None,
    quantity: int = 1,
    **overrides: Any,
) -> Order:
    """Create an order of one product (made here unless ``lines`` is given) through the service."""
    if customer_id is None:
        customer_id = make_customer(session).id
    lines = overrides.pop("lines", None)
    if lines is None:
        lines = [{"product_id": make_product(session).id, "quantity": quantity}]
    data = OrderCreate(**order_payload(customer_id, lines, **overrides))
    return orders.create(session=session, data=data)

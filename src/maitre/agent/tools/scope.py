"""Lookups scoped to the conversation's customer, and the facts an order exposes to a reply."""

from __future__ import annotations

from typing import Any

from maitre.agent.tools.context import ToolContext, iso_day, money, plain
from maitre.customers import service as customers
from maitre.customers.models import Customer
from maitre.errors import NotFound
from maitre.orders import service as orders
from maitre.orders.models import Order

MAX_LINES_IN_FACTS = 10
NUMBER_MAX = 40


def current_customer(ctx: ToolContext) -> Customer | None:
    """Return the conversation's verified customer, or None when unknown (or since erased)."""
    if ctx.customer_id is None:
        return None
    try:
        return customers.get(session=ctx.session, customer_id=ctx.customer_id)
    except NotFound:
        return None


def customer_order(ctx: ToolContext, number: str | None, *, latest: bool = False) -> Order | None:
    """Return the customer's order ``number``; others' are not found. A missing number finds
    the customer's latest order only with ``latest`` (reads), never for a change."""
    if ctx.customer_id is None:
        return None
    if number is None:
        if not latest:
            return None
        return orders.latest_for_customer(session=ctx.session, customer_id=ctx.customer_id)
    wanted = plain(number, NUMBER_MAX)
    if not wanted:
        return None
    return orders.get_by_number_for_customer(
        session=ctx.session, customer_id=ctx.customer_id, number=wanted
    )


def customer_order_by_id(ctx: ToolContext, order_id: int) -> Order | None:
    """Return the customer's order with database id ``order_id``; others' are not found."""
    if ctx.customer_id is None:
        return None
    try:
        order = orders.get(session=ctx.session, order_id=order_id)
    except NotFound:
        return None
    return order if order.customer_id == ctx.customer_id else None


def asked_number(number: str | None) -> dict[str, Any]:
    """Return the facts a not-found reply may repeat: only what the customer typed."""
    wanted = plain(number, NUMBER_MAX).lstrip("#")
    return {"order_number": wanted} if wanted else {}


def order_summary(order: Order) -> dict[str, Any]:
    """Return the short facts of an order (for lists)."""
    return {
        "order_number": order.number,
        "status": str(order.status),
        "placed_at": iso_day(order.placed_at),
        "total": money(order.total, order.currency),
    }


def order_facts(order: Order) -> dict[str, Any]:
    """Return the facts of one order a reply may state."""
    items = [
        {"name": line.name, "sku": line.sku, "quantity": line.quantity}
        for line in order.lines[:MAX_LINES_IN_FACTS]
    ]
    return {
        **order_summary(order),
        "total_amount": f"{order.total:.2f}",
        "currency": order.currency,
        "shipped_at": iso_day(order.shipped_at),
        "delivered_at": iso_day(order.delivered_at),
        "cancelled_at": iso_day(order.cancelled_at),
        "returned_at": iso_day(order.returned_at),
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "items": items,
        "item_count": sum(line.quantity for line in order.lines),
    }

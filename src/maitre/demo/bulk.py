"""Bulk insert of the demo's order history (orders, lines and their timeline events).

Why not ``orders.service.create`` per order: the history has ~6,000 orders and ~20,000 status
changes; through the service (a flush, a savepoint and a timeline row per step) that takes
minutes on a small machine. The orders domain has no bulk function, so this module writes the
final rows directly with multi-row INSERTs, reproducing what the service would have stored:
the order in its final status with its timestamps, its lines (sku and name copied from the
product), totals computed like ``orders.lines.totals``, and the timeline events
``order.created`` / ``order.status_changed`` / ``order.updated`` at their historical times.
Historical orders never move stock, as in the service. Domain events are not emitted (a fresh
demo database has no webhook subscribers). Replace with ``orders.service`` bulk support when
the orders domain grows one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from itertools import islice
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from maitre.common.money import quantize
from maitre.demo.history import DemoOrder
from maitre.orders.models import Order, OrderLine
from maitre.orders.status import OrderChannel, OrderStatus
from maitre.products.models import Product
from maitre.timeline.models import TimelineEvent

BATCH = 500
ACTOR = "demo"


def _batches(items: Sequence[DemoOrder], size: int) -> Iterator[list[DemoOrder]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _order_row(order: DemoOrder, customer_id: int, currency: str) -> dict[str, Any]:
    subtotal = quantize(sum((ln.unit_price * ln.quantity for ln in order.lines), Decimal(0)))
    last = order.events[-1][1] if order.events else order.placed_at
    return {
        "number": order.number,
        "customer_id": customer_id,
        "status": OrderStatus(order.status).value,
        "channel": OrderChannel(order.channel).value,
        "currency": currency,
        "subtotal": subtotal,
        "discount": quantize(order.discount),
        "total": quantize(subtotal - order.discount),
        "placed_at": order.placed_at,
        "shipped_at": order.at("shipped"),
        "delivered_at": order.at("delivered"),
        "cancelled_at": order.at("cancelled"),
        "returned_at": order.at("returned"),
        "tracking_number": order.tracking_number,
        "carrier": order.carrier,
        "shipping_address": order.shipping_address,
        "stock_reserved": False,
        "created_at": order.placed_at,
        "updated_at": last,
    }


def _event(
    customer_id: int, order_id: int, kind: str, summary: str, data: dict[str, Any], when: Any
) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "kind": kind,
        "subject_type": "order",
        "subject_id": order_id,
        "summary": summary[:500],
        "data": data,
        "actor": ACTOR,
        "occurred_at": when,
    }


def _events(order: DemoOrder, order_id: int, customer_id: int, row: dict[str, Any]) -> list[Any]:
    number, currency = order.number, row["currency"]
    items = sum(ln.quantity for ln in order.lines)
    events = [
        _event(
            customer_id,
            order_id,
            "order.created",
            f"Order {number} placed: {items} item(s), {row['total']} {currency}",
            {"number": number, "status": "pending", "total": str(row["total"])},
            order.placed_at,
        )
    ]
    previous = "pending"
    for status, when in order.events:
        events.append(
            _event(
                customer_id,
                order_id,
                "order.status_changed",
                f"Order {number}: {previous} → {status}",
                {"number": number, "from": previous, "to": status},
                when,
            )
        )
        if status == "shipped":
            changes = {
                "carrier": ["None", str(order.carrier)],
                "tracking_number": ["None", str(order.tracking_number)],
            }
            events.append(
                _event(
                    customer_id,
                    order_id,
                    "order.updated",
                    f"Order {number}: updated carrier, tracking_number",
                    {"number": number, "changes": changes},
                    when,
                )
            )
        previous = status
    return events


def insert_orders(
    *,
    session: Session,
    orders: Sequence[DemoOrder],
    customer_ids: dict[int, int],
    products: Sequence[Product],
    progress: Callable[[int], None] | None = None,
) -> list[int]:
    """Insert ``orders`` with their lines and timeline events; return their ids in order."""
    by_sku = {p.sku: p for p in products}
    ids: list[int] = []
    for batch in _batches(orders, BATCH):
        rows = [
            _order_row(o, customer_ids[o.customer], by_sku[o.lines[0].sku].currency) for o in batch
        ]
        stmt = insert(Order).returning(Order.id, sort_by_parameter_order=True)
        batch_ids = list(session.scalars(stmt, rows))
        lines: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for order, order_id, row in zip(batch, batch_ids, rows, strict=True):
            for ln in order.lines:
                product = by_sku[ln.sku]
                lines.append(
                    {
                        "order_id": order_id,
                        "product_id": product.id,
                        "sku": product.sku,
                        "name": product.name,
                        "quantity": ln.quantity,
                        "unit_price": quantize(ln.unit_price),
                    }
                )
            events.extend(_events(order, order_id, row["customer_id"], row))
        session.execute(insert(OrderLine), lines)
        session.execute(insert(TimelineEvent), events)
        ids.extend(batch_ids)
        if progress is not None:
            progress(len(batch))
    return ids

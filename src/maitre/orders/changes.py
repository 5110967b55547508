"""Apply a set of field changes to an order: status moves, repricing, stock, consistency checks.

The service wraps this with the timeline and domain events; this module only changes the row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy.orm import Session

from maitre.db.base import utcnow
from maitre.errors import Conflict, FieldError, ValidationFailed
from maitre.orders import lines as order_lines
from maitre.orders.models import Order
from maitre.orders.status import (
    NOT_YET_SHIPPED,
    RELEASES_STOCK,
    STAMPS,
    OrderStatus,
    check_transition,
)
from maitre.timeline import service as timeline

TRACKED = (
    "status",
    "channel",
    "currency",
    "placed_at",
    "shipped_at",
    "delivered_at",
    "cancelled_at",
    "returned_at",
    "tracking_number",
    "carrier",
    "shipping_address",
    "discount",
    "total",
)

PLAIN_FIELDS = (
    "channel",
    "placed_at",
    "shipped_at",
    "delivered_at",
    "cancelled_at",
    "returned_at",
    "tracking_number",
    "carrier",
    "shipping_address",
)

# Fields frozen once an order has left the warehouse.
FROZEN_AFTER_SHIPPING = ("lines", "discount", "shipping_address")


@dataclass
class Change:
    """What an update did: ``{field: [old, new]}`` and the status before and after."""

    diff: dict[str, list[Any]] = field(default_factory=dict)
    old_status: OrderStatus = OrderStatus.PENDING
    new_status: OrderStatus = OrderStatus.PENDING
    requested: frozenset[str] = frozenset()

    @property
    def status_changed(self) -> bool:
        """Tell whether the status moved."""
        return self.old_status != self.new_status

    def other_fields(self) -> dict[str, list[Any]]:
        """Return changed fields besides the status and the timestamp it stamped by itself."""
        automatic = {"status"}
        stamp = STAMPS.get(self.new_status)
        if self.status_changed and stamp and stamp not in self.requested:
            automatic.add(stamp)
        return {k: v for k, v in self.diff.items() if k not in automatic}


def snapshot(order: Order) -> dict[str, Any]:
    """Return the tracked fields of ``order``, lines included, for diffing."""
    values = {name: getattr(order, name) for name in TRACKED}
    values["lines"] = [(x.product_id, x.quantity, x.unit_price) for x in order.lines]
    return values


def stamp(order: Order, status: OrderStatus, when: datetime) -> None:
    """Fill the timestamp ``status`` stands for (``shipped_at`` …) if it is still empty."""
    column = STAMPS.get(status)
    if column and getattr(order, column) is None:
        setattr(order, column, when)


def release_stock(session: Session, order: Order) -> None:
    """Give back the stock a live order holds."""
    if order.stock_reserved:
        order_lines.move_stock(
            session=session, take=Counter(), give_back=order_lines.quantities(order.lines)
        )
        order.stock_reserved = False


def _move_status(session: Session, order: Order, new: OrderStatus, *, enforce: bool) -> None:
    old = OrderStatus(order.status)
    if enforce:
        check_transition(order.number, old, new)
    if new == old:
        return
    order.status = new
    stamp(order, new, utcnow())
    if new in RELEASES_STOCK:
        release_stock(session, order)


def _reprice(session: Session, order: Order, values: dict[str, Any]) -> None:
    discount = values.get("discount", order.discount)
    if "lines" not in values:
        order.subtotal, order.total = order_lines.totals(order.lines, discount)
        order.discount = discount
        return
    priced, _ = order_lines.price_lines(
        session=session,
        lines=values["lines"],
        currency=order.currency,
        for_sale=order.stock_reserved,
    )
    order.subtotal, order.total = order_lines.totals(priced, discount)
    order.discount = discount
    if [p.key() for p in priced] == [(x.product_id, x.quantity, x.unit_price) for x in order.lines]:
        return
    if order.stock_reserved:
        order_lines.move_stock(
            session=session,
            take=order_lines.quantities(priced),
            give_back=order_lines.quantities(order.lines),
        )
    order.lines = order_lines.to_rows(priced)


def _check_frozen(order: Order, values: dict[str, Any]) -> None:
    status = OrderStatus(order.status)
    if status in NOT_YET_SHIPPED:
        return
    frozen = [
        key
        for key in FROZEN_AFTER_SHIPPING
        if key in values and (key == "lines" or values[key] != getattr(order, key))
    ]
    if frozen:
        raise Conflict(
            f"Order {order.number} is {status.value}; {', '.join(frozen)} can only change "
            "before it ships.",
            extra={"current_status": status.value},
        )


def _check_timestamps(order: Order) -> None:
    named = [
        ("placed_at", order.placed_at),
        ("shipped_at", order.shipped_at),
        ("delivered_at", order.delivered_at),
    ]
    known = [(name, when) for name, when in named if when is not None]
    for (first, a), (second, b) in pairwise(known):
        if b < a:
            raise ValidationFailed(
                f"{second} ({b.isoformat()}) is before {first} ({a.isoformat()}).",
                errors=[FieldError(["body", second], f"before {first}")],
            )


def apply(session: Session, order: Order, values: dict[str, Any], *, enforce: bool) -> Change:
    """Apply ``values`` to ``order`` and flush; return what changed.

    With ``enforce`` (API, agent) the status follows the transition graph and lines, discount
    and address are frozen once shipped; without it (imports syncing history) values are taken
    as given. Entering ``cancelled`` or ``returned`` gives the order's stock back.
    """
    before = snapshot(order)
    old_status = OrderStatus(order.status)
    if enforce:
        _check_frozen(order, values)
    if "lines" in values or "discount" in values:
        _reprice(session, order, values)
    for key in PLAIN_FIELDS:
        if key in values:
            setattr(order, key, values[key])
    if values.get("status") is not None:
        _move_status(session, order, OrderStatus(values["status"]), enforce=enforce)
    if any(key in values for key in ("placed_at", "shipped_at", "delivered_at")):
        _check_timestamps(order)
    session.flush()
    return Change(
        diff=timeline.changes(before, snapshot(order)),
        old_status=old_status,
        new_status=OrderStatus(order.status),
        requested=frozenset(values),
    )

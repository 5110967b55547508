"""Order statuses, the transitions between them, and the timestamp each one stamps.

    pending           -> paid, shipped, cancelled
    paid              -> shipped, cancelled
    shipped           -> delivered, return_requested
    delivered         -> return_requested, returned
    return_requested  -> returned, delivered (request withdrawn or refused)
    cancelled, returned: final

Cancelling or returning gives the order's stock back (see ``maitre.orders.service``).
"""

from __future__ import annotations

from enum import StrEnum

from maitre.errors import Conflict


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURN_REQUESTED = "return_requested"
    RETURNED = "returned"


class OrderChannel(StrEnum):
    WEB = "web"
    STORE = "store"
    PHONE = "phone"
    MARKETPLACE = "marketplace"
    CHAT = "chat"
    OTHER = "other"


TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED, OrderStatus.RETURN_REQUESTED}),
    OrderStatus.DELIVERED: frozenset({OrderStatus.RETURN_REQUESTED, OrderStatus.RETURNED}),
    OrderStatus.RETURN_REQUESTED: frozenset({OrderStatus.RETURNED, OrderStatus.DELIVERED}),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.RETURNED: frozenset(),
}

# Statuses in which the order no longer holds stock.
RELEASES_STOCK = frozenset({OrderStatus.CANCELLED, OrderStatus.RETURNED})

# Statuses before the parcel leaves: the address can still change, the order can be cancelled.
NOT_YET_SHIPPED = frozenset({OrderStatus.PENDING, OrderStatus.PAID})

# The timestamp column a status stamps when the order enters it (if still empty).
STAMPS: dict[OrderStatus, str] = {
    OrderStatus.SHIPPED: "shipped_at",
    OrderStatus.DELIVERED: "delivered_at",
    OrderStatus.CANCELLED: "cancelled_at",
    OrderStatus.RETURNED: "returned_at",
}


def check_transition(number: str, old: OrderStatus, new: OrderStatus) -> None:
    """Raise ``Conflict`` unless an order may move from ``old`` to ``new``."""
    if new == old or new in TRANSITIONS[old]:
        return
    allowed = ", ".join(sorted(TRANSITIONS[old])) or "none; it is final"
    raise Conflict(
        f"Order {number} is {old.value} and cannot become {new.value} (allowed next: {allowed}).",
        extra={"current_status": old.value, "requested_status": new.value},
    )

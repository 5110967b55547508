"""Order statuses: stored values are pinned, the transition graph is what the docs say."""

from __future__ import annotations

import pytest

from maitre.errors import Conflict
from maitre.orders.status import (
    NOT_YET_SHIPPED,
    RELEASES_STOCK,
    STAMPS,
    TRANSITIONS,
    OrderChannel,
    OrderStatus,
    check_transition,
)


def test_order_status_stored_values_are_pinned() -> None:
    assert {s.name: s.value for s in OrderStatus} == {
        "PENDING": "pending",
        "PAID": "paid",
        "SHIPPED": "shipped",
        "DELIVERED": "delivered",
        "CANCELLED": "cancelled",
        "RETURN_REQUESTED": "return_requested",
        "RETURNED": "returned",
    }


def test_order_channel_stored_values_are_pinned() -> None:
    assert [c.value for c in OrderChannel] == [
        "web",
        "store",
        "phone",
        "marketplace",
        "chat",
        "other",
    ]


def test_every_status_has_a_transition_entry_and_final_ones_are_empty() -> None:
    assert set(TRANSITIONS) == set(OrderStatus)
    assert {s for s, nxt in TRANSITIONS.items() if not nxt} == {
        OrderStatus.CANCELLED,
        OrderStatus.RETURNED,
    }
    assert {OrderStatus.CANCELLED, OrderStatus.RETURNED} == RELEASES_STOCK
    assert {OrderStatus.PENDING, OrderStatus.PAID} == NOT_YET_SHIPPED
    assert STAMPS[OrderStatus.SHIPPED] == "shipped_at"
    assert STAMPS[OrderStatus.DELIVERED] == "delivered_at"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("pending", "paid"),
        ("pending", "cancelled"),
        ("paid", "shipped"),
        ("paid", "cancelled"),
        ("shipped", "delivered"),
        ("delivered", "return_requested"),
        ("return_requested", "returned"),
        ("return_requested", "delivered"),
        ("shipped", "shipped"),
    ],
)
def test_allowed_transitions_pass(old: str, new: str) -> None:
    check_transition("MT-000001", OrderStatus(old), OrderStatus(new))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("shipped", "cancelled"),
        ("delivered", "cancelled"),
        ("cancelled", "shipped"),
        ("cancelled", "pending"),
        ("returned", "delivered"),
        ("pending", "delivered"),
        ("pending", "returned"),
        ("paid", "pending"),
    ],
)
def test_refused_transitions_raise_conflict_naming_both(old: str, new: str) -> None:
    with pytest.raises(Conflict) as caught:
        check_transition("MT-000001", OrderStatus(old), OrderStatus(new))
    assert old in str(caught.value) and new in str(caught.value)
    assert "MT-000001" in str(caught.value)
    assert caught.value.extra == {"current_status": old, "requested_status": new}

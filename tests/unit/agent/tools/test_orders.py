"""Read-only order tools: status with tracking and estimate, recent orders, refund status."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from maitre.agent import tools
from maitre.config import Settings
from tests.factories.agent import make_shop, tool_context
from tests.factories.customers import make_customer


def test_order_status_gives_tracking_and_estimated_delivery(
    session: Session, settings: Settings
) -> None:
    shop = make_shop(session)
    order = shop.orders["shipped"]
    ctx = tool_context(session, settings, customer=shop.alice)
    result = tools.order_status(ctx, order.number)
    assert result.ok and result.outcome == tools.OrderStatusOutcome.FOUND
    facts = result.facts
    assert facts["order_number"] == order.number and facts["status"] == "shipped"
    assert facts["carrier"] == "DHL" and facts["tracking_number"] == "JD0001"
    assert facts["shipped_at"] == "2026-02-27" and facts["placed_at"] == "2026-02-26"
    assert facts["estimated_delivery"] == "2026-03-04"  # shipped + delivery_estimate_days (5)
    assert facts["total"] == "98.00 USD" and facts["items"][0]["name"] == "Wireless Earbuds"
    assert result.data == {"order_id": order.id}


def test_order_status_reads_short_and_hashed_numbers(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    order = shop.orders["delivered"]
    ctx = tool_context(session, settings, customer=shop.alice)
    digits = str(int(order.number.removeprefix("MT-")))
    assert tools.order_status(ctx, digits).facts["order_number"] == order.number
    assert tools.order_status(ctx, f"#{order.number.lower()}").facts["status"] == "delivered"
    assert tools.order_status(ctx, order.number).facts["estimated_delivery"] is None


def test_order_status_without_number_is_the_latest(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=shop.alice)
    result = tools.order_status(ctx)
    assert result.outcome == "found" and result.facts["latest"] is True
    assert result.facts["order_number"] == shop.orders["paid"].number  # newest placed


def test_order_status_unknown_number_and_no_orders(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=shop.alice)
    missing = tools.order_status(ctx, " #MT-424242 ")
    assert missing.outcome == "not_found" and missing.facts == {"order_number": "MT-424242"}
    assert tools.order_status(ctx, "   ").outcome == "not_found"
    newcomer = tool_context(session, settings, customer=make_customer(session))
    assert tools.order_status(newcomer).outcome == tools.OrderStatusOutcome.NO_ORDERS


def test_list_recent_orders_is_bounded_and_newest_first(
    session: Session, settings: Settings
) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=shop.alice)
    result = tools.list_recent_orders(ctx, limit=3)
    assert result.outcome == "found" and result.facts["count"] == 3
    numbers = [o["order_number"] for o in result.facts["orders"]]
    assert numbers[0] == shop.orders["paid"].number
    mine = {o.number for o in shop.orders.values()}
    assert set(numbers) <= mine
    assert tools.list_recent_orders(ctx, limit=500).facts["count"] == 7
    assert tools.list_recent_orders(ctx, limit=0).facts["count"] == 1
    newcomer = tool_context(session, settings, customer=make_customer(session))
    assert tools.list_recent_orders(newcomer).outcome == "no_orders"


def test_refund_status_by_order_state(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=shop.alice)
    expected = {
        "return_requested": "refund_pending",
        "returned": "return_received",
        "cancelled": "cancelled",
        "delivered": "no_refund",
        "pending": "no_refund",
    }
    for status, outcome in expected.items():
        result = tools.refund_status(ctx, shop.orders[status].number)
        assert result.outcome == outcome, status
    pending = tools.refund_status(ctx, shop.orders["return_requested"].number)
    assert pending.ok and pending.facts["refund_amount"] == "98.00 USD"
    assert not tools.refund_status(ctx, shop.orders["delivered"].number).ok


def test_refund_above_limit_needs_a_person(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    limited = settings.model_copy(update={"refund_handoff_limit": Decimal("50.00")})
    ctx = tool_context(session, limited, customer=shop.alice)
    result = tools.refund_status(ctx, shop.orders["returned"].number)
    assert result.outcome == tools.RefundOutcome.NEEDS_HANDOFF and not result.ok
    assert result.facts["handoff_reason"] == "refund_above_limit"
    at_limit = settings.model_copy(update={"refund_handoff_limit": Decimal("98.00")})
    ctx = tool_context(session, at_limit, customer=shop.alice)
    assert tools.refund_status(ctx, shop.orders["returned"].number).outcome == "return_received"
    # Nothing to refund: no handoff however large the order.
    assert tools.refund_status(ctx, shop.orders["delivered"].number).outcome == "no_refund"

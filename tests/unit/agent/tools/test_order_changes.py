"""Order-changing tools: the return window, cancel before shipping, the address before shipping,
and the CRM state each leaves (status, ticket, timeline with the conversation as actor)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from maitre.agent import tools
from maitre.config import Settings
from maitre.orders.status import OrderStatus
from maitre.tickets import service as tickets
from maitre.timeline import service as timeline
from tests.factories.agent import DELIVERED_AT, make_shop, tool_context
from tests.factories.conversations import make_conversation


def test_accepted_return_sets_status_opens_ticket_and_records(
    session: Session, settings: Settings
) -> None:
    shop = make_shop(session)
    conversation = make_conversation(session, customer_id=shop.alice.id)
    order = shop.orders["delivered"]
    ctx = tool_context(session, settings, customer=shop.alice, conversation_id=conversation.id)
    result = tools.request_return(ctx, order.number, reason="  Too   small ")
    assert result.ok and result.outcome == tools.ReturnOutcome.RETURN_REQUESTED
    session.refresh(order)
    assert order.status == OrderStatus.RETURN_REQUESTED
    ticket = tickets.get(session=session, ticket_id=result.facts["ticket_id"])
    assert ticket.order_id == order.id and ticket.customer_id == shop.alice.id
    assert ticket.conversation_id == conversation.id and "return" in ticket.tags
    assert "Too small" in ticket.body
    assert result.facts["status"] == "return_requested" and result.facts["reason"] == "Too small"
    assert result.facts["return_last_day"] == "2026-04-01"
    events = timeline.list_for_customer(session=session, customer_id=shop.alice.id)
    mine = [e for e in events if e.actor == f"agent:conversation:{conversation.id}"]
    kinds = {e.kind for e in mine}
    assert {"order.status_changed", "ticket.created"} <= kinds


@pytest.mark.parametrize(
    ("days", "outcome"),
    [(0, "return_requested"), (30, "return_requested"), (31, "not_eligible_window")],
)
def test_return_window_edge(session: Session, settings: Settings, days: int, outcome: str) -> None:
    shop = make_shop(session)
    order = shop.orders["delivered"]
    # Late on the last day still counts: the window is in calendar days.
    now = DELIVERED_AT.replace(hour=23, minute=59) + timedelta(days=days)
    ctx = tool_context(session, settings, customer=shop.alice, now=now)
    result = tools.request_return(ctx, order.number)
    assert result.outcome == outcome
    assert result.facts["days_since_delivery"] == days
    session.refresh(order)
    expected = OrderStatus.RETURN_REQUESTED if result.ok else OrderStatus.DELIVERED
    assert order.status == expected


def test_return_window_follows_settings(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    short = settings.model_copy(update={"return_window_days": 7})
    now = DELIVERED_AT + timedelta(days=8)
    ctx = tool_context(session, short, customer=shop.alice, now=now)
    result = tools.request_return(ctx, shop.orders["delivered"].number)
    assert result.outcome == "not_eligible_window" and result.facts["return_window_days"] == 7


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("pending", "not_shipped"),
        ("paid", "not_shipped"),
        ("shipped", "not_delivered"),
        ("cancelled", "order_cancelled"),
        ("return_requested", "already_requested"),
        ("returned", "already_returned"),
    ],
)
def test_return_refused_by_status(
    session: Session, settings: Settings, status: str, outcome: str
) -> None:
    shop = make_shop(session)
    order = shop.orders[status]
    ctx = tool_context(session, settings, customer=shop.alice)
    result = tools.request_return(ctx, order.number)
    assert result.outcome == outcome and not result.ok
    session.refresh(order)
    assert order.status == status
    assert tickets.list_for_customer(session=session, customer_id=shop.alice.id) == []


def test_return_without_delivery_date_goes_to_a_person(
    session: Session, settings: Settings
) -> None:
    shop = make_shop(session)
    order = shop.orders["delivered"]
    order.delivered_at = None
    session.flush()
    ctx = tool_context(session, settings, customer=shop.alice)
    result = tools.request_return(ctx, order.number)
    assert result.outcome == "needs_handoff"
    assert result.facts["handoff_reason"] == "unknown_delivery_date"


@pytest.mark.parametrize("status", ["pending", "paid"])
def test_cancel_before_shipping(session: Session, settings: Settings, status: str) -> None:
    shop = make_shop(session)
    order = shop.orders[status]
    stock_before = shop.product.stock
    ctx = tool_context(session, settings, customer=shop.alice, conversation_id=None)
    result = tools.cancel_order(ctx, order.number)
    assert result.ok and result.outcome == tools.CancelOutcome.CANCELLED
    session.refresh(order)
    session.refresh(shop.product)
    assert order.status == OrderStatus.CANCELLED and order.cancelled_at is not None
    assert shop.product.stock == stock_before + 2  # the order's stock is given back
    assert result.facts["status"] == "cancelled"
    events = timeline.list_for_customer(session=session, customer_id=shop.alice.id)
    assert any(
        e.kind == "order.status_changed" and e.actor == "agent:conversation:none" for e in events
    )


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("shipped", "already_shipped"),
        ("delivered", "already_shipped"),
        ("return_requested", "already_shipped"),
        ("returned", "already_shipped"),
        ("cancelled", "already_cancelled"),
    ],
)
def test_cancel_refused_once_shipped(
    session: Session, settings: Settings, status: str, outcome: str
) -> None:
    shop = make_shop(session)
    order = shop.orders[status]
    ctx = tool_context(session, settings, customer=shop.alice)
    result = tools.cancel_order(ctx, order.number)
    assert result.outcome == outcome and not result.ok
    session.refresh(order)
    assert order.status == status


def test_cancel_follows_allowed_statuses(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    strict = settings.model_copy(update={"cancel_allowed_statuses": ["pending"]})
    ctx = tool_context(session, strict, customer=shop.alice)
    assert tools.cancel_order(ctx, shop.orders["paid"].number).outcome == "not_allowed"
    assert tools.cancel_order(ctx, shop.orders["pending"].number).outcome == "cancelled"


def test_change_address_before_shipping(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    order = shop.orders["paid"]
    ctx = tool_context(session, settings, customer=shop.alice, conversation_id=None)
    result = tools.change_address(ctx, order.number, "  9 Rue de Rivoli,\n\n 75001   Paris ")
    assert result.ok and result.outcome == tools.AddressOutcome.ADDRESS_CHANGED
    session.refresh(order)
    assert order.shipping_address == "9 Rue de Rivoli,\n75001 Paris"
    assert result.facts["shipping_address"] == order.shipping_address
    assert result.facts["customer_address_updated"] is False
    session.refresh(shop.alice)
    assert shop.alice.address != order.shipping_address
    events = timeline.list_for_customer(session=session, customer_id=shop.alice.id)
    assert any(e.kind == "order.updated" and e.actor.startswith("agent:") for e in events)


def test_change_address_can_update_the_account_too(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=shop.alice)
    result = tools.change_address(
        ctx, shop.orders["pending"].number, "9 Rue de Rivoli, Paris", update_customer=True
    )
    assert result.ok and result.facts["customer_address_updated"] is True
    session.refresh(shop.alice)
    assert shop.alice.address == "9 Rue de Rivoli, Paris"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("shipped", "already_shipped"),
        ("delivered", "already_shipped"),
        ("cancelled", "order_cancelled"),
    ],
)
def test_change_address_refused_after_shipping(
    session: Session, settings: Settings, status: str, outcome: str
) -> None:
    shop = make_shop(session)
    order = shop.orders[status]
    before = order.shipping_address
    ctx = tool_context(session, settings, customer=shop.alice)
    result = tools.change_address(ctx, order.number, "9 Rue de Rivoli, Paris")
    assert result.outcome == outcome and not result.ok
    session.refresh(order)
    assert order.shipping_address == before


@pytest.mark.parametrize("address", ["", "   ", "ab", "----", "x" * 2001])
def test_change_address_rejects_junk(session: Session, settings: Settings, address: str) -> None:
    shop = make_shop(session)
    order = shop.orders["pending"]
    before = order.shipping_address
    ctx = tool_context(session, settings, customer=shop.alice)
    assert tools.change_address(ctx, order.number, address).outcome == "invalid_address"
    session.refresh(order)
    assert order.shipping_address == before


def test_changes_never_default_to_the_latest_order(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=shop.alice)
    none: Any = None
    assert tools.cancel_order(ctx, none).outcome == "not_found"
    assert tools.change_address(ctx, none, "9 Rue de Rivoli, Paris").outcome == "not_found"
    assert tools.request_return(ctx, none).outcome == "not_found"
    session.refresh(shop.orders["paid"])
    assert shop.orders["paid"].status == OrderStatus.PAID

"""The tools act for the verified customer only: another customer's order is not found, exactly
like a number that does not exist, and an unverified conversation gets ``needs_verification``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from maitre.agent import tools
from maitre.agent.tools import ToolContext, ToolResult
from maitre.common.pagination import PageParams
from maitre.config import Settings
from maitre.orders.models import Order
from maitre.orders.status import OrderStatus
from maitre.tickets import service as tickets
from maitre.tickets.service import TicketFilter
from maitre.timeline import service as timeline
from tests.factories.agent import STATUSES, make_shop, tool_context

OrderTool = Callable[[ToolContext, str], ToolResult]

ORDER_TOOLS: dict[str, OrderTool] = {
    "order_status": lambda ctx, n: tools.order_status(ctx, n),
    "refund_status": lambda ctx, n: tools.refund_status(ctx, n),
    "request_return": lambda ctx, n: tools.request_return(ctx, n, reason="too small"),
    "cancel_order": lambda ctx, n: tools.cancel_order(ctx, n),
    "change_address": lambda ctx, n: tools.change_address(ctx, n, "9 Rue de Rivoli, Paris"),
    "create_ticket": lambda ctx, n: tools.create_ticket(
        ctx, "Broken", "It arrived broken", order_number=n
    ),
}


def _snapshot(session: Session, order: Order) -> tuple[object, ...]:
    session.refresh(order)
    return (order.status, order.shipping_address, order.updated_at)


@pytest.mark.parametrize("tool", sorted(ORDER_TOOLS))
@pytest.mark.parametrize("status", STATUSES)
def test_another_customers_order_is_not_found(
    session: Session, settings: Settings, tool: str, status: str
) -> None:
    shop = make_shop(session)
    target = shop.bob_orders[status]
    before = _snapshot(session, target)
    events_before = len(timeline.list_for_customer(session=session, customer_id=shop.bob.id))
    ctx = tool_context(session, settings, customer=shop.alice)

    foreign = ORDER_TOOLS[tool](ctx, target.number)
    missing = ORDER_TOOLS[tool](ctx, "MT-999999")

    assert foreign.outcome == "not_found" and not foreign.ok
    assert (foreign.ok, foreign.outcome, set(foreign.facts)) == (
        missing.ok,
        missing.outcome,
        set(missing.facts),
    )
    assert foreign.data is None and missing.data is None
    assert _snapshot(session, target) == before
    after = timeline.list_for_customer(session=session, customer_id=shop.bob.id)
    assert len(after) == events_before
    bob_tickets = tickets.list_(
        session=session, filters=TicketFilter(customer_id=shop.bob.id), params=PageParams()
    )
    assert bob_tickets.total == 0


@pytest.mark.parametrize("tool", sorted(ORDER_TOOLS))
def test_short_number_of_another_customer_is_not_found(
    session: Session, settings: Settings, tool: str
) -> None:
    shop = make_shop(session)
    target = shop.bob_orders["delivered"]
    ctx = tool_context(session, settings, customer=shop.alice)
    digits = str(int(target.number.removeprefix("MT-")))  # "1043" finds MT-001043 for its owner
    assert ORDER_TOOLS[tool](ctx, digits).outcome == "not_found"
    assert ORDER_TOOLS[tool](ctx, f"#{target.number.lower()}").outcome == "not_found"


def test_ticket_with_another_customers_order_id_is_not_found(
    session: Session, settings: Settings
) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=shop.alice)
    result = tools.create_ticket(ctx, "Broken", "x", order_id=shop.bob_orders["delivered"].id)
    assert result.outcome == "not_found"
    assert tools.create_ticket(ctx, "Broken", "x", order_id=2_000_000).outcome == "not_found"


UNVERIFIED_CALLS: dict[str, Callable[[ToolContext, str], ToolResult]] = {
    **ORDER_TOOLS,
    "order_status_latest": lambda ctx, _n: tools.order_status(ctx),
    "refund_status_latest": lambda ctx, _n: tools.refund_status(ctx),
    "list_recent_orders": lambda ctx, _n: tools.list_recent_orders(ctx),
    "update_account": lambda ctx, _n: tools.update_account(ctx, "phone", "+33 1 23 45 67 89"),
    "customer_profile": lambda ctx, _n: tools.customer_profile(ctx),
}


@pytest.mark.parametrize("tool", sorted(UNVERIFIED_CALLS))
def test_unverified_conversation_needs_verification(
    session: Session, settings: Settings, tool: str
) -> None:
    shop = make_shop(session)
    order = shop.orders["delivered"]
    ctx = tool_context(session, settings, customer=None)
    result = UNVERIFIED_CALLS[tool](ctx, order.number)
    assert result.outcome == "needs_verification" and not result.ok
    assert result.facts == {} and result.data is None
    session.refresh(order)
    assert order.status == OrderStatus.DELIVERED


def test_catalogue_tools_need_no_customer(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=None)
    assert tools.product_info(ctx, shop.product.sku).outcome == "found"
    assert tools.recommend(ctx).outcome == "recommended"


CONTROLS = "\x00\x01" * 300
JUNK = CONTROLS + "MT-\x00"


def test_junk_text_never_reaches_the_database(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=shop.alice)
    for tool in ORDER_TOOLS.values():
        assert tool(ctx, JUNK).outcome == "not_found"
    assert tools.verify_identity(ctx, JUNK, JUNK).outcome == "not_verified"
    assert tools.product_info(ctx, JUNK).outcome == "not_found"
    assert tools.recommend(ctx, category=JUNK).outcome == "no_results"  # she has the only one
    assert tools.update_account(ctx, "phone", JUNK).outcome == "invalid_value"
    assert tools.update_account(ctx, JUNK, "x").outcome == "invalid_field"
    assert tools.create_ticket(ctx, CONTROLS, JUNK).outcome == "invalid_input"
    pending = shop.orders["pending"].number
    assert tools.change_address(ctx, pending, CONTROLS).outcome == "invalid_address"
    nul_in_text = tools.create_ticket(ctx, "Bro\x00ken", "a\x00b")
    ticket = tickets.get(session=session, ticket_id=nul_in_text.facts["ticket_id"])
    assert (ticket.subject, ticket.body) == ("Broken", "ab")

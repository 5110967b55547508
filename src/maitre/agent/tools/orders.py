"""Read-only order tools: where an order is, the customer's recent orders, refund status."""

from __future__ import annotations

from enum import StrEnum

from maitre.agent.tools import rules
from maitre.agent.tools.context import ToolContext, ToolResult, iso_day, money, refusal, success
from maitre.agent.tools.scope import asked_number, customer_order, order_facts, order_summary
from maitre.orders import service as orders
from maitre.orders.status import OrderStatus

MAX_RECENT = 10


class OrderStatusOutcome(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    NO_ORDERS = "no_orders"
    NEEDS_VERIFICATION = "needs_verification"


class RecentOrdersOutcome(StrEnum):
    FOUND = "found"
    NO_ORDERS = "no_orders"
    NEEDS_VERIFICATION = "needs_verification"


class RefundOutcome(StrEnum):
    REFUND_PENDING = "refund_pending"  # return requested, not yet received
    RETURN_RECEIVED = "return_received"  # returned: the refund follows the return
    CANCELLED = "cancelled"  # cancelled order: nothing is charged or it is given back
    NO_REFUND = "no_refund"  # no return or cancellation on file
    NEEDS_HANDOFF = "needs_handoff"  # above refund_handoff_limit: a person answers
    NOT_FOUND = "not_found"
    NO_ORDERS = "no_orders"
    NEEDS_VERIFICATION = "needs_verification"


def order_status(ctx: ToolContext, order_number: str | None = None) -> ToolResult:
    """Tell where an order is (the customer's latest when no number is given)."""
    if not ctx.verified:
        return refusal(OrderStatusOutcome.NEEDS_VERIFICATION)
    order = customer_order(ctx, order_number, latest=True)
    if order is None:
        if order_number is None:
            return refusal(OrderStatusOutcome.NO_ORDERS)
        return refusal(OrderStatusOutcome.NOT_FOUND, asked_number(order_number))
    facts = order_facts(order)
    facts["estimated_delivery"] = iso_day(rules.estimated_delivery(order, settings=ctx.settings))
    facts["latest"] = order_number is None
    return success(OrderStatusOutcome.FOUND, facts, {"order_id": order.id})


def list_recent_orders(ctx: ToolContext, limit: int = 3) -> ToolResult:
    """List the customer's most recent orders (1 to 10), newest first."""
    if not ctx.verified or ctx.customer_id is None:
        return refusal(RecentOrdersOutcome.NEEDS_VERIFICATION)
    limit = max(1, min(int(limit), MAX_RECENT))
    found = orders.list_for_customer(session=ctx.session, customer_id=ctx.customer_id, limit=limit)
    if not found:
        return refusal(RecentOrdersOutcome.NO_ORDERS, {"count": 0, "orders": []})
    facts = {"count": len(found), "orders": [order_summary(order) for order in found]}
    return success(RecentOrdersOutcome.FOUND, facts, {"order_ids": [o.id for o in found]})


_REFUND_BY_STATUS = {
    OrderStatus.RETURN_REQUESTED: RefundOutcome.REFUND_PENDING,
    OrderStatus.RETURNED: RefundOutcome.RETURN_RECEIVED,
    OrderStatus.CANCELLED: RefundOutcome.CANCELLED,
}


def refund_status(ctx: ToolContext, order_number: str | None = None) -> ToolResult:
    """Tell where a refund stands, from the order's return or cancellation."""
    if not ctx.verified:
        return refusal(RefundOutcome.NEEDS_VERIFICATION)
    order = customer_order(ctx, order_number, latest=True)
    if order is None:
        if order_number is None:
            return refusal(RefundOutcome.NO_ORDERS)
        return refusal(RefundOutcome.NOT_FOUND, asked_number(order_number))
    facts = order_facts(order)
    outcome = _REFUND_BY_STATUS.get(OrderStatus(order.status), RefundOutcome.NO_REFUND)
    data = {"order_id": order.id}
    if outcome == RefundOutcome.NO_REFUND:
        return refusal(outcome, facts, data)
    facts["refund_amount"] = money(order.total, order.currency)
    if rules.refund_needs_person(order, settings=ctx.settings):
        facts["handoff_reason"] = "refund_above_limit"
        return refusal(RefundOutcome.NEEDS_HANDOFF, facts, data)
    return success(outcome, facts, data)

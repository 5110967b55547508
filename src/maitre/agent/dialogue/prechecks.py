"""Read-only checks a flow runs before it asks for confirmation (or for more slots), so the
customer hears "that order can no longer be returned" before being asked "shall I return it?".

Each check answers with the outcome codes of the tool the flow will call, or ``eligible``; the
business rules themselves stay in ``maitre.agent.tools.rules``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from maitre.agent.tools import ToolContext, ToolResult
from maitre.agent.tools.context import iso_day
from maitre.agent.tools.rules import ReturnCheck, may_cancel, return_verdict
from maitre.agent.tools.scope import asked_number, customer_order, order_facts
from maitre.orders.status import NOT_YET_SHIPPED, OrderStatus

ELIGIBLE = "eligible"
_RETURN = {
    ReturnCheck.ELIGIBLE: ELIGIBLE,
    ReturnCheck.WINDOW_CLOSED: "not_eligible_window",
    ReturnCheck.NOT_SHIPPED: "not_shipped",
    ReturnCheck.NOT_DELIVERED: "not_delivered",
    ReturnCheck.ALREADY_REQUESTED: "already_requested",
    ReturnCheck.ALREADY_RETURNED: "already_returned",
    ReturnCheck.CANCELLED: "order_cancelled",
    # No delivery date: let the tool decide (it hands the case to a person).
    ReturnCheck.UNKNOWN_DELIVERY: ELIGIBLE,
}


def _order(ctx: ToolContext, args: dict[str, Any]) -> tuple[Any, ToolResult | None]:
    number = args.get("order_number")
    if ctx.customer_id is None:
        return None, ToolResult(ok=False, outcome="needs_verification")
    order = customer_order(ctx, number if isinstance(number, str) else None)
    if order is None:
        return None, ToolResult(ok=False, outcome="not_found", facts=asked_number(number))
    return order, None


def return_eligibility(ctx: ToolContext, args: dict[str, Any]) -> ToolResult:
    """Tell whether the order may be returned now (window, delivery)."""
    order, refused = _order(ctx, args)
    if refused is not None:
        return refused
    verdict = return_verdict(order, now=ctx.now, settings=ctx.settings)
    facts = {
        **order_facts(order),
        "return_window_days": ctx.settings.return_window_days,
        "return_last_day": iso_day(verdict.last_day),
        "days_since_delivery": verdict.days_since_delivery,
    }
    outcome = _RETURN[verdict.check]
    return ToolResult(ok=outcome == ELIGIBLE, outcome=outcome, facts=facts)


def cancel_eligibility(ctx: ToolContext, args: dict[str, Any]) -> ToolResult:
    """Tell whether the order may still be cancelled."""
    order, refused = _order(ctx, args)
    if refused is not None:
        return refused
    status = OrderStatus(order.status)
    if status == OrderStatus.CANCELLED:
        outcome = "already_cancelled"
    elif status not in NOT_YET_SHIPPED:
        outcome = "already_shipped"
    elif not may_cancel(order, settings=ctx.settings):
        outcome = "not_allowed"
    else:
        outcome = ELIGIBLE
    return ToolResult(ok=outcome == ELIGIBLE, outcome=outcome, facts=order_facts(order))


def address_eligibility(ctx: ToolContext, args: dict[str, Any]) -> ToolResult:
    """Tell whether the order's delivery address may still change."""
    order, refused = _order(ctx, args)
    if refused is not None:
        return refused
    status = OrderStatus(order.status)
    if status == OrderStatus.CANCELLED:
        outcome = "order_cancelled"
    elif status not in NOT_YET_SHIPPED:
        outcome = "already_shipped"
    else:
        outcome = ELIGIBLE
    return ToolResult(ok=outcome == ELIGIBLE, outcome=outcome, facts=order_facts(order))


PRECHECKS: dict[str, Callable[[ToolContext, dict[str, Any]], ToolResult]] = {
    "return_eligibility": return_eligibility,
    "cancel_eligibility": cancel_eligibility,
    "address_eligibility": address_eligibility,
}

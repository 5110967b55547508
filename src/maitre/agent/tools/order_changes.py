"""Order-changing tools: request a return, cancel, change the delivery address.

Each change goes through the orders service (status transitions, frozen fields, timeline events
with the conversation as actor) inside a savepoint, so a refused or failed step leaves nothing
half-written.
"""

from __future__ import annotations

from enum import StrEnum

from maitre.agent.tools import rules
from maitre.agent.tools.context import (
    ToolContext,
    ToolResult,
    iso_day,
    plain,
    refusal,
    success,
)
from maitre.agent.tools.rules import ReturnCheck
from maitre.agent.tools.scope import asked_number, customer_order, order_facts
from maitre.agent.tools.support import TicketKind, open_ticket
from maitre.customers import service as customers
from maitre.customers.schemas import CustomerUpdate
from maitre.errors import Conflict, MaitreError
from maitre.orders import service as orders
from maitre.orders.status import NOT_YET_SHIPPED, OrderStatus
from maitre.tickets.models import TicketPriority

REASON_MAX = 1000


class ReturnOutcome(StrEnum):
    RETURN_REQUESTED = "return_requested"
    NOT_ELIGIBLE_WINDOW = "not_eligible_window"
    NOT_SHIPPED = "not_shipped"  # pending/paid: offer to cancel instead
    NOT_DELIVERED = "not_delivered"  # on its way: a return starts after delivery
    ALREADY_REQUESTED = "already_requested"
    ALREADY_RETURNED = "already_returned"
    ORDER_CANCELLED = "order_cancelled"
    NEEDS_HANDOFF = "needs_handoff"  # no delivery date on file, or the write failed
    NOT_FOUND = "not_found"
    NEEDS_VERIFICATION = "needs_verification"


class CancelOutcome(StrEnum):
    CANCELLED = "cancelled"
    ALREADY_CANCELLED = "already_cancelled"
    ALREADY_SHIPPED = "already_shipped"
    NOT_ALLOWED = "not_allowed"  # not shipped, but the settings forbid cancelling it
    NEEDS_HANDOFF = "needs_handoff"
    NOT_FOUND = "not_found"
    NEEDS_VERIFICATION = "needs_verification"


class AddressOutcome(StrEnum):
    ADDRESS_CHANGED = "address_changed"
    ALREADY_SHIPPED = "already_shipped"
    ORDER_CANCELLED = "order_cancelled"
    INVALID_ADDRESS = "invalid_address"
    NEEDS_HANDOFF = "needs_handoff"
    NOT_FOUND = "not_found"
    NEEDS_VERIFICATION = "needs_verification"


_RETURN_REFUSALS = {
    ReturnCheck.WINDOW_CLOSED: ReturnOutcome.NOT_ELIGIBLE_WINDOW,
    ReturnCheck.NOT_SHIPPED: ReturnOutcome.NOT_SHIPPED,
    ReturnCheck.NOT_DELIVERED: ReturnOutcome.NOT_DELIVERED,
    ReturnCheck.ALREADY_REQUESTED: ReturnOutcome.ALREADY_REQUESTED,
    ReturnCheck.ALREADY_RETURNED: ReturnOutcome.ALREADY_RETURNED,
    ReturnCheck.CANCELLED: ReturnOutcome.ORDER_CANCELLED,
    ReturnCheck.UNKNOWN_DELIVERY: ReturnOutcome.NEEDS_HANDOFF,
}


def request_return(ctx: ToolContext, order_number: str, reason: str | None = None) -> ToolResult:
    """Accept a return of a delivered order within the window: status ``return_requested``
    and a ticket with the order, both through the services."""
    if not ctx.verified or ctx.customer_id is None:
        return refusal(ReturnOutcome.NEEDS_VERIFICATION)
    order = customer_order(ctx, order_number)
    if order is None:
        return refusal(ReturnOutcome.NOT_FOUND, asked_number(order_number))
    verdict = rules.return_verdict(order, now=ctx.now, settings=ctx.settings)
    facts = {
        **order_facts(order),
        "return_window_days": ctx.settings.return_window_days,
        "return_last_day": iso_day(verdict.last_day),
        "days_since_delivery": verdict.days_since_delivery,
    }
    data = {"order_id": order.id}
    if verdict.check != ReturnCheck.ELIGIBLE:
        if verdict.check == ReturnCheck.UNKNOWN_DELIVERY:
            facts["handoff_reason"] = "unknown_delivery_date"
        return refusal(_RETURN_REFUSALS[verdict.check], facts, data)
    why = " ".join(plain(reason, REASON_MAX).split())
    body = f"Return requested in conversation {ctx.conversation_id} by the customer."
    if why:
        body += f"\nReason given: {why}"
    try:
        with ctx.session.begin_nested():
            orders.set_status(
                session=ctx.session,
                order_id=order.id,
                status=OrderStatus.RETURN_REQUESTED,
                actor=ctx.actor,
            )
            ticket = open_ticket(
                ctx,
                customer_id=ctx.customer_id,
                subject=f"Return request for order {order.number}",
                body=body,
                priority=TicketPriority.NORMAL,
                kind=TicketKind.RETURN,
                order=order,
            )
    except MaitreError:
        ctx.session.refresh(order)
        facts["handoff_reason"] = "write_failed"
        return refusal(ReturnOutcome.NEEDS_HANDOFF, facts, data)
    facts.update(status=str(order.status), ticket_id=ticket.id, reason=why or None)
    return success(ReturnOutcome.RETURN_REQUESTED, facts, {**data, "ticket_id": ticket.id})


def cancel_order(ctx: ToolContext, order_number: str) -> ToolResult:
    """Cancel an order that has not shipped (status allowed by ``cancel_allowed_statuses``)."""
    if not ctx.verified:
        return refusal(CancelOutcome.NEEDS_VERIFICATION)
    order = customer_order(ctx, order_number)
    if order is None:
        return refusal(CancelOutcome.NOT_FOUND, asked_number(order_number))
    data = {"order_id": order.id}
    status = OrderStatus(order.status)
    if status == OrderStatus.CANCELLED:
        return refusal(CancelOutcome.ALREADY_CANCELLED, order_facts(order), data)
    if status not in NOT_YET_SHIPPED:
        return refusal(CancelOutcome.ALREADY_SHIPPED, order_facts(order), data)
    if not rules.may_cancel(order, settings=ctx.settings):
        return refusal(CancelOutcome.NOT_ALLOWED, order_facts(order), data)
    try:
        with ctx.session.begin_nested():
            orders.set_status(
                session=ctx.session,
                order_id=order.id,
                status=OrderStatus.CANCELLED,
                actor=ctx.actor,
            )
    except Conflict:
        ctx.session.refresh(order)
        return refusal(CancelOutcome.ALREADY_SHIPPED, order_facts(order), data)
    except MaitreError:
        ctx.session.refresh(order)
        return refusal(CancelOutcome.NEEDS_HANDOFF, order_facts(order), data)
    return success(CancelOutcome.CANCELLED, order_facts(order), data)


def change_address(
    ctx: ToolContext, order_number: str, address: str, update_customer: bool = False
) -> ToolResult:
    """Change where an unshipped order goes; with ``update_customer`` also the account address."""
    if not ctx.verified or ctx.customer_id is None:
        return refusal(AddressOutcome.NEEDS_VERIFICATION)
    order = customer_order(ctx, order_number)
    if order is None:
        return refusal(AddressOutcome.NOT_FOUND, asked_number(order_number))
    data = {"order_id": order.id}
    status = OrderStatus(order.status)
    if status == OrderStatus.CANCELLED:
        return refusal(AddressOutcome.ORDER_CANCELLED, order_facts(order), data)
    if status not in NOT_YET_SHIPPED:
        return refusal(AddressOutcome.ALREADY_SHIPPED, order_facts(order), data)
    clean = rules.clean_address(plain(address, rules.ADDRESS_MAX + 1))
    if clean is None:
        return refusal(AddressOutcome.INVALID_ADDRESS, order_facts(order), data)
    try:
        with ctx.session.begin_nested():
            orders.change_shipping_address(
                session=ctx.session, order_id=order.id, shipping_address=clean, actor=ctx.actor
            )
            if update_customer:
                customers.update(
                    session=ctx.session,
                    customer_id=ctx.customer_id,
                    data=CustomerUpdate(address=clean),
                    actor=ctx.actor,
                )
    except Conflict:
        ctx.session.refresh(order)
        return refusal(AddressOutcome.ALREADY_SHIPPED, order_facts(order), data)
    except MaitreError:
        ctx.session.refresh(order)
        return refusal(AddressOutcome.NEEDS_HANDOFF, order_facts(order), data)
    facts = {
        **order_facts(order),
        "shipping_address": order.shipping_address,
        "customer_address_updated": update_customer,
    }
    return success(AddressOutcome.ADDRESS_CHANGED, facts, data)

"""Ticket tools: open a ticket for the conversation's customer, linked to the conversation."""

from __future__ import annotations

from enum import StrEnum

from pydantic import ValidationError

from maitre.agent.tools.context import ToolContext, ToolResult, plain, refusal, success
from maitre.agent.tools.scope import (
    asked_number,
    current_customer,
    customer_order,
    customer_order_by_id,
)
from maitre.conversations import service as conversations
from maitre.conversations.models import Channel
from maitre.errors import NotFound
from maitre.orders.models import Order
from maitre.tickets import service as tickets
from maitre.tickets.models import Ticket, TicketPriority
from maitre.tickets.schemas import TicketCreate

SUBJECT_MAX = 300
BODY_MAX = 20_000


class TicketKind(StrEnum):
    COMPLAINT = "complaint"
    RETURN = "return"
    REFUND = "refund"
    DELIVERY = "delivery"
    ACCOUNT = "account"
    QUESTION = "question"
    OTHER = "other"


class TicketOutcome(StrEnum):
    TICKET_CREATED = "ticket_created"
    NOT_FOUND = "not_found"  # the order named is not this customer's
    INVALID_INPUT = "invalid_input"
    NEEDS_VERIFICATION = "needs_verification"


def _channel(ctx: ToolContext) -> Channel:
    if ctx.conversation_id is None:
        return Channel.CHAT
    try:
        conversation = conversations.get(session=ctx.session, conversation_id=ctx.conversation_id)
    except NotFound:
        return Channel.CHAT
    return Channel(conversation.channel)


def open_ticket(
    ctx: ToolContext,
    *,
    customer_id: int,
    subject: str,
    body: str,
    priority: TicketPriority,
    kind: TicketKind,
    order: Order | None = None,
) -> Ticket:
    """Open a ticket through the tickets service, linked to the conversation and order."""
    data = TicketCreate(
        customer_id=customer_id,
        subject=plain(subject, SUBJECT_MAX),
        body=plain(body, BODY_MAX),
        priority=priority,
        channel=_channel(ctx),
        tags=[str(kind), "agent"],
        conversation_id=ctx.conversation_id,
        order_id=order.id if order is not None else None,
    )
    return tickets.create(session=ctx.session, data=data, actor=ctx.actor)


def create_ticket(
    ctx: ToolContext,
    subject: str,
    body: str,
    priority: TicketPriority | str = TicketPriority.NORMAL,
    order_id: int | None = None,
    kind: TicketKind | str = TicketKind.COMPLAINT,
    order_number: str | None = None,
) -> ToolResult:
    """Open a ticket for the customer (priority is the caller's choice, e.g. from sentiment).

    The order may be named by ``order_id`` or ``order_number``; one that is not the
    customer's gives ``not_found`` and no ticket.
    """
    customer = current_customer(ctx)
    if customer is None:
        return refusal(TicketOutcome.NEEDS_VERIFICATION)
    try:
        level, label = TicketPriority(priority), TicketKind(kind)
    except ValueError:
        return refusal(TicketOutcome.INVALID_INPUT, {"reason": "priority_or_kind"})
    subject, body = plain(subject, SUBJECT_MAX), plain(body, BODY_MAX)
    if not subject:
        return refusal(TicketOutcome.INVALID_INPUT, {"reason": "subject"})
    order = None
    if order_id is not None:
        order = customer_order_by_id(ctx, order_id)
        if order is None:
            return refusal(TicketOutcome.NOT_FOUND)
    elif order_number is not None:
        order = customer_order(ctx, order_number)
        if order is None:
            return refusal(TicketOutcome.NOT_FOUND, asked_number(order_number))
    try:
        ticket = open_ticket(
            ctx,
            customer_id=customer.id,
            subject=subject,
            body=body,
            priority=level,
            kind=label,
            order=order,
        )
    except ValidationError:
        return refusal(TicketOutcome.INVALID_INPUT, {"reason": "ticket"})
    facts = {
        "ticket_id": ticket.id,
        "priority": str(ticket.priority),
        "kind": str(label),
        "order_number": order.number if order is not None else None,
    }
    return success(TicketOutcome.TICKET_CREATED, facts, {"ticket_id": ticket.id})

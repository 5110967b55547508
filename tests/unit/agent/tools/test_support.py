"""Ticket tool: linked to the customer, the conversation and (optionally) their order."""

from __future__ import annotations

from sqlalchemy.orm import Session

from maitre.agent import tools
from maitre.config import Settings
from maitre.tickets import service as tickets
from maitre.tickets.models import TicketPriority
from maitre.timeline import service as timeline
from tests.factories.agent import make_shop, tool_context
from tests.factories.conversations import make_conversation


def test_complaint_ticket_links_conversation_and_order(
    session: Session, settings: Settings
) -> None:
    shop = make_shop(session)
    conversation = make_conversation(session, customer_id=shop.alice.id, channel="widget")
    order = shop.orders["delivered"]
    ctx = tool_context(session, settings, customer=shop.alice, conversation_id=conversation.id)
    result = tools.create_ticket(
        ctx, "Arrived broken", "The left earbud is cracked.", "high", order_id=order.id
    )
    assert result.ok and result.outcome == tools.TicketOutcome.TICKET_CREATED
    ticket = tickets.get(session=session, ticket_id=result.facts["ticket_id"])
    assert (ticket.customer_id, ticket.order_id, ticket.conversation_id) == (
        shop.alice.id,
        order.id,
        conversation.id,
    )
    assert ticket.priority == TicketPriority.HIGH and ticket.channel == "widget"
    assert ticket.tags == ["complaint", "agent"]
    assert result.facts == {
        "ticket_id": ticket.id,
        "priority": "high",
        "kind": "complaint",
        "order_number": order.number,
    }
    event = timeline.list_for_customer(session=session, customer_id=shop.alice.id)[0]
    assert event.kind == "ticket.created" and event.actor == f"agent:conversation:{conversation.id}"


def test_ticket_by_order_number_and_without_order(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=shop.alice)
    by_number = tools.create_ticket(
        ctx, "Late", "Where is it?", order_number=shop.orders["shipped"].number, kind="delivery"
    )
    assert by_number.ok and by_number.facts["order_number"] == shop.orders["shipped"].number
    plain = tools.create_ticket(ctx, "Question", "Do you ship to Mars?", kind="question")
    assert plain.ok and plain.facts["order_number"] is None
    ticket = tickets.get(session=session, ticket_id=plain.facts["ticket_id"])
    assert ticket.order_id is None and ticket.conversation_id is None
    assert ticket.priority == TicketPriority.NORMAL


def test_ticket_rejects_bad_input(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    ctx = tool_context(session, settings, customer=shop.alice)
    assert tools.create_ticket(ctx, "  ", "body").outcome == "invalid_input"
    assert tools.create_ticket(ctx, "S", "b", priority="whenever").outcome == "invalid_input"
    assert tools.create_ticket(ctx, "S", "b", kind="gossip").outcome == "invalid_input"
    long = tools.create_ticket(ctx, "S" * 1000, "b" * 50_000)
    assert long.ok
    ticket = tickets.get(session=session, ticket_id=long.facts["ticket_id"])
    assert len(ticket.subject) == 300 and len(ticket.body) == 20_000
    assert tickets.list_for_customer(session=session, customer_id=shop.alice.id) == [ticket]

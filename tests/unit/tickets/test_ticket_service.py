"""Ticket service behaviour on both backends: agent links, resolution stamps, events."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from maitre.errors import ValidationFailed
from maitre.events import EVENT_HANDLERS_KEY, DomainEvent
from maitre.tickets import service as tickets
from maitre.tickets.models import TicketPriority, TicketStatus
from maitre.tickets.schemas import TicketUpdate
from tests.factories.conversations import make_conversation
from tests.factories.customers import make_customer
from tests.factories.tickets import make_order_row, make_ticket


def _record_events(session: Session) -> list[DomainEvent]:
    seen: list[DomainEvent] = []
    session.info[EVENT_HANDLERS_KEY] = [lambda _s, event: seen.append(event)]
    return seen


def test_stored_enum_values_are_pinned(session: Session) -> None:
    assert [s.value for s in TicketStatus] == ["open", "pending", "resolved", "closed"]
    assert [p.value for p in TicketPriority] == ["low", "normal", "high", "urgent"]
    customer = make_customer(session)
    ticket = make_ticket(session, customer.id, priority="urgent", status="pending")
    row = session.execute(
        text("SELECT status, priority, channel FROM tickets WHERE id = :id"), {"id": ticket.id}
    ).one()
    assert tuple(row) == ("pending", "urgent", "email")


def test_agent_opens_ticket_linked_to_order_and_conversation(session: Session) -> None:
    customer = make_customer(session)
    order = make_order_row(session, customer.id)
    conv = make_conversation(session, customer_id=customer.id, channel="widget")
    events = _record_events(session)
    ticket = make_ticket(
        session,
        customer.id,
        subject="Return request for order",
        order_id=order.id,
        conversation_id=conv.id,
        channel="chat",
        priority="high",
    )
    assert (ticket.order_id, ticket.conversation_id) == (order.id, conv.id)
    assert [e.type for e in events] == ["ticket.created"]
    assert events[0].data["order_id"] == order.id and events[0].data["status"] == "open"
    assert [t.id for t in tickets.list_for_customer(session=session, customer_id=customer.id)] == [
        ticket.id
    ]


def test_links_to_another_customers_conversation_are_refused(session: Session) -> None:
    mine, theirs = make_customer(session), make_customer(session)
    their_conv = make_conversation(session, customer_id=theirs.id)
    anonymous = make_conversation(session)
    with pytest.raises(ValidationFailed) as err:
        make_ticket(session, mine.id, conversation_id=their_conv.id)
    assert err.value.errors[0].loc == ["body", "conversation_id"]
    # A conversation nobody has been identified in yet may be linked.
    assert make_ticket(session, mine.id, conversation_id=anonymous.id).conversation_id


def test_update_emits_changes_and_tracks_resolution(session: Session) -> None:
    customer = make_customer(session)
    ticket = make_ticket(session, customer.id)
    events = _record_events(session)
    tickets.update(
        session=session,
        ticket_id=ticket.id,
        data=TicketUpdate(status=TicketStatus.CLOSED, tags=["delivery", "refund"]),
        actor="user:ada",
    )
    closed_at = ticket.resolved_at
    assert closed_at is not None
    tickets.update(session=session, ticket_id=ticket.id, data=TicketUpdate(priority="low"))  # type: ignore[arg-type]
    assert ticket.resolved_at == closed_at  # staying closed keeps the first stamp
    tickets.update(session=session, ticket_id=ticket.id, data=TicketUpdate(subject=ticket.subject))
    assert [e.type for e in events] == ["ticket.updated", "ticket.updated"]
    assert events[0].data["changes"] == ["status", "tags"]
    assert events[0].data["status"] == "closed"
    tickets.delete(session=session, ticket_id=ticket.id)
    assert events[-1].type == "ticket.deleted" and events[-1].data["id"] == ticket.id


def test_created_resolved_ticket_is_stamped(session: Session) -> None:
    customer = make_customer(session)
    ticket = make_ticket(session, customer.id, status="resolved")
    assert ticket.resolved_at is not None

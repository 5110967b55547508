"""Assemble the customer 360 view from each domain's own service."""

from __future__ import annotations

from sqlalchemy.orm import Session

from maitre.conversations import service as conversations
from maitre.customers import service as customers
from maitre.customers.schemas import CustomerRead
from maitre.notes import service as notes
from maitre.orders import service as orders
from maitre.tickets import service as tickets
from maitre.timeline import service as timeline
from maitre.timeline.schemas import Customer360, TimelineEventRead


def customer_360(*, session: Session, customer_id: int, limit: int = 200) -> Customer360:
    """Return profile, orders, tickets, conversations, notes and events, newest first."""
    customer = customers.get(session=session, customer_id=customer_id)
    events = timeline.list_for_customer(session=session, customer_id=customer_id, limit=limit)
    return Customer360(
        customer=CustomerRead.model_validate(customer),
        orders=[
            orders.public(o)
            for o in orders.list_for_customer(session=session, customer_id=customer_id)
        ],
        tickets=[
            tickets.public(t)
            for t in tickets.list_for_customer(session=session, customer_id=customer_id)
        ],
        conversations=[
            conversations.public(c)
            for c in conversations.list_for_customer(session=session, customer_id=customer_id)
        ],
        notes=[
            notes.public(n)
            for n in notes.list_for_customer(session=session, customer_id=customer_id)
        ],
        events=[TimelineEventRead.model_validate(e) for e in events],
    )

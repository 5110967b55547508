"""Factories for tickets (and bare order rows to link tickets and notes to)."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from maitre.orders.models import Order
from maitre.tickets import service as tickets
from maitre.tickets.models import Ticket
from maitre.tickets.schemas import TicketCreate

_seq = itertools.count(1)


def ticket_payload(customer_id: int, **overrides: Any) -> dict[str, Any]:
    """Return a valid ticket-create body for ``customer_id``."""
    n = next(_seq)
    data: dict[str, Any] = {
        "customer_id": customer_id,
        "subject": f"Parcel {n} has not arrived",
        "body": "The tracking page has not changed for a week.",
        "priority": "normal",
        "channel": "email",
        "tags": ["delivery"],
    }
    data.update(overrides)
    return data


def make_ticket(session: Session, customer_id: int, **overrides: Any) -> Ticket:
    """Create and flush a ticket through the service."""
    payload = ticket_payload(customer_id, **overrides)
    return tickets.create(session=session, data=TicketCreate(**payload))


def make_order_row(session: Session, customer_id: int) -> Order:
    """Insert a bare order (no lines) for linking; orders' own rules are not exercised here."""
    order = Order(number=f"T-{next(_seq):06d}", customer_id=customer_id)
    session.add(order)
    session.flush()
    return order
